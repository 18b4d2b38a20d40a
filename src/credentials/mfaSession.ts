import type { AwsCredentials } from '../aws/types';
import type { SessionProvider } from './cached';
import { requireSerial, stsEndpoint, type ChainProject, type ProviderDeps } from './chainProject';
import { sessionEndpoint, toCachedSession } from './sessionStore';

/**
 * The MFA session of a project's source: GetSessionToken from the source keys with one code. One
 * such session serves every role of the source for hours, so a `cd` asks for a code about once a day.
 */
export function mfaSession(project: ChainProject, sourceKeys: () => Promise<AwsCredentials>, deps: ProviderDeps): SessionProvider {
  return {
    kind: 'mfa-session',
    spendsCode: true,
    async fetch() {
      const serial = requireSerial(project);
      const source = await sourceKeys();
      const issuedAt = deps.now();
      const durationSeconds = project.source.sessionDurationSeconds;
      deps.reporter.debug(`GetSessionToken for source '${project.sourceName}' with MFA ${serial}, ${durationSeconds}s`);
      const credentials = await deps.fetch.mfa.use(
        serial,
        project.source.mfaProcess,
        (code) => deps.fetch.sts(source).getSessionToken({ durationSeconds, serialNumber: serial, tokenCode: code }),
        { action: 'GetSessionToken', sourceName: project.sourceName, durationSeconds, endpoint: stsEndpoint(deps.env, deps.stsRegion) },
      );
      return toCachedSession('mfa-session', credentials, { sourceName: project.sourceName, issuedAt, mfaSerial: serial, ...sessionEndpoint(deps.env) });
    },
  };
}

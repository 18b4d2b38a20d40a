import type { Context } from '../core/context';
import { ConfigError } from '../core/errors';
import { createReporter, type Reporter } from '../core/reporter';
import type { AwsCredentials, IssuedCredentials } from '../aws/types';
import type { Keyring } from '../keyring/keyring';
import { openKeyring } from '../keyring/openKeyring';
import type { ResolvedProject, SourceConfig, UserConfig } from '../config/types';
import { loadUserConfig } from '../config/loadUserConfig';
import { recordKeyringPick } from '../config/updateUserConfig';
import { loginName } from '../config/resolveProject';
import { resolveAllowedProject } from '../config/approval';
import type { MfaCodeProvider } from '../mfa/createMfaCodeProvider';
import { readTty } from '../mfa/readTty';
import { createAwsFetcher } from './awsFetcher';
import { roleCredentials } from './chain';
import type { Fetcher } from './fetcher';
import { readSourceCredentials } from './sourceCredentials';
import { sessionStore, type SessionStore } from './sessionStore';

/** The AWS CLI refreshes credential_process credentials 15 minutes before they expire. */
export const CREDENTIAL_PROCESS_WINDOW_SECONDS = 15 * 60;

export interface EngineOptions {
  mfaCode?: string;
  refreshWindowSeconds?: number;
}

export interface CredentialsResult {
  credentials: IssuedCredentials;
  assumedRoleArn: string;
  fromCache: boolean;
  accountAlias?: string;
  /** The STS endpoint that issued the session, when the environment names one instead of AWS's. */
  endpoint?: string;
}

export interface Engine {
  readonly keyring: Keyring;
  readonly userConfig: UserConfig;
  readonly reporter: Reporter;
  /** The directory's project, validated and approved (an unapproved file is an error naming `awsdir allow`). */
  resolveDirectory(dir: string): Promise<ResolvedProject>;
  credentialsFor(project: ResolvedProject, options: { mode: 'env' | 'credential-process' }): Promise<CredentialsResult>;
  /** The long-term keys of a source of the user file. */
  sourceCredentials(sourceName: string): Promise<AwsCredentials>;
  /** Where MFA codes come from (--mfa-code, AWSDIR_MFA_CODE, mfa_process, the prompt), for calls outside the chain. */
  mfaCodes(): MfaCodeProvider;
  /** The cached sessions: their names, listing and clearing. */
  readonly sessions: SessionStore;
}

/** The login name used for `{user}` in session names. */
export const currentUser = loginName;

export async function createEngine(ctx: Context, options: EngineOptions = {}): Promise<Engine> {
  const reporter = createReporter(ctx);
  const userConfig = await loadUserConfig(ctx.env);
  const keyring = await openKeyring({
    env: ctx.env,
    preference: userConfig.keyring,
    recordPick: (backend: Keyring['backend']) => recordKeyringPick(ctx.env, backend),
    promptPassphrase: (prompt: string) =>
      readTty({
        prompt,
        echo: '',
        accept: (c) => c >= ' ',
        signal: ctx.signal,
        noTerminalHint: 'set AWSDIR_FILE_PASSPHRASE to unlock the file keyring',
      }),
    reporter,
    node: ctx.self.node,
    platform: ctx.platform,
  });
  const sessions = sessionStore(keyring, (message) => reporter.debug(message));
  const refreshWindowSeconds = options.refreshWindowSeconds ?? userConfig.refreshWindowSeconds;
  let fetcher: Fetcher | undefined;

  const source = (name: string): SourceConfig => {
    const found = userConfig.sources[name];
    if (!found) {
      const known = Object.keys(userConfig.sources);
      throw new ConfigError(`source '${name}' is not in ${userConfig.file}${known.length ? ` (it has: ${known.join(', ')})` : ''}; add it with \`awsdir add ${name}\``);
    }
    return found;
  };

  const fetch = (): Fetcher =>
    (fetcher ??= createAwsFetcher(ctx, { keyring, reporter, stsRegion: userConfig.stsRegion, ...(options.mfaCode !== undefined ? { mfaCode: options.mfaCode } : {}) }));

  return {
    keyring,
    userConfig,
    reporter,

    resolveDirectory: (dir) => resolveAllowedProject(dir, ctx.env, userConfig),

    async credentialsFor(project, { mode }) {
      const windowSeconds = mode === 'credential-process' ? Math.max(refreshWindowSeconds, CREDENTIAL_PROCESS_WINDOW_SECONDS) : refreshWindowSeconds;
      return roleCredentials(project, { env: ctx.env, reporter, now: () => ctx.now(), stsRegion: userConfig.stsRegion, fetch: fetch(), store: sessions, windowSeconds });
    },

    async sourceCredentials(sourceName) {
      return readSourceCredentials(source(sourceName), { keyring, env: ctx.env });
    },

    mfaCodes: () => fetch().mfa,

    sessions,
  };
}

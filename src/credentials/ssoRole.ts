import { AwsdirError } from '../core/errors';
import type { SsoRole } from '../config/types';
import { ssoErrorName } from '../aws/ssoErrors';
import type { SessionProvider } from './cached';
import type { ChainProject, ProviderDeps } from './chainProject';
import { ssoEntryNames } from './ssoNames';
import { toCachedSession } from './sessionStore';

/**
 * A permission set's role session from IAM Identity Center (GetRoleCredentials), with the access
 * token of the project's sign-in, which the fetcher refreshes or signs in for. The account is the
 * one asked for: the portal gives role credentials only for an assignment of that account, so the
 * answer cannot be of another. GetRoleCredentials names no role ARN, so none is recorded.
 */
export function ssoRoleProvider(project: ChainProject & { sso: SsoRole }, deps: ProviderDeps): SessionProvider {
  const { sso } = project;
  return {
    kind: 'role',
    spendsCode: false,
    async fetch() {
      const target = { name: project.sourceName, startUrl: sso.startUrl, region: sso.region };
      deps.reporter.debug(`GetRoleCredentials for permission set ${sso.roleName} in account ${sso.accountId} through ${project.sourceName}`);
      const issuedAt = deps.now();
      let credentials;
      try {
        credentials = await deps.fetch.ssoRoleCredentials(target, sso.accountId, sso.roleName);
      } catch (error) {
        // explainSsoError keeps the SDK's error as the cause.
        if (![error, (error as { cause?: unknown } | null)?.cause].some((e) => ssoErrorName(e) === 'ForbiddenException')) throw error;
        throw new AwsdirError(
          `${project.projectFile}: the sign-in of ${project.sourceName} has no access to permission set ${sso.roleName} in account ${sso.accountId}; check \`sso:\` there (\`awsdir login ${project.sourceName} --json\` lists the accounts and permission sets you have), or ask your administrator to assign ${sso.roleName} in ${sso.accountId} to you`,
          { cause: error },
        );
      }
      const alias = await deps.fetch.accountAlias(credentials, sso.accountId);
      return toCachedSession('role', credentials, {
        sourceName: project.sourceName,
        issuedAt,
        roleArn: project.role.arn,
        ...(alias ? { accountAlias: alias } : {}),
        ssoSignIn: ssoEntryNames(sso, deps.env).hash,
      });
    },
  };
}

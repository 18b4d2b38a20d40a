import type { Context } from '../core/context';
import type { Reporter } from '../core/reporter';
import { endpointOverride } from '../aws/endpoints';
import { loadAwsSdk } from '../aws/loadAwsSdk';
import { loadSts } from '../aws/loadSts';
import type { Keyring } from '../keyring/keyring';
import { lockDir, stateDir } from '../config/paths';
import { createMfaCodeProvider } from '../mfa/createMfaCodeProvider';
import { knownAccountAlias, rememberAccountAlias } from './accountAliases';
import type { Fetcher } from './fetcher';
import { withLock } from './lock';
import { readSourceCredentials } from './sourceCredentials';
import { ssoDeps, ssoRoleCredentials, terminalSignInUi } from './ssoSignIn';

/**
 * The fetcher of the full CLI and of a role session's cache miss: keys from the keychain or files,
 * codes from --mfa-code, AWSDIR_MFA_CODE, mfa_process or the prompt, STS through the STS-only
 * chunk (dist/sts.cjs, loaded on first call), the account alias as remembered (IAM through the full
 * SDK chunk once per account), and the lock in the state directory. Never loaded on the cache-hit
 * path: the hit bundle loads it, from dist/sts.cjs, only when the cache has nothing fresh.
 */
export function createAwsFetcher(ctx: Context, deps: { keyring: Keyring; reporter: Reporter; stsRegion: string; mfaCode?: string }): Fetcher {
  const { keyring, reporter, stsRegion } = deps;
  return {
    sourceKeys: (source) => readSourceCredentials(source, { keyring, env: ctx.env }),
    sts: (credentials) => loadSts(ctx.env).createSts({ credentials, region: stsRegion, env: ctx.env }),
    // One per fetcher: a code from --mfa-code or AWSDIR_MFA_CODE is spent once, whoever spends it.
    mfa: createMfaCodeProvider({
      ...(deps.mfaCode !== undefined ? { flagCode: deps.mfaCode } : {}),
      env: ctx.env,
      stateDir: stateDir(ctx.env),
      reporter,
      stderr: (text) => ctx.io.stderr(text),
      now: () => ctx.now(),
      signal: ctx.signal,
    }),
    async accountAlias(credentials, account) {
      const state = stateDir(ctx.env);
      const iamEndpoint = endpointOverride(ctx.env, 'iam')?.url;
      const known = knownAccountAlias(state, account, iamEndpoint, ctx.now());
      if (known) return known.alias;
      // Once per account (accountAliases.ts), one short try: the alias only decorates the summary
      // line, and roles are often denied it.
      const iam = loadAwsSdk().createIam({ credentials, region: stsRegion, env: ctx.env, maxAttempts: 1, timeoutMs: 2000 });
      try {
        const alias = (await iam.listAccountAliases())[0];
        rememberAccountAlias(state, account, iamEndpoint, alias ? { alias } : {}, ctx.now());
        return alias;
      } catch (error) {
        reporter.debug(`no account alias for the summary: ${(error as Error).name}`);
        rememberAccountAlias(state, account, iamEndpoint, 'failed', ctx.now());
        return undefined;
      } finally {
        iam.destroy();
      }
    },
    lock: (name, fn) =>
      withLock(name, fn, {
        dir: lockDir(ctx.env),
        signal: ctx.signal,
        onWait: (owner) => reporter.info(`waiting for another awsdir (pid ${owner.pid}) that is fetching the same session; it may be asking for an MFA code`),
      }),
    // A sign-in it needs opens the browser, as `awsdir login` does; without a terminal it fails at once naming that command.
    ssoRoleCredentials: (target, accountId, roleName) =>
      ssoRoleCredentials(target, accountId, roleName, ssoDeps(ctx, { keyring, reporter }, terminalSignInUi(ctx, reporter, { browser: true }))),
  };
}

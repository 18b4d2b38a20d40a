import type { Context } from '../core/context';
import { ConfigError } from '../core/errors';
import { createReporter, type Reporter } from '../core/reporter';
import type { AwsCredentials } from '../aws/types';
import type { Keyring } from '../keyring/keyring';
import { openKeyring } from '../keyring/openKeyring';
import type { UserConfig } from '../config/types';
import { loadUserConfig } from '../config/loadUserConfig';
import { recordKeyringPick } from '../config/updateUserConfig';
import { readTty } from '../mfa/readTty';
import { createAwsFetcher } from './awsFetcher';
import { NotOnHitPath, offHitPath, type Fetcher } from './fetcher';
import { loadAwsFetcher } from './loadAwsFetcher';
import { sessionStore, type SessionStore } from './sessionStore';

/** What every command that touches credentials works with: the user file, the keyring and its sessions, AWS. */
export interface Workspace {
  readonly userConfig: UserConfig;
  readonly keyring: Keyring;
  readonly reporter: Reporter;
  readonly sessions: SessionStore;
  /** Source keys, MFA codes (--mfa-code, AWSDIR_MFA_CODE, mfa_process, the prompt), STS, the lock. */
  readonly fetch: Fetcher;
  /** True on the cache-hit path, where `fetch` answers NotOnHitPath and nothing may ask on the terminal. */
  readonly onHitPath: boolean;
  /** The long-term keys of a source of the user file. */
  sourceKeys(sourceName: string): Promise<AwsCredentials>;
}

export interface WorkspaceOptions {
  mfaCode?: string;
  /** Opens for the cache-hit path: no keyring pick, no passphrase prompt, a fetcher that answers NotOnHitPath. */
  onHitPath?: boolean;
  /**
   * On the hit path: when the cache has nothing fresh, go on with the real fetcher from the STS
   * chunk instead of answering NotOnHitPath, after calling this once. From then on the command runs
   * to its end there (its prompts, messages and errors are real), as the full CLI would run it.
   */
  onCold?: () => void;
  /** Changes what the full fetcher does (the credential server's: no MFA prompt). */
  wrapFetch?: (fetch: Fetcher) => Fetcher;
}

export async function openWorkspace(ctx: Context, options: WorkspaceOptions = {}): Promise<Workspace> {
  const onHitPath = options.onHitPath ?? false;
  const reporter = createReporter(ctx);
  const userConfig = await loadUserConfig(ctx.env);
  // `auto` probes the keychain and records its pick once: the full CLI's job.
  if (onHitPath && (ctx.env.AWSDIR_KEYRING || userConfig.keyring) === 'auto') throw new NotOnHitPath('picking a keyring');
  const keyring = await openKeyring({
    env: ctx.env,
    preference: userConfig.keyring,
    recordPick: onHitPath ? () => Promise.reject(new NotOnHitPath('recording the keyring pick')) : (backend) => recordKeyringPick(ctx.env, backend),
    ...(onHitPath
      ? {}
      : {
          promptPassphrase: (prompt: string) =>
            readTty({ prompt, echo: '', accept: (c) => c >= ' ', signal: ctx.signal, noTerminalHint: 'set AWSDIR_FILE_PASSPHRASE to unlock the file keyring' }),
        }),
    reporter,
    node: ctx.self.node,
    platform: ctx.platform,
  });
  const fetcherDeps = { keyring, reporter, stsRegion: userConfig.stsRegion, ...(options.mfaCode !== undefined ? { mfaCode: options.mfaCode } : {}) };
  const wrap = options.wrapFetch ?? ((f: Fetcher) => f);
  const fetch = !onHitPath
    ? wrap(createAwsFetcher(ctx, fetcherDeps))
    : options.onCold
      ? coldFetcher(() => loadAwsFetcher(ctx.env).createAwsFetcher(ctx, fetcherDeps), options.onCold)
      : offHitPath;
  return {
    userConfig,
    keyring,
    reporter,
    sessions: sessionStore(keyring, (message) => reporter.debug(message)),
    fetch,
    onHitPath,
    sourceKeys(sourceName) {
      const source = userConfig.sources[sourceName];
      if (!source) {
        const known = Object.keys(userConfig.sources);
        throw new ConfigError(
          `source '${sourceName}' is not in ${userConfig.file}${known.length ? ` (it has: ${known.join(', ')})` : ''}; add it with \`awsdir add ${sourceName}\``,
        );
      }
      return fetch.sourceKeys(source);
    },
  };
}

/**
 * The hit path's fetcher once the cache has nothing fresh: the real one, created on its first use
 * (the first thing a miss asks of it is the lock, before any prompt or AWS call).
 */
function coldFetcher(create: () => Fetcher, onCold: () => void): Fetcher {
  let real: Fetcher | undefined;
  const fetcher = (): Fetcher => {
    if (!real) {
      onCold();
      real = create();
    }
    return real;
  };
  return {
    sourceKeys: (source) => fetcher().sourceKeys(source),
    sts: (credentials) => fetcher().sts(credentials),
    mfa: { use: (serial, mfaProcess, call, context) => fetcher().mfa.use(serial, mfaProcess, call, context) },
    accountAlias: (credentials, account) => fetcher().accountAlias(credentials, account),
    lock: (name, fn) => fetcher().lock(name, fn),
    // A sign-in may open the browser and loads the SSO clients of the full SDK chunk: the full CLI's
    // job. Refused before anything is committed, so the full CLI runs the command from the start.
    ssoRoleCredentials: (target, accountId, roleName) => offHitPath.ssoRoleCredentials(target, accountId, roleName),
  };
}

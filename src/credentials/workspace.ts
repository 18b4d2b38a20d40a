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
  const wrap = options.wrapFetch ?? ((f: Fetcher) => f);
  const fetch = onHitPath
    ? offHitPath
    : wrap(
        createAwsFetcher(ctx, { keyring, reporter, stsRegion: userConfig.stsRegion, ...(options.mfaCode !== undefined ? { mfaCode: options.mfaCode } : {}) }),
      );
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

import type { Context } from '../core/context';
import { abortableSleep } from '../core/abortableSleep';
import { AwsdirError, UsageError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { lockDir } from '../config/paths';
import { ssoSettingsOf, type SsoSourceConfig } from '../config/ssoConfig';
import type { UserConfig } from '../config/types';
import type { Keyring } from '../keyring/keyring';
import { assertTerminal } from '../mfa/readTty';
import { withLock } from '../credentials/lock';
import { isSsoTokenRefused, listSsoAccounts, ssoAccessToken, type SsoDeps, type SsoSignInUi, type SsoTarget, type SsoToken, type SsoTokenOptions } from '../credentials/sso';
import type { SsoAccount } from '../aws/sso';
import { openThroughOneShotRedirect } from './commands/console';

/**
 * How `add`, `login` and `logout` sign in: the code on stderr, the browser opened the way
 * `awsdir console` opens it (the opener gets only the path of a private page), and no sign-in that
 * needs the browser without a terminal to show its code on.
 */
export function terminalSignInUi(ctx: Pick<Context, 'env' | 'platform' | 'signal' | 'now'>, reporter: Reporter, options: { browser: boolean }): SsoSignInUi {
  return {
    assertCanSignIn(target) {
      // With --no-browser the person asked for the code on stderr: whoever reads it confirms it.
      if (!options.browser) return;
      try {
        assertTerminal('');
      } catch (error) {
        const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? 'no terminal';
        throw new AwsdirError(
          `signing in to ${target.name} needs you at a terminal, to show the code you confirm in the browser, and there is none here (${code}); run \`awsdir login ${target.name}\` in a terminal`,
          { cause: error },
        );
      }
    },
    async show(signIn, signal) {
      const minutes = Math.max(1, Math.round((signIn.expiresAt.getTime() - ctx.now()) / 60_000));
      const where = `to sign in to ${signIn.sourceName}, confirm the code ${signIn.userCode} at ${signIn.verificationUri}`;
      if (!options.browser) {
        reporter.info(`${where} in a browser (the code expires in ${minutes} minute${minutes === 1 ? '' : 's'})`);
        return;
      }
      reporter.info(`${where} (opening it in your browser; the code expires in ${minutes} minute${minutes === 1 ? '' : 's'})`);
      // The page is given up once the sign-in is over (signal) or on Ctrl-C.
      const done = new AbortController();
      for (const s of [signal, ctx.signal]) s.addEventListener('abort', () => done.abort(), { once: true });
      try {
        await openThroughOneShotRedirect(signIn.verificationUriComplete, {
          platform: ctx.platform,
          env: ctx.env,
          signal: done.signal,
          reporter,
          onOpened: () => reporter.debug('the browser opener started'),
        });
      } catch (error) {
        if (done.signal.aborted) return;
        reporter.debug(`opening the browser: ${(error as Error).message}`);
        reporter.warn(`the browser could not be opened; open ${signIn.verificationUri} yourself and enter the code ${signIn.userCode}`);
      }
    },
  };
}

export function ssoDeps(ctx: Context, engine: { keyring: Keyring; reporter: Reporter }, ui: SsoSignInUi): SsoDeps {
  return {
    env: ctx.env,
    keyring: engine.keyring,
    reporter: engine.reporter,
    now: () => ctx.now(),
    sleep: (ms) => abortableSleep(ms, ctx.signal, 'cancelled while waiting for the sign-in in the browser'),
    lock: (name, fn) =>
      withLock(name, fn, {
        dir: lockDir(ctx.env),
        signal: ctx.signal,
        onWait: (owner) => engine.reporter.info(`waiting for another awsdir (pid ${owner.pid}) that is signing in to the same IAM Identity Center; confirm the code it shows`),
      }),
    ui,
  };
}

/** The IAM Identity Center source of that name, or a usage error saying what to run. */
export function ssoSourceNamed(userConfig: UserConfig, name: string): SsoSourceConfig {
  const source = userConfig.sources[name];
  if (!source) {
    const known = Object.keys(userConfig.sources);
    throw new UsageError(
      `source '${name}' is not in ${userConfig.file}${known.length ? ` (it has: ${known.join(', ')})` : ''}; add it with \`awsdir add ${name} --sso-start-url URL --sso-region REGION\``,
    );
  }
  if (source.kind !== 'sso') {
    throw new UsageError(`source '${name}' holds access keys, not an IAM Identity Center sign-in; \`awsdir login\` and \`awsdir logout\` are for sources added with --sso-start-url or --sso-session`);
  }
  return source;
}

export function ssoTargetOf(source: SsoSourceConfig, ctx: Pick<Context, 'env'>, userFile: string): SsoTarget {
  const { startUrl, region } = ssoSettingsOf(source, ctx.env, userFile);
  return { name: source.name, startUrl, region };
}

/**
 * A token the portal takes, and the accounts it opens. A token refused though it looked good here
 * (ended at the portal, or a clock that differs) is refreshed, or signed in anew, once.
 */
export async function signedIn(target: SsoTarget, deps: SsoDeps, options: SsoTokenOptions = {}): Promise<{ token: SsoToken; accounts: SsoAccount[] }> {
  const token = await ssoAccessToken(target, deps, options);
  try {
    return { token, accounts: await listSsoAccounts(token, deps) };
  } catch (error) {
    if (!isSsoTokenRefused(error) || token.obtained === 'signed-in') throw error;
    deps.reporter.debug(`sso: the portal refused the ${token.obtained} token of ${target.name}; refreshing`);
    const again = await ssoAccessToken(target, deps, { ...options, refused: token.accessToken });
    return { token: again, accounts: await listSsoAccounts(again, deps) };
  }
}

/** `signed in to corp until 2026-12-07T09:00:00Z; 14 accounts`, and the --json form. */
export function reportSignedIn(ctx: Pick<Context, 'io'>, reporter: Reporter, result: { token: SsoToken; accounts: SsoAccount[] }, json: boolean): void {
  const until = result.token.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const n = result.accounts.length;
  reporter.info(`signed in to ${result.token.sourceName} until ${until}; ${n} account${n === 1 ? '' : 's'}`);
  if (json) {
    const { sourceName, startUrl, region } = result.token;
    ctx.io.stdout(`${JSON.stringify({ source: sourceName, startUrl, region, expiresAt: until, accounts: result.accounts }, null, 2)}\n`);
  }
}

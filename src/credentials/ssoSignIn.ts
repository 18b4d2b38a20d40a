import type { Context } from '../core/context';
import { abortableSleep } from '../core/abortableSleep';
import { AwsdirError, UsageError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { openThroughOneShotRedirect } from '../core/openInBrowser';
import { lockDir, stateDir } from '../config/paths';
import { ssoSettingsOf, type SsoSourceConfig } from '../config/ssoConfig';
import type { UserConfig } from '../config/types';
import type { Keyring } from '../keyring/keyring';
import { assertTerminal } from '../mfa/readTty';
import type { SsoAccount } from '../aws/sso';
import { withLock } from './lock';
import type { SessionStore } from './sessionStore';
import type { IssuedCredentials } from '../aws/types';
import {
  getSsoRoleCredentials,
  isSsoTokenRefused,
  listSsoAccountRoles,
  listSsoAccounts,
  ssoAccessToken,
  ssoEntryNames,
  ssoLogout,
  type SsoDeps,
  type SsoSignInUi,
  type SsoTarget,
  type SsoToken,
  type SsoTokenOptions,
} from './sso';

/**
 * How a sign-in reaches the person (`add`, `login`, a `cd` that needs one): the code on stderr,
 * the browser opened the way `awsdir console` opens it (the opener gets only the path of a private
 * page), and no sign-in that needs the browser without a terminal to show its code on.
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
          stateDir: stateDir(ctx.env),
          subject: `sign-in to ${signIn.sourceName}`,
          title: 'IAM Identity Center sign-in',
          dirTag: 'signin',
          fallback: `open ${signIn.verificationUri} yourself and enter the code ${signIn.userCode}`,
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

export function ssoDeps(ctx: Context, workspace: { keyring: Keyring; reporter: Reporter }, ui: SsoSignInUi): SsoDeps {
  return {
    env: ctx.env,
    keyring: workspace.keyring,
    reporter: workspace.reporter,
    now: () => ctx.now(),
    sleep: (ms) => abortableSleep(ms, ctx.signal, 'cancelled while waiting for the sign-in in the browser'),
    lock: (name, fn) =>
      withLock(name, fn, {
        dir: lockDir(ctx.env),
        signal: ctx.signal,
        onWait: (owner) =>
          workspace.reporter.info(
            `waiting for another awsdir (pid ${owner.pid}) that is signing in to the same IAM Identity Center; confirm the code it shows`,
          ),
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
    throw new UsageError(
      `source '${name}' holds access keys, not an IAM Identity Center sign-in; \`awsdir login\` and \`awsdir logout\` are for sources added with --sso-start-url or --sso-session`,
    );
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

/** Other SSO sources of the user file whose sign-in is this one (same start URL, region and endpoints). */
export function othersSharing(name: string, sources: UserConfig['sources'], ctx: Pick<Context, 'env'>, userFile: string, hash: string): string[] {
  const names: string[] = [];
  for (const source of Object.values(sources)) {
    if (source.name === name || source.kind !== 'sso') continue;
    try {
      if (ssoEntryNames(ssoTargetOf(source, ctx, userFile), ctx.env).hash === hash) names.push(source.name);
    } catch {
      // A source whose [sso-session] cannot be read shares nothing that can be named.
    }
  }
  return names;
}

/**
 * Role credentials of a permission set with the target's token; a token the portal refuses though
 * it looked good here (ended at the portal, or clocks that differ) is refreshed, or signed in anew, once.
 */
export async function ssoRoleCredentials(target: SsoTarget, accountId: string, roleName: string, deps: SsoDeps): Promise<IssuedCredentials> {
  const token = await ssoAccessToken(target, deps);
  try {
    return await getSsoRoleCredentials(token, accountId, roleName, deps);
  } catch (error) {
    if (!isSsoTokenRefused(error) || token.obtained === 'signed-in') throw error;
    deps.reporter.debug(`sso: the portal refused the ${token.obtained} token of ${target.name}; refreshing`);
    const again = await ssoAccessToken(target, deps, { refused: token.accessToken });
    return getSsoRoleCredentials(again, accountId, roleName, deps);
  }
}

/** What a logout did: signed in at all, ended at the portal, the role sessions forgotten, and the sources that shared the sign-in. */
export interface LogoutResult {
  signedIn: boolean;
  endedAtPortal: boolean;
  /** Cached role sessions of this sign-in, removed from the keychain. */
  sessionsRemoved: number;
  sharing: string[];
}

/** `awsdir login SOURCE`: a token the portal takes (refreshed or signed in anew as needed), and the accounts it opens. */
export async function loginSource(
  name: string,
  workspace: { keyring: Keyring; reporter: Reporter; userConfig: UserConfig },
  ctx: Context,
  options: { browser: boolean; force: boolean },
): Promise<{ token: SsoToken; accounts: SsoAccount[] }> {
  const target = ssoTargetOf(ssoSourceNamed(workspace.userConfig, name), ctx, workspace.userConfig.file);
  const deps = ssoDeps(ctx, workspace, terminalSignInUi(ctx, workspace.reporter, { browser: options.browser }));
  return signedIn(target, deps, { signIn: options.force ? 'always' : 'if-needed' });
}

/**
 * `awsdir logout SOURCE`: ends the sign-in at the portal, forgets its tokens, and removes every
 * cached role session it gave, so nothing of it is left to use in the keychain. (Role credentials
 * already exported stay valid at AWS until they expire, as AWS documents.)
 */
export async function logoutSource(
  name: string,
  workspace: { keyring: Keyring; reporter: Reporter; userConfig: UserConfig; sessions: SessionStore },
  ctx: Context,
): Promise<LogoutResult> {
  const { userConfig, reporter } = workspace;
  const target = ssoTargetOf(ssoSourceNamed(userConfig, name), ctx, userConfig.file);
  const result = await ssoLogout(target, ssoDeps(ctx, workspace, terminalSignInUi(ctx, reporter, { browser: false })));
  const { hash } = ssoEntryNames(target, ctx.env);
  const issued = (await workspace.sessions.entries()).filter((e) => e.ssoSignIn === hash);
  const removed = await workspace.sessions.clear(issued.map((e) => e.name));
  const sharing = othersSharing(name, userConfig.sources, ctx, userConfig.file, hash);
  return { ...result, sessionsRemoved: removed.length, sharing };
}

/** What IAM Identity Center assigns the person of a source: for init's pick lists and its --tree. */
export interface SsoAssignments {
  sourceName: string;
  accounts(): Promise<SsoAccount[]>;
  /** The permission sets the person has in an account. */
  roles(accountId: string): Promise<string[]>;
}

/**
 * The assignments of an IAM Identity Center source, signed in (or refreshed) as `awsdir login`
 * would: the browser opens when a sign-in is needed and there is a terminal.
 */
export function ssoAssignments(name: string, workspace: { keyring: Keyring; reporter: Reporter; userConfig: UserConfig }, ctx: Context): SsoAssignments {
  const target = ssoTargetOf(ssoSourceNamed(workspace.userConfig, name), ctx, workspace.userConfig.file);
  const deps = ssoDeps(ctx, workspace, terminalSignInUi(ctx, workspace.reporter, { browser: true }));
  let session: Promise<{ token: SsoToken; accounts: SsoAccount[] }> | undefined;
  const signedInOnce = (): Promise<{ token: SsoToken; accounts: SsoAccount[] }> => (session ??= signedIn(target, deps));
  return {
    sourceName: name,
    accounts: async () => (await signedInOnce()).accounts,
    roles: async (accountId) => listSsoAccountRoles((await signedInOnce()).token, accountId, deps),
  };
}

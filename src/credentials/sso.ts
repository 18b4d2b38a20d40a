import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { ssoEndpoint } from '../aws/endpoints';
import { loadAwsSdk, type AwsSdk } from '../aws/loadAwsSdk';
import type { SsoAccount, SsoDeviceAuthorization, SsoOidcApi, SsoRegistration, SsoTokenGrant } from '../aws/sso';
import { explainSsoError, isSsoGrantRefused, isSsoUnauthorized, ssoErrorName, type SsoErrorContext } from '../aws/ssoErrors';
import type { IssuedCredentials } from '../aws/types';
import type { Keyring } from '../keyring/keyring';
import { ssoEntryNames } from './ssoNames';

/**
 * IAM Identity Center sign-in: the OAuth 2.0 device authorization grant (RFC 8628) through SSO
 * OIDC, its tokens and client registration kept in the keychain only (never ~/.aws/sso/cache),
 * refreshed without the browser while the sign-in lasts, one sign-in at a time per instance under
 * the inter-process lock; and what a token opens in the access portal.
 */

/** Where to sign in, and the name the person knows it by (a source of the user file). */
export interface SsoTarget {
  name: string;
  startUrl: string;
  region: string;
}

export interface SsoToken {
  sourceName: string;
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: Date;
  /** From the keychain, refreshed with the refresh token, or from a sign-in in the browser. */
  obtained: 'cached' | 'refreshed' | 'signed-in';
}

/** What the person is shown: where to confirm which code. No device code: that one is awsdir's alone. */
export interface DeviceSignIn {
  sourceName: string;
  startUrl: string;
  region: string;
  verificationUri: string;
  verificationUriComplete: string;
  userCode: string;
  expiresAt: Date;
}

/** How a sign-in reaches the person: the terminal and the browser (src/cli), or a test. */
export interface SsoSignInUi {
  /** Throws, naming what to run instead, when nobody can answer a sign-in here; called before anything starts. */
  assertCanSignIn(target: SsoTarget): void | Promise<void>;
  /** Shows the code and opens the browser. Never rejects; stops whatever it started once `signal` aborts. */
  show(signIn: DeviceSignIn, signal: AbortSignal): Promise<void>;
}

export interface SsoDeps {
  /** For the endpoint variables (aws/endpoints.ts): the only way to send these calls elsewhere than AWS. */
  env: Env;
  keyring: Keyring;
  reporter: Pick<Reporter, 'info' | 'warn' | 'debug'>;
  now(): number;
  /** The wait between polls; abortable in the CLI, the emulator's clock in tests. */
  sleep: (ms: number) => Promise<void>;
  /** The inter-process lock (lock.ts withLock), so concurrent processes share one sign-in. */
  lock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  ui: SsoSignInUi;
  /** The SDK chunk; loaded on first use unless given. */
  sdk?: Pick<AwsSdk, 'createSsoOidc' | 'createSsoPortal'>;
}

export type SsoPortalDeps = Pick<SsoDeps, 'env' | 'sdk'>;

export interface SsoTokenOptions {
  /** `always`: sign in anew in the browser, whatever token there is (another user, say). */
  signIn?: 'if-needed' | 'always';
  /** A token the portal refused: not to be handed out again, though it looks good here. */
  refused?: string;
  /** Called once IAM Identity Center has taken the start URL, before the code is shown. */
  started?: () => Promise<void>;
}

/** A token is refreshed when less than this is left, as the AWS SDKs do. */
export const SSO_REFRESH_WINDOW_MS = 5 * 60 * 1000;
/** A registration is registered anew when less than this is left: it must outlast the sign-in. */
const REGISTRATION_MARGIN_MS = 60 * 60 * 1000;
const CLIENT_NAME = 'awsdir';
/** Asked for so that CreateToken issues a refresh token: without a scope AWS gives none. */
const SCOPES = ['sso:account:access'];
/** RFC 8628 section 3.5: the poll interval when the server names none, and what slow_down adds. */
const DEFAULT_INTERVAL_MS = 5000;
const SLOW_DOWN_MS = 5000;

interface StoredToken {
  v: 1;
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  refreshToken?: string;
  /** The registration the refresh token belongs to. */
  clientId: string;
  issuedAt: string;
}

interface StoredClient {
  v: 1;
  region: string;
  clientId: string;
  clientSecret: string;
  expiresAt: string;
}

export { ssoEntryNames };

function sdkOf(deps: Pick<SsoDeps, 'sdk'>): Pick<AwsSdk, 'createSsoOidc' | 'createSsoPortal'> {
  return deps.sdk ?? loadAwsSdk();
}

/**
 * An access token for the target: the keychain's while more than 5 minutes are left, else one
 * refreshed with the refresh token, else a new sign-in in the browser. Refreshing and signing in
 * happen under the lock, so ten processes at once show one code and all read its token.
 */
export async function ssoAccessToken(target: SsoTarget, deps: SsoDeps, options: SsoTokenOptions = {}): Promise<SsoToken> {
  const names = ssoEntryNames(target, deps.env);
  const always = options.signIn === 'always';
  if (!always) {
    const cached = usable(await readEntry(deps.keyring, names.token, isStoredToken), deps.now(), options.refused);
    if (cached) return tokenOf(target, cached, 'cached');
  }
  return deps.lock(`sso-${names.hash}`, async () => {
    const stored = await readEntry(deps.keyring, names.token, isStoredToken);
    if (!always) {
      // Another process may have refreshed or signed in while this one waited for the lock.
      const cached = usable(stored, deps.now(), options.refused);
      if (cached) return tokenOf(target, cached, 'cached');
      const refreshed = stored?.refreshToken ? await refresh(target, stored, names, deps) : undefined;
      if (refreshed) return tokenOf(target, refreshed, 'refreshed');
      // Dead (expired, refused, its refresh refused): nothing to keep it for.
      if (stored) await deps.keyring.delete(names.token);
    }
    return tokenOf(target, await signIn(target, names, deps, options), 'signed-in');
  });
}

function usable(token: StoredToken | undefined, now: number, refused: string | undefined): StoredToken | undefined {
  if (!token || token.accessToken === refused) return undefined;
  return Date.parse(token.expiresAt) - now > SSO_REFRESH_WINDOW_MS ? token : undefined;
}

function tokenOf(target: SsoTarget, token: StoredToken, obtained: SsoToken['obtained']): SsoToken {
  return {
    sourceName: target.name,
    startUrl: target.startUrl,
    region: target.region,
    accessToken: token.accessToken,
    expiresAt: new Date(token.expiresAt),
    obtained,
  };
}

function storedToken(target: SsoTarget, grant: SsoTokenGrant, clientId: string, now: number, previousRefresh?: string): StoredToken {
  const refreshToken = grant.refreshToken ?? previousRefresh;
  return {
    v: 1,
    startUrl: target.startUrl,
    region: target.region,
    accessToken: grant.accessToken,
    expiresAt: new Date(now + grant.expiresInSeconds * 1000).toISOString(),
    ...(refreshToken ? { refreshToken } : {}),
    clientId,
    issuedAt: new Date(now).toISOString(),
  };
}

function oidcContext(target: SsoTarget, deps: Pick<SsoDeps, 'env'>, action: string): SsoErrorContext {
  return {
    action,
    sourceName: target.name,
    endpoint: ssoEndpoint(deps.env, 'sso-oidc', target.region),
    endpointVariable: 'AWS_ENDPOINT_URL_SSO_OIDC',
    startUrl: target.startUrl,
    region: target.region,
  };
}

/**
 * A new access token from the refresh token, or undefined when IAM Identity Center refuses it for
 * good (the sign-in ended): then only the browser helps. A network failure is an error: the
 * sign-in may well stand, and a browser page would not help.
 */
async function refresh(
  target: SsoTarget,
  stored: StoredToken,
  names: ReturnType<typeof ssoEntryNames>,
  deps: Pick<SsoDeps, 'env' | 'keyring' | 'reporter' | 'now' | 'sdk'>,
): Promise<StoredToken | undefined> {
  const client = await readEntry(deps.keyring, names.client, isStoredClient);
  if (!client || client.clientId !== stored.clientId || Date.parse(client.expiresAt) <= deps.now() || !stored.refreshToken) {
    deps.reporter.debug(`sso: no registration for the refresh token of ${target.name}; signing in anew`);
    return undefined;
  }
  const oidc = sdkOf(deps).createSsoOidc({ region: target.region, env: deps.env });
  try {
    const now = deps.now();
    const grant = await oidc.refresh(client, stored.refreshToken);
    const token = storedToken(target, grant, client.clientId, now, stored.refreshToken);
    await deps.keyring.set(names.token, JSON.stringify(token));
    deps.reporter.debug(`sso: refreshed the token of ${target.name} until ${token.expiresAt}`);
    return token;
  } catch (error) {
    if (isSsoGrantRefused(error)) {
      deps.reporter.debug(`sso: the refresh of ${target.name} was refused (${ssoErrorName(error)}); the sign-in has ended`);
      return undefined;
    }
    throw explainSsoError(error, oidcContext(target, deps, 'CreateToken'));
  } finally {
    oidc.destroy();
  }
}

async function signIn(target: SsoTarget, names: ReturnType<typeof ssoEntryNames>, deps: SsoDeps, options: SsoTokenOptions): Promise<StoredToken> {
  // A keychain that cannot store the token must fail now, not after the person confirmed the code.
  await deps.keyring.probeWrite();
  await deps.ui.assertCanSignIn(target);
  const oidc = sdkOf(deps).createSsoOidc({ region: target.region, env: deps.env });
  try {
    let client = await registration(target, oidc, names, deps, false);
    let authorization: SsoDeviceAuthorization;
    try {
      authorization = await oidc.startDeviceAuthorization(client, target.startUrl);
    } catch (error) {
      // A registration IAM Identity Center has forgotten: register once more.
      if (ssoErrorName(error) !== 'InvalidClientException' || client.fresh) throw explainSsoError(error, oidcContext(target, deps, 'StartDeviceAuthorization'));
      client = await registration(target, oidc, names, deps, true);
      authorization = await oidc.startDeviceAuthorization(client, target.startUrl).catch((again: unknown) => {
        throw explainSsoError(again, oidcContext(target, deps, 'StartDeviceAuthorization'));
      });
    }
    // Kept only once it has served: a start URL IAM Identity Center refused leaves nothing behind.
    if (client.fresh) {
      const entry: StoredClient = {
        v: 1,
        region: target.region,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        expiresAt: client.expiresAt.toISOString(),
      };
      await deps.keyring.set(names.client, JSON.stringify(entry));
    }
    await options.started?.();
    const startedAt = deps.now();
    const view: DeviceSignIn = {
      sourceName: target.name,
      startUrl: target.startUrl,
      region: target.region,
      verificationUri: authorization.verificationUri,
      verificationUriComplete: authorization.verificationUriComplete,
      userCode: authorization.userCode,
      expiresAt: new Date(startedAt + authorization.expiresInSeconds * 1000),
    };
    const showing = new AbortController();
    const shown = deps.ui.show(view, showing.signal);
    let grant: SsoTokenGrant;
    try {
      grant = await poll(target, oidc, client, authorization, view, deps);
    } finally {
      showing.abort();
      await shown;
    }
    const token = storedToken(target, grant, client.clientId, deps.now());
    await deps.keyring.set(names.token, JSON.stringify(token));
    deps.reporter.debug(`sso: signed in to ${target.name} until ${token.expiresAt}${token.refreshToken ? '' : ' (no refresh token)'}`);
    return token;
  } finally {
    oidc.destroy();
  }
}

/** The stored registration while it outlasts a sign-in, else a new one (RegisterClient), `fresh` until stored. */
async function registration(
  target: SsoTarget,
  oidc: SsoOidcApi,
  names: ReturnType<typeof ssoEntryNames>,
  deps: SsoDeps,
  renew: boolean,
): Promise<SsoRegistration & { fresh: boolean }> {
  const stored = renew ? undefined : await readEntry(deps.keyring, names.client, isStoredClient);
  if (stored && Date.parse(stored.expiresAt) - deps.now() > REGISTRATION_MARGIN_MS) {
    return { clientId: stored.clientId, clientSecret: stored.clientSecret, expiresAt: new Date(stored.expiresAt), fresh: false };
  }
  const registered = await oidc.registerClient({ clientName: CLIENT_NAME, scopes: SCOPES }).catch((error: unknown) => {
    throw explainSsoError(error, oidcContext(target, deps, 'RegisterClient'));
  });
  return { ...registered, fresh: true };
}

/**
 * CreateToken with the device code until the person has answered (RFC 8628 section 3.5): pending
 * keeps the interval, slow_down adds 5 s to it for good, an expired code or a denial ends it.
 */
async function poll(
  target: SsoTarget,
  oidc: SsoOidcApi,
  client: SsoRegistration,
  authorization: SsoDeviceAuthorization,
  view: DeviceSignIn,
  deps: SsoDeps,
): Promise<SsoTokenGrant> {
  let interval = authorization.intervalSeconds !== undefined ? Math.max(1, authorization.intervalSeconds) * 1000 : DEFAULT_INTERVAL_MS;
  const minutes = Math.round(authorization.expiresInSeconds / 60);
  const expired = (): AwsdirError =>
    new AwsdirError(
      `sign-in to ${target.name}: the code ${view.userCode} expired before it was confirmed in the browser (codes last ${minutes} minute${minutes === 1 ? '' : 's'}), so nothing was stored; run \`awsdir login ${target.name}\` to get a new code`,
    );
  for (;;) {
    await deps.sleep(interval);
    try {
      return await oidc.redeemDeviceCode(client, authorization.deviceCode);
    } catch (error) {
      switch (ssoErrorName(error)) {
        case 'AuthorizationPendingException':
          // The service ends the code itself; this only stops a service that never does.
          if (deps.now() > view.expiresAt.getTime() + 60_000) throw expired();
          continue;
        case 'SlowDownException':
          interval += SLOW_DOWN_MS;
          deps.reporter.debug(`sso: slow_down; polling every ${interval / 1000}s`);
          continue;
        case 'ExpiredTokenException':
          throw expired();
        case 'AccessDeniedException':
          throw new AwsdirError(
            `sign-in to ${target.name}: the request with code ${view.userCode} was denied in the browser, so nothing was stored; run \`awsdir login ${target.name}\` to sign in again (and allow the request whose code matches the one awsdir shows)`,
            { cause: error },
          );
        default:
          throw explainSsoError(error, oidcContext(target, deps, 'CreateToken'));
      }
    }
  }
}

function portalContext(
  token: Pick<SsoToken, 'sourceName' | 'region'>,
  deps: SsoPortalDeps,
  action: string,
  extra: Partial<SsoErrorContext> = {},
): SsoErrorContext {
  return { action, sourceName: token.sourceName, endpoint: ssoEndpoint(deps.env, 'sso', token.region), endpointVariable: 'AWS_ENDPOINT_URL_SSO', ...extra };
}

async function withPortal<T>(
  token: Pick<SsoToken, 'sourceName' | 'region'>,
  deps: SsoPortalDeps,
  context: SsoErrorContext,
  fn: (portal: ReturnType<AwsSdk['createSsoPortal']>) => Promise<T>,
): Promise<T> {
  const portal = sdkOf(deps).createSsoPortal({ region: token.region, env: deps.env });
  try {
    return await fn(portal);
  } catch (error) {
    throw explainSsoError(error, context);
  } finally {
    portal.destroy();
  }
}

/** True when the portal refused the token itself (an explained error keeps the SDK's as its cause). */
export function isSsoTokenRefused(error: unknown): boolean {
  return isSsoUnauthorized(error) || (error instanceof AwsdirError && isSsoUnauthorized(error.cause));
}

export function listSsoAccounts(token: SsoToken, deps: SsoPortalDeps): Promise<SsoAccount[]> {
  return withPortal(token, deps, portalContext(token, deps, 'ListAccounts'), (portal) => portal.listAccounts(token.accessToken));
}

export function listSsoAccountRoles(token: SsoToken, accountId: string, deps: SsoPortalDeps): Promise<string[]> {
  return withPortal(token, deps, portalContext(token, deps, 'ListAccountRoles', { accountId }), (portal) =>
    portal.listAccountRoles(token.accessToken, accountId),
  );
}

/** Role credentials of a permission set in an account: an AWSReservedSSO role session lasting the permission set's session duration. */
export function getSsoRoleCredentials(token: SsoToken, accountId: string, roleName: string, deps: SsoPortalDeps): Promise<IssuedCredentials> {
  return withPortal(token, deps, portalContext(token, deps, 'GetRoleCredentials', { accountId, roleName }), (portal) =>
    portal.getRoleCredentials(token.accessToken, accountId, roleName),
  );
}

/**
 * Ends the sign-in at the portal (Logout; refreshing first when the access token is past its end,
 * so the sign-in itself ends, not only one token), then forgets token and registration. When the
 * portal cannot be reached, nothing is forgotten, so the logout can be run again. Role credentials
 * issued before stay good until they expire, as AWS documents.
 */
export async function ssoLogout(target: SsoTarget, deps: Omit<SsoDeps, 'ui' | 'sleep'>): Promise<{ signedIn: boolean; endedAtPortal: boolean }> {
  const names = ssoEntryNames(target, deps.env);
  return deps.lock(`sso-${names.hash}`, async () => {
    const stored = await readEntry(deps.keyring, names.token, isStoredToken);
    let endedAtPortal = false;
    if (stored) {
      const logout = async (token: StoredToken): Promise<'ended' | 'refused'> => {
        const view = tokenOf(target, token, 'cached');
        try {
          await withPortal(view, deps, portalContext(view, deps, 'Logout'), (portal) => portal.logout(token.accessToken));
          return 'ended';
        } catch (error) {
          if (isSsoTokenRefused(error)) return 'refused';
          throw new AwsdirError(
            `logout of ${target.name}: ${(error as Error).message.replace(/; [^;]*$/, '')}; the sign-in still stands and nothing was removed: run \`awsdir logout ${target.name}\` again`,
            {
              cause: error,
            },
          );
        }
      };
      const current = Date.parse(stored.expiresAt) > deps.now() ? stored : undefined;
      let answer = current ? await logout(current) : 'refused';
      // The portal had this token over already: a refreshed one still ends the sign-in, if it stands.
      if (answer === 'refused') {
        const refreshed = await refresh(target, stored, names, deps);
        if (refreshed) answer = await logout(refreshed);
      }
      endedAtPortal = answer === 'ended';
    }
    // Entries this version cannot read are removed too.
    const removedToken = await deps.keyring.delete(names.token);
    await deps.keyring.delete(names.client);
    return { signedIn: Boolean(stored) || removedToken, endedAtPortal };
  });
}

/** A sign-in as the keychain holds it, without a secret: for `status` and `doctor`. */
export interface SsoSignInState {
  /** A token is stored (it may have expired). */
  signedIn: boolean;
  /** When the access token ends (RFC 3339). */
  expiresAt?: string;
  /** It can be refreshed without the browser: a refresh token and a registration that has not ended. */
  refreshable: boolean;
  /** When awsdir's client registration ends (RFC 3339): refreshing needs it. */
  registrationExpiresAt?: string;
}

export async function ssoSignInState(target: Pick<SsoTarget, 'startUrl' | 'region'>, deps: Pick<SsoDeps, 'keyring' | 'env' | 'now'>): Promise<SsoSignInState> {
  const names = ssoEntryNames(target, deps.env);
  const token = await readEntry(deps.keyring, names.token, isStoredToken);
  const client = await readEntry(deps.keyring, names.client, isStoredClient);
  const clientGood = Boolean(client && token && client.clientId === token.clientId && Date.parse(client.expiresAt) > deps.now());
  return {
    signedIn: Boolean(token),
    ...(token ? { expiresAt: token.expiresAt } : {}),
    refreshable: Boolean(token?.refreshToken) && clientGood,
    ...(client ? { registrationExpiresAt: client.expiresAt } : {}),
  };
}

async function readEntry<T>(keyring: Keyring, name: string, valid: (value: unknown) => value is T): Promise<T | undefined> {
  const text = await keyring.get(name);
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isStoredToken(value: unknown): value is StoredToken {
  const v = value as Partial<StoredToken> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    v.v === 1 &&
    typeof v.accessToken === 'string' &&
    typeof v.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(v.expiresAt)) &&
    typeof v.clientId === 'string' &&
    (v.refreshToken === undefined || typeof v.refreshToken === 'string')
  );
}

function isStoredClient(value: unknown): value is StoredClient {
  const v = value as Partial<StoredClient> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    v.v === 1 &&
    typeof v.clientId === 'string' &&
    typeof v.clientSecret === 'string' &&
    typeof v.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(v.expiresAt))
  );
}

import { JsonApiError, jsonBody, type JsonRequest, type JsonResult, type JsonService } from './restJson';
import { isOpen, newUserCode, opaqueToken, type PortalSession, type SsoClient } from './ssoState';
import type { World } from './world';

/**
 * IAM Identity Center's OIDC service (oidc.REGION.amazonaws.com): client registration and the
 * OAuth 2.0 device authorization grant (RFC 8628) that `aws sso login` uses, with refresh tokens.
 * Paths, members and error shapes are those of the SDK's model (@aws-sdk/client-sso-oidc).
 */
const ROUTES: Record<string, string> = {
  'POST /client/register': 'RegisterClient',
  'POST /device_authorization': 'StartDeviceAuthorization',
  'POST /token': 'CreateToken',
};

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REGISTRATION_MS = 90 * 24 * 3600 * 1000;

/** Each error shape's HTTP status and the OAuth `error` value its body carries. */
const ERRORS: Record<string, [number, string]> = {
  AccessDeniedException: [400, 'access_denied'],
  AuthorizationPendingException: [400, 'authorization_pending'],
  ExpiredTokenException: [400, 'expired_token'],
  InternalServerException: [500, 'server_error'],
  InvalidClientException: [401, 'invalid_client'],
  InvalidClientMetadataException: [400, 'invalid_client_metadata'],
  InvalidGrantException: [400, 'invalid_grant'],
  InvalidRequestException: [400, 'invalid_request'],
  InvalidScopeException: [400, 'invalid_scope'],
  SlowDownException: [400, 'slow_down'],
  UnsupportedGrantTypeException: [400, 'unsupported_grant_type'],
};

function oidcError(code: string, description: string, status?: number): JsonApiError {
  const [defaultStatus, error] = ERRORS[code] ?? [400, code];
  return new JsonApiError(status ?? defaultStatus, code, { error, error_description: description });
}

export function oidcService(world: World, method: string, url: URL): JsonService | undefined {
  let action = ROUTES[`${method} ${url.pathname}`];
  if (!action) return undefined;
  if (action === 'CreateToken' && url.searchParams.has('aws_iam')) action = 'CreateTokenWithIAM';
  return {
    service: 'sso-oidc',
    action,
    handle: (request) => handleOidc(world, action, request),
    faultError: (status, code, message) => oidcError(code, message, status),
  };
}

function handleOidc(world: World, action: string, request: JsonRequest): JsonResult {
  const input = jsonBody(request.body, (message) => oidcError('InvalidRequestException', message));
  switch (action) {
    case 'RegisterClient':
      return registerClient(world, input);
    case 'StartDeviceAuthorization':
      return startDeviceAuthorization(world, input);
    case 'CreateToken':
      return createToken(world, input);
    default:
      throw oidcError('InvalidRequestException', `${action} is not supported by the emulator; it serves the device authorization and refresh token grants`);
  }
}

function registerClient(world: World, input: Record<string, unknown>): JsonResult {
  const name = required(input, 'clientName');
  const type = required(input, 'clientType');
  if (type !== 'public') throw oidcError('InvalidClientMetadataException', `clientType must be public, not ${type}`);
  const scopes = input.scopes === undefined ? [] : input.scopes;
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === ''))
    throw oidcError('InvalidScopeException', 'scopes must be a list of scope names such as sso:account:access');
  const now = world.now();
  const client: SsoClient = {
    id: opaqueToken('', 16),
    secret: opaqueToken('', 400),
    name,
    scopes: scopes as string[],
    issuedAt: now,
    secretExpiresAt: now + REGISTRATION_MS,
  };
  world.sso.clients.set(client.id, client);
  return {
    body: {
      clientId: client.id,
      clientSecret: client.secret,
      clientIdIssuedAt: Math.floor(client.issuedAt / 1000),
      clientSecretExpiresAt: Math.floor(client.secretExpiresAt / 1000),
    },
  };
}

function startDeviceAuthorization(world: World, input: Record<string, unknown>): JsonResult {
  const client = authenticateClient(world, input);
  const startUrl = required(input, 'startUrl');
  const sso = world.fixture.sso;
  if (!sso) throw oidcError('InvalidRequestException', 'the emulator serves no IAM Identity Center instance: its fixture has no sso section');
  if (normaliseStartUrl(startUrl) !== normaliseStartUrl(sso.startUrl)) {
    throw oidcError('InvalidRequestException', `${startUrl} is not the start URL of this IAM Identity Center instance (${sso.startUrl})`);
  }
  const now = world.now();
  const codes = new Set([...world.sso.authorizations.values()].map((a) => a.userCode));
  const authorization = {
    deviceCode: opaqueToken('', 64),
    userCode: newUserCode((code) => codes.has(code)),
    clientId: client.id,
    createdAt: now,
    expiresAt: now + sso.deviceCodeSeconds * 1000,
    status: 'pending' as const,
  };
  world.sso.authorizations.set(authorization.deviceCode, authorization);
  return {
    body: {
      deviceCode: authorization.deviceCode,
      userCode: authorization.userCode,
      verificationUri: `${world.url}/device`,
      verificationUriComplete: `${world.url}/device?user_code=${authorization.userCode}`,
      expiresIn: sso.deviceCodeSeconds,
      interval: sso.pollIntervalSeconds,
    },
  };
}

/** The portal accepts its start URL with a trailing slash or a fragment (`/start/#/`), as people paste it. */
function normaliseStartUrl(url: string): string {
  return url.replace(/#.*$/, '').replace(/\/+$/, '');
}

function createToken(world: World, input: Record<string, unknown>): JsonResult {
  const client = authenticateClient(world, input);
  const grantType = required(input, 'grantType');
  if (grantType === DEVICE_GRANT) return redeemDeviceCode(world, client, required(input, 'deviceCode'));
  if (grantType === 'refresh_token') {
    const refreshToken = required(input, 'refreshToken');
    const session = world.sso.refreshTokens.get(refreshToken);
    if (!session || session.clientId !== client.id || !isOpen(session, world.now())) {
      throw oidcError(
        'InvalidGrantException',
        'the refresh token is unknown, was issued to another client, or its sign-in ended (logout or the portal session duration); sign in again',
      );
    }
    return issueTokens(world, client, session);
  }
  throw oidcError('UnsupportedGrantTypeException', `grant type ${grantType} is not supported by the emulator; use ${DEVICE_GRANT} or refresh_token`);
}

/**
 * RFC 8628 §3.5 in the order a client meets it: an unknown or used code, an expired one, the
 * person's denial, polling too fast while the person has not answered, still waiting, the token.
 */
function redeemDeviceCode(world: World, client: SsoClient, deviceCode: string): JsonResult {
  const now = world.now();
  const authorization = world.sso.authorizations.get(deviceCode);
  if (!authorization || authorization.clientId !== client.id || authorization.status === 'redeemed') {
    throw oidcError('InvalidGrantException', 'the device code is unknown, was issued to another client, or was already exchanged for a token');
  }
  if (now >= authorization.expiresAt) throw oidcError('ExpiredTokenException', 'the device code has expired; start a new device authorization');
  if (authorization.status === 'denied') throw oidcError('AccessDeniedException', 'the person denied the request');
  if (authorization.status === 'pending') {
    const interval = (world.fixture.sso?.pollIntervalSeconds ?? 1) * 1000;
    const tooSoon = authorization.lastPollAt !== undefined && now - authorization.lastPollAt < interval;
    authorization.lastPollAt = now;
    if (tooSoon) throw oidcError('SlowDownException', `polled again within the interval of ${interval / 1000}s`);
    throw oidcError('AuthorizationPendingException', 'the person has not answered the request yet');
  }
  authorization.status = 'redeemed';
  const sso = world.fixture.sso!;
  const session: PortalSession = {
    id: opaqueToken('', 12),
    user: authorization.user!,
    clientId: client.id,
    startedAt: now,
    endsAt: now + sso.portalSessionSeconds * 1000,
  };
  world.sso.sessions.set(session.id, session);
  return issueTokens(world, client, session);
}

/**
 * A new access token, never outliving the sign-in, and a refresh token for clients registered with
 * scopes: AWS gives a client registered without any (legacy `aws sso login`) none.
 */
function issueTokens(world: World, client: SsoClient, session: PortalSession): JsonResult {
  const now = world.now();
  const sso = world.fixture.sso!;
  const expiresAt = Math.min(now + sso.accessTokenSeconds * 1000, session.endsAt);
  const accessToken = opaqueToken('aoa', 600);
  world.sso.accessTokens.set(accessToken, { session, expiresAt });
  let refreshToken: string | undefined;
  if (client.scopes.length > 0) {
    refreshToken = opaqueToken('aor', 600);
    world.sso.refreshTokens.set(refreshToken, session);
  }
  return {
    principal: session.user,
    body: { accessToken, tokenType: 'Bearer', expiresIn: Math.ceil((expiresAt - now) / 1000), ...(refreshToken ? { refreshToken } : {}) },
  };
}

function authenticateClient(world: World, input: Record<string, unknown>): SsoClient {
  const id = required(input, 'clientId');
  const secret = required(input, 'clientSecret');
  const client = world.sso.clients.get(id);
  if (!client || client.secret !== secret) throw oidcError('InvalidClientException', 'the client id or secret is not valid; register the client again');
  if (world.now() >= client.secretExpiresAt)
    throw oidcError('InvalidClientException', 'the client registration has expired (90 days); register the client again');
  return client;
}

function required(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw oidcError('InvalidRequestException', `${name} is required`);
  return value;
}

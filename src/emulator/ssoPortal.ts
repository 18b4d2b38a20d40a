import { createHash } from 'node:crypto';
import { fakeId, type Role, type SsoFixture } from './fixture';
import { headerValue, JsonApiError, type JsonRequest, type JsonResult, type JsonService } from './restJson';
import type { PortalSession } from './ssoState';
import type { World } from './world';

/**
 * The AWS access portal API (portal.sso.REGION.amazonaws.com): what a signed-in person may use,
 * and role credentials for it, authorised by the OIDC access token in x-amz-sso_bearer_token.
 * Paths, query names and error shapes are those of the SDK's model (@aws-sdk/client-sso).
 */
const ROUTES: Record<string, string> = {
  'GET /assignment/accounts': 'ListAccounts',
  'GET /assignment/roles': 'ListAccountRoles',
  'GET /federation/credentials': 'GetRoleCredentials',
  'POST /logout': 'Logout',
};

/** The page size when a caller gives no maxResults (the emulator's choice). */
const DEFAULT_PAGE = 20;

const STATUS: Record<string, number> = {
  InvalidRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
};

function portalError(code: string, message: string, status?: number): JsonApiError {
  return new JsonApiError(status ?? STATUS[code] ?? 400, code, { message });
}

// AWS's own words, which people meet in `aws sso` and SDK errors.
const unauthorized = () => portalError('UnauthorizedException', 'Session token not found or invalid');
// The SDK models no ForbiddenException; it raises SSOServiceException named so, as with AWS.
const noAccess = () => portalError('ForbiddenException', 'No access');

export function portalService(world: World, method: string, url: URL): JsonService | undefined {
  const action = ROUTES[`${method} ${url.pathname}`];
  if (!action) return undefined;
  return {
    service: 'sso',
    action,
    handle: (request) => handlePortal(world, action, request),
    faultError: (status, code, message) => portalError(code, message, status),
  };
}

function handlePortal(world: World, action: string, request: JsonRequest): JsonResult {
  const now = world.now();
  const session = world.sso.sessionOf(headerValue(request.headers, 'x-amz-sso_bearer_token'), now);
  const sso = world.fixture.sso;
  if (!session || !sso) throw unauthorized();
  const query = request.url.searchParams;
  const assigned = sso.assignments.filter((a) => a.user === session.user);
  switch (action) {
    case 'ListAccounts': {
      const ids = [...new Set(assigned.map((a) => a.account))].sort();
      const accounts = ids.map((id) => {
        const account = world.fixture.accounts[id]!;
        return { accountId: id, accountName: account.alias ?? id, ...(account.email ? { emailAddress: account.email } : {}) };
      });
      const { items, nextToken } = page(accounts, query, `accounts/${session.user}`);
      return { principal: session.user, body: { accountList: items, ...(nextToken ? { nextToken } : {}) } };
    }
    case 'ListAccountRoles': {
      const accountId = requiredQuery(query, 'account_id', 'accountId');
      const roles = assigned
        .filter((a) => a.account === accountId)
        .map((a) => a.permissionSet)
        .sort();
      // AWS refuses GetRoleCredentials without an assignment with "No access"; the emulator refuses listing such an account's roles alike.
      if (roles.length === 0) throw noAccess();
      const { items, nextToken } = page(
        roles.map((roleName) => ({ roleName, accountId })),
        query,
        `roles/${session.user}/${accountId}`,
      );
      return { principal: session.user, body: { roleList: items, ...(nextToken ? { nextToken } : {}) } };
    }
    case 'GetRoleCredentials':
      return getRoleCredentials(world, sso, session, query);
    case 'Logout':
      session.loggedOutAt = now;
      return { principal: session.user };
    default:
      throw portalError('InvalidRequestException', `${action} is not supported by the emulator`);
  }
}

/**
 * Role credentials STS accepts, lasting the permission set's session duration. They stay good after
 * Logout, as AWS documents: logging out ends the sign-in, not the role sessions it opened.
 */
function getRoleCredentials(world: World, sso: SsoFixture, session: PortalSession, query: URLSearchParams): JsonResult {
  const roleName = requiredQuery(query, 'role_name', 'roleName');
  const accountId = requiredQuery(query, 'account_id', 'accountId');
  const assignment = sso.assignments.find((a) => a.user === session.user && a.account === accountId && a.permissionSet === roleName);
  if (!assignment) throw noAccess();
  const permissionSet = sso.permissionSets[roleName]!;
  const seconds = Math.min(permissionSet.sessionSeconds, world.fixture.issueSeconds.GetRoleCredentials ?? Infinity);
  const issued = world.issue(
    { type: 'role', role: ssoRole(sso, accountId, roleName), sessionName: session.user, chained: false, sso: { user: session.user, permissionSet: roleName } },
    seconds,
  );
  return {
    principal: session.user,
    body: {
      roleCredentials: {
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
        expiration: issued.expiresAt,
      },
    },
  };
}

/**
 * The IAM role Identity Center provisions for a permission set in an account. Its suffix is stable
 * per account and permission set, as a provisioned role's is; no trust policy lets anyone assume it.
 */
export function ssoRole(sso: SsoFixture, account: string, permissionSet: string): Role {
  const suffix = createHash('sha256').update(`awsdir-emulator/sso/${account}/${permissionSet}`).digest('hex').slice(0, 16);
  const name = `AWSReservedSSO_${permissionSet}_${suffix}`;
  return {
    name,
    account,
    arn: `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/${sso.region}/${name}`,
    id: fakeId('AROA', `${account}/role/${name}`),
    maxSessionDuration: sso.permissionSets[permissionSet]?.sessionSeconds ?? 3600,
    trustPolicy: { Version: '2012-10-17', Statement: [] },
  };
}

/** One page of a list; the next-page token is bound to the list it came from (user and account). */
function page<T>(items: T[], query: URLSearchParams, list: string): { items: T[]; nextToken?: string } {
  const rawMax = query.get('max_result');
  let size = DEFAULT_PAGE;
  if (rawMax !== null) {
    if (!/^\d+$/.test(rawMax) || Number(rawMax) < 1 || Number(rawMax) > 100)
      throw portalError('InvalidRequestException', 'maxResults must be a whole number from 1 to 100');
    size = Number(rawMax);
  }
  let offset = 0;
  const token = query.get('next_token');
  if (token !== null) {
    let parsed: { list?: unknown; offset?: unknown } = {};
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      // left empty: refused below
    }
    if (parsed.list !== list || typeof parsed.offset !== 'number' || !Number.isInteger(parsed.offset) || parsed.offset < 0)
      throw portalError('InvalidRequestException', 'Invalid nextToken');
    offset = parsed.offset;
  }
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(JSON.stringify({ list, offset: end })).toString('base64url') } : {}),
  };
}

function requiredQuery(query: URLSearchParams, name: string, member: string): string {
  const value = query.get(name);
  if (value === null || value === '') throw portalError('InvalidRequestException', `${member} is required`);
  return value;
}

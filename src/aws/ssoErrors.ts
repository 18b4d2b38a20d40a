/**
 * IAM Identity Center errors in plain words. Reads only an error's name and message (no SDK
 * import). Every message leads with its subject and ends with the fix.
 */
import { AwsdirError, CancelledError, isAwsdirError } from '../core/errors';
import { isNetworkError } from './errors';

export interface SsoErrorContext {
  /** The SSO OIDC or portal action, e.g. 'StartDeviceAuthorization'. */
  action: string;
  sourceName: string;
  /** Where the request went, for network errors. */
  endpoint: string;
  /** The variable that moves this endpoint, for network errors. */
  endpointVariable: 'AWS_ENDPOINT_URL_SSO_OIDC' | 'AWS_ENDPOINT_URL_SSO';
  startUrl?: string;
  region?: string;
  accountId?: string;
  roleName?: string;
}

/** The exception's name as the SDK raises it (AuthorizationPendingException, UnauthorizedException, ...). */
export function ssoErrorName(error: unknown): string {
  const e = (error ?? {}) as { name?: unknown };
  return typeof e.name === 'string' ? e.name : '';
}

/** The portal refused the access token: expired, logged out, or unknown to it. */
export function isSsoUnauthorized(error: unknown): boolean {
  return ssoErrorName(error) === 'UnauthorizedException';
}

/**
 * The OIDC service refused a refresh or a registration for good (the sign-in ended, the refresh
 * token or the client is unknown or expired): only a new sign-in helps, no retry would.
 */
export function isSsoGrantRefused(error: unknown): boolean {
  return [
    'InvalidGrantException',
    'InvalidClientException',
    'ExpiredTokenException',
    'AccessDeniedException',
    'UnauthorizedClientException',
    'InvalidRequestException',
  ].includes(ssoErrorName(error));
}

function networkCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function message(error: unknown): string {
  const e = (error ?? {}) as { message?: unknown; error_description?: unknown };
  const text =
    typeof e.error_description === 'string' && e.error_description !== '' ? e.error_description : typeof e.message === 'string' ? e.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

export function explainSsoError(error: unknown, context: SsoErrorContext): AwsdirError {
  if (isAwsdirError(error)) return error;
  const name = ssoErrorName(error);
  const options = { cause: error };
  const act = context.action;
  const source = context.sourceName;
  if (name === 'AbortError' && /abort/i.test(message(error))) return new CancelledError();
  if (act === 'StartDeviceAuthorization' && name === 'InvalidRequestException') {
    return new AwsdirError(
      `sign-in to ${source}: IAM Identity Center in ${context.region ?? '?'} does not take the start URL ${context.startUrl ?? '?'} (${message(error)}); check sso_start_url and sso_region of the source: the URL of your AWS access portal and the region of its instance, as your administrator gave them`,
      options,
    );
  }
  if (name === 'UnauthorizedException') {
    return new AwsdirError(
      `${act}: the access portal refused the sign-in of ${source} (ended, logged out, or expired); sign in again with \`awsdir login ${source}\``,
      options,
    );
  }
  if (name === 'ForbiddenException' || (name === 'AccessDeniedException' && context.endpointVariable === 'AWS_ENDPOINT_URL_SSO')) {
    const what = context.roleName ? `permission set ${context.roleName} in account ${context.accountId ?? '?'}` : `account ${context.accountId ?? '?'}`;
    return new AwsdirError(
      `${act}: the sign-in of ${source} has no access to ${what} (${message(error)}); \`awsdir login ${source}\` lists the accounts it has, or ask your administrator for the assignment`,
      options,
    );
  }
  if (name === 'InvalidClientException') {
    return new AwsdirError(
      `${act}: IAM Identity Center no longer knows awsdir's client registration for ${source}; sign in again with \`awsdir login ${source}\`, which registers anew`,
      options,
    );
  }
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException') {
    return new AwsdirError(`${act}: IAM Identity Center is throttling requests (rate exceeded); wait a few seconds and try again`, options);
  }
  if (name === 'IncompleteAnswer' || name === 'IncompleteCredentials') {
    return new AwsdirError(
      `${act}: ${context.endpoint} ${message(error).replace(/^IAM Identity Center |^the access portal /, '')}, so nothing was stored; check that ${context.endpointVariable} / AWS_ENDPOINT_URL, if set, point at IAM Identity Center`,
      options,
    );
  }
  if (isNetworkError(error)) {
    return new AwsdirError(
      `${act}: could not reach ${context.endpoint} (${networkCode(error) || name || 'network error'}); check the network, or ${context.endpointVariable} / AWS_ENDPOINT_URL if you set one`,
      options,
    );
  }
  return new AwsdirError(`${act} failed: ${name || 'error'}: ${message(error)}; rerun with AWSDIR_DEBUG=1 for details`, options);
}

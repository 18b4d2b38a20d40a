/**
 * STS and IAM errors in plain words. Reads only the error's name, code and message (no SDK import),
 * so the cache-hit path may load it. Every message leads with its subject and ends with the fix.
 */
import { AwsdirError, CancelledError, isAwsdirError } from '../core/errors';

export interface AwsErrorContext {
  /** The STS or IAM action that failed, e.g. 'AssumeRole'. */
  action: string;
  roleArn?: string;
  mfaSerial?: string;
  sourceName?: string;
  durationSeconds?: number;
  /** Where the request went, for network errors. */
  endpoint?: string;
  /** The project file whose `duration:` chose the duration, when there is one. */
  projectFile?: string;
}

export const WRONG_MFA_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code';
const WRONG_MFA_SERIAL = /MultiFactorAuthentication failed, unable to validate MFA code|verify your MFA serial/i;

interface ErrorShape {
  name: string;
  code: string;
  message: string;
  status?: number;
}

function shape(error: unknown): ErrorShape {
  const e = (error ?? {}) as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : name;
  const message = typeof e.message === 'string' ? e.message : String(error);
  return { name, code, message, ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
}

function is(s: ErrorShape, ...codes: string[]): boolean {
  return codes.includes(s.name) || codes.includes(s.code);
}

/** STS refused the one-time code itself (wrong, or one AWS has seen before). */
export function isWrongMfaCode(error: unknown): boolean {
  const s = shape(error);
  return is(s, 'AccessDenied', 'AccessDeniedException') && s.message.includes(WRONG_MFA_CODE);
}

export function isWrongMfaSerial(error: unknown): boolean {
  const s = shape(error);
  return is(s, 'AccessDenied', 'AccessDeniedException') && WRONG_MFA_SERIAL.test(s.message);
}

/** AccessDenied that is not about the MFA code: a trust policy, a condition such as MultiFactorAuthAge. */
export function isAccessDenied(error: unknown): boolean {
  const s = shape(error);
  return is(s, 'AccessDenied', 'AccessDeniedException') && !isWrongMfaCode(error) && !isWrongMfaSerial(error);
}

export function isExpiredToken(error: unknown): boolean {
  return is(shape(error), 'ExpiredToken', 'ExpiredTokenException', 'RequestExpired');
}

export function isInvalidToken(error: unknown): boolean {
  return is(shape(error), 'InvalidClientTokenId');
}

const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
];

export function isNetworkError(error: unknown): boolean {
  const s = shape(error);
  if (is(s, ...NETWORK_CODES)) return true;
  return /socket hang up|ECONNREFUSED|ETIMEDOUT|ECONNRESET|timed? ?out|getaddrinfo/i.test(s.message) && !s.status;
}

/** Turns whatever an STS or IAM call threw into an AwsdirError a person can act on. */
export function explainAwsError(error: unknown, context: AwsErrorContext): AwsdirError {
  if (isAwsdirError(error)) return error;
  const s = shape(error);
  const options = { cause: error };
  const act = context.action;
  const source = context.sourceName ? `source '${context.sourceName}'` : 'the source keys';

  if (s.name === 'AbortError' && /abort/i.test(s.message)) return new CancelledError();
  if (isWrongMfaCode(error)) {
    return new AwsdirError(
      `MFA code for ${context.mfaSerial ?? 'your device'} was refused by ${act} (wrong, or already used: AWS takes each code only once); wait for the next code and try again`,
      options,
    );
  }
  if (isWrongMfaSerial(error)) {
    return new AwsdirError(
      `MFA device ${context.mfaSerial ?? ''} is not one of ${source}'s devices (AWS could not validate it, whatever the code); set the right mfa_serial of the source in the user file, or run \`awsdir add\` again to find it`,
      options,
    );
  }
  if (isExpiredToken(error)) {
    return new AwsdirError(`${act}: the session credentials used have expired; run \`awsdir clear\` and try again`, options);
  }
  if (is(s, 'InvalidClientTokenId')) {
    return new AwsdirError(
      `${act}: AWS does not know the access key of ${source} (deleted, deactivated, or from another partition); store a current key with \`awsdir add${context.sourceName ? ` ${context.sourceName}` : ''}\``,
      options,
    );
  }
  if (is(s, 'SignatureDoesNotMatch')) {
    const skew = /expired|time/i.test(s.message);
    return new AwsdirError(
      skew
        ? `${act}: AWS refused the request's time (the system clock is more than 15 minutes off); set the clock right (e.g. enable NTP) and try again`
        : `${act}: the signature did not match: the secret key of ${source} is wrong, or the system clock is off; check the clock, then store the right key with \`awsdir add${context.sourceName ? ` ${context.sourceName}` : ''}\``,
      options,
    );
  }
  if (is(s, 'AccessDenied', 'AccessDeniedException')) {
    if (/not authorized to perform: sts:AssumeRole/i.test(s.message) || act === 'AssumeRole') {
      return new AwsdirError(
        `role ${context.roleArn ?? ''}: AWS refused AssumeRole (${firstSentence(s.message)}); the role's trust policy must allow your user (and MFA, if it asks for it): ` +
          `"Principal": {"AWS": "<your user ARN>"}, "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}; ` +
          `\`awsdir init --print-trust-policy\` prints one to give your administrator`,
        options,
      );
    }
    return new AwsdirError(`${act}: access denied (${firstSentence(s.message)}); ask your administrator to allow ${act} for this user`, options);
  }
  if (is(s, 'ValidationError') && /DurationSeconds|duration/i.test(s.message)) {
    const where = context.projectFile ? `\`duration:\` in ${context.projectFile}` : 'the `duration:` of the project file';
    if (/role chaining|1 hour/i.test(s.message)) {
      return new AwsdirError(
        `role ${context.roleArn ?? ''}: ${context.durationSeconds ?? 'the requested'} seconds is above the 1 hour cap on roles assumed from session credentials; set ${where} to 1h or less`,
        options,
      );
    }
    if (/MaxSessionDuration/i.test(s.message)) {
      return new AwsdirError(
        `role ${context.roleArn ?? ''}: ${context.durationSeconds ?? 'the requested'} seconds is above the role's MaxSessionDuration; lower ${where}, or raise the role's maximum session duration in IAM`,
        options,
      );
    }
    return new AwsdirError(`${act}: AWS refused the duration (${firstSentence(s.message)}); use 15m..12h in ${where} (session_duration for a source)`, options);
  }
  if (is(s, 'RegionDisabledException')) {
    return new AwsdirError(
      `${act}: STS is not activated in this region for the account; activate it in IAM > Account settings, or set sts_region in the user file to an active region (e.g. us-east-1)`,
      options,
    );
  }
  if (is(s, 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded')) {
    return new AwsdirError(`${act}: AWS is throttling requests (rate exceeded); wait a few seconds and try again`, options);
  }
  if (is(s, 'IncompleteCredentials')) {
    const endpoint = context.endpoint ?? 'the STS endpoint';
    return new AwsdirError(
      `${act}: ${endpoint} answered without a complete set of credentials (access key id, secret key, session token, expiration), so nothing was stored or exported; check that AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, if set, point at STS`,
      options,
    );
  }
  if (isNetworkError(error)) {
    const endpoint = context.endpoint ?? 'the STS endpoint';
    return new AwsdirError(
      `${act}: could not reach ${endpoint} (${s.code || s.name}); check the network, or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if you set one`,
      options,
    );
  }
  return new AwsdirError(`${act} failed: ${s.code || s.name || 'error'}: ${firstSentence(s.message)}; rerun with AWSDIR_DEBUG=1 for details`, options);
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

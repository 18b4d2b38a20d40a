/**
 * The console sign-in federation endpoint (getSigninToken, then a login URL). Plain fetch, no SDK:
 * the endpoint is not a signed AWS API but a JSON-over-HTTPS exchange of a role session for a token.
 */
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { endpointOverride } from './endpoints';
import type { AwsCredentials } from './types';

/** Where each partition signs in, and the console a sign-in lands on. */
const PARTITIONS: Record<string, { federation: string; console: string }> = {
  aws: { federation: 'https://signin.aws.amazon.com/federation', console: 'https://console.aws.amazon.com' },
  'aws-us-gov': { federation: 'https://signin.amazonaws-us-gov.com/federation', console: 'https://console.amazonaws-us-gov.com' },
  'aws-cn': { federation: 'https://signin.amazonaws.cn/federation', console: 'https://console.amazonaws.cn' },
};

/** The console accepts 15 minutes to 12 hours for a session that is not chained. */
const MIN_CONSOLE_SECONDS = 900;
const MAX_CONSOLE_SECONDS = 43200;

export function federationEndpoint(env: Env, partition = 'aws'): string {
  return endpointOverride(env, 'federation')?.url ?? (PARTITIONS[partition] ?? PARTITIONS.aws!).federation;
}

export function consoleDestination(partition: string, region: string): string {
  const base = (PARTITIONS[partition] ?? PARTITIONS.aws!).console;
  return `${base}/console/home?region=${encodeURIComponent(region)}`;
}

/**
 * The federation endpoint takes role sessions only. Saying why here beats the endpoint's bare
 * HTTP 400: long-term keys have no session token, and a GetSessionToken session is a user's, not a role's.
 */
export function assertFederable(credentials: AwsCredentials, callerArn: string): void {
  if (!credentials.sessionToken) {
    throw new AwsdirError(
      `console sign-in: long-term access keys (${mask(credentials.accessKeyId)}) cannot sign in to the console through federation, which takes role sessions only; give the directory a role in .awsdir.yaml and run \`awsdir console\` there`,
    );
  }
  if (callerArn && !/^arn:[\w-]+:sts::\d{12}:assumed-role\//.test(callerArn)) {
    throw new AwsdirError(
      `console sign-in: ${callerArn} is a GetSessionToken session, which the federation endpoint refuses (it takes role sessions only); run \`awsdir console\` in a directory whose .awsdir.yaml names a role`,
    );
  }
}

function mask(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

export interface SigninTokenRequest {
  credentials: AwsCredentials;
  endpoint: string;
  /**
   * Only for a role session assumed from long-term keys: AWS refuses SessionDuration for a
   * chained session (a role assumed with session credentials, as from awsdir's MFA session).
   */
  sessionDurationSeconds?: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export async function getSigninToken(request: SigninTokenRequest): Promise<string> {
  const session = JSON.stringify({
    sessionId: request.credentials.accessKeyId,
    sessionKey: request.credentials.secretAccessKey,
    sessionToken: request.credentials.sessionToken ?? '',
  });
  const params = new URLSearchParams({ Action: 'getSigninToken', Session: session });
  if (request.sessionDurationSeconds !== undefined) {
    const seconds = Math.min(MAX_CONSOLE_SECONDS, Math.max(MIN_CONSOLE_SECONDS, Math.floor(request.sessionDurationSeconds)));
    params.set('SessionDuration', String(seconds));
  }
  const doFetch = request.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(`${request.endpoint}?${params.toString()}`, {
      method: 'GET',
      redirect: 'error',
      signal: AbortSignal.timeout(request.timeoutMs ?? 10000),
    });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new AwsdirError(
      `console sign-in: the federation endpoint ${request.endpoint} did not answer (${reason}); check the network, or AWSDIR_FEDERATION_ENDPOINT if you set it`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    // The endpoint answers refusals with a short text or HTML page; keep a line of it for the person.
    const detail = text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200);
    throw new AwsdirError(
      `console sign-in: the federation endpoint refused the role session (HTTP ${response.status}${detail ? `: ${detail}` : ''}); it takes role sessions only, and no SessionDuration for a chained role session — run \`awsdir clear --dir .\` and try again, or report it with AWSDIR_DEBUG=1`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new AwsdirError(`console sign-in: the federation endpoint ${request.endpoint} answered without a SigninToken; check AWSDIR_FEDERATION_ENDPOINT`);
  }
  return token;
}

export function loginUrl(endpoint: string, token: string, destination: string): string {
  const params = new URLSearchParams({ Action: 'login', Issuer: 'awsdir', Destination: destination, SigninToken: token });
  return `${endpoint}?${params.toString()}`;
}

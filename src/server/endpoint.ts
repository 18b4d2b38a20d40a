/**
 * The HTTP side of the credential server: what the AWS SDKs' and the AWS CLI's container
 * credential provider asks (AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN sent as the Authorization header) and the JSON they expect.
 * It listens on 127.0.0.1 only; any local user can reach that port, so the token is all that
 * stands between them and the credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AwsdirError } from '../core/errors';
import { redact } from '../core/redact';
import type { IssuedCredentials } from '../aws/types';
import { rfc3339 } from '../credentials/exportVariables';

/** The path every client asks; the token, not the path, tells directories apart. */
export const CREDENTIALS_PATH = '/awsdir/v1/credentials';

/** Whoever a token belongs to: asked for credentials on every request that carries it. */
export interface TokenOwner {
  credentials(): Promise<IssuedCredentials>;
}

export interface EndpointOptions {
  /** The owner of a token, by the token's SHA-256 (tokenDigest); undefined for any other token. */
  owner(digest: string): TokenOwner | undefined;
  /** The Message of every answer to a request without a token the server knows. */
  refusal: string;
  /** One line per refused request; never a token or a secret. (Owners say what went wrong themselves.) */
  log(line: string): void;
  /** Called for each request that carried a known token, whatever came of it. */
  onUse?(): void;
}

export interface CredentialEndpoint {
  readonly port: number;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  close(): Promise<void>;
}

/** 256 random bits, URL-safe: a header value no client has to quote. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens are looked up by digest, so the time a lookup takes depends on a hash of what was sent,
 * which tells an attacker nothing about any real token.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** An error whose message a client may see, with the status and Code to answer it with. */
export class ServedError extends AwsdirError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ServedError';
  }
}

export async function startEndpoint(options: EndpointOptions): Promise<CredentialEndpoint> {
  let port = 0;
  const server: Server = createServer(
    // A slow or idle client cannot hold a connection for long; no client sends a body.
    { headersTimeout: 5_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 8192 },
    (req, res) => void answer(req, res, port, options),
  );
  server.maxConnections = 256;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}${CREDENTIALS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, port: number, options: EndpointOptions): Promise<void> {
  const send = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };
  const refuse = (status: 401 | 403, why: string): void => {
    options.log(`refused a request from 127.0.0.1:${req.socket.remotePort ?? '?'}: ${why}`);
    send(status, { Code: status === 401 ? 'Unauthorized' : 'AccessDenied', Message: options.refusal });
  };
  // A web page whose host name resolves to 127.0.0.1 (DNS rebinding) sends its own name here.
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return refuse(403, `Host ${JSON.stringify(host.slice(0, 80))} is not this server`);
  const token = req.headers.authorization;
  if (!token) return refuse(401, 'no Authorization header');
  const owner = options.owner(tokenDigest(token));
  if (!owner) return refuse(403, 'a token this server does not know');
  options.onUse?.();
  const path = (req.url ?? '').split('?')[0];
  if (path !== CREDENTIALS_PATH)
    return send(404, {
      Code: 'NotFound',
      Message: `awsdir server: nothing at ${JSON.stringify((path ?? '').slice(0, 80))}; the credentials are at ${CREDENTIALS_PATH}`,
    });
  if (req.method !== 'GET') return send(405, { Code: 'MethodNotAllowed', Message: 'awsdir server: only GET is answered' });
  try {
    const c = await owner.credentials();
    send(200, { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: rfc3339(c.expiration) });
  } catch (error) {
    const served = error instanceof ServedError ? error : undefined;
    const message = redact(error instanceof Error ? error.message : String(error));
    send(served?.status ?? 500, { Code: served?.code ?? 'CredentialsUnavailable', Message: message.startsWith('awsdir') ? message : `awsdir: ${message}` });
  }
}

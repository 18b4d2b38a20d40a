import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleFederation } from './federation';
import { loadFixture, type Fixture } from './fixture';
import { handleHook } from './hooks';
import { IAM_ACTIONS, handleIam } from './iam';
import { serveRestJson } from './restJson';
import { parseAmzDate, parseAuthorization, verifySignature } from './sigv4';
import { handleDevicePage } from './ssoDevicePage';
import { oidcService } from './ssoOidc';
import { portalService } from './ssoPortal';
import { STS_ACTIONS, handleSts } from './sts';
import { World, principalArn, type Call, type Caller, type Fault } from './world';
import { ApiError, errorXml, resultXml, type Service, type XmlValue } from './xml';

export interface EmulatorOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** A parsed fixture object, or the path of a YAML/JSON file. */
  fixture: string | object;
}

export interface Emulator {
  url: string;
  port: number;
  fixture: Fixture;
  world: World;
  /** Current call log (the same as GET /__emulator/calls). */
  calls(): Call[];
  close(): Promise<void>;
}

const SKEW_LIMIT_MS = 15 * 60 * 1000;

/**
 * Starts the emulator on 127.0.0.1 only: it hands out credentials to whoever asks, so it must never
 * be reachable from another machine.
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const fixture = loadFixture(options.fixture);
  const world = new World(fixture);
  const server = createServer((req, res) => {
    handle(world, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `emulator bug: ${error instanceof Error ? error.message : String(error)}\n`, world);
      else res.destroy();
    });
  });
  // A test that forgets close() must not keep jest alive with idle keep-alive sockets.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  world.url = `http://127.0.0.1:${port}`;
  return {
    url: world.url,
    port,
    fixture,
    world,
    calls: () => [...world.calls],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(world: World, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/__emulator/')) {
    const answer = handleHook(world, req.method ?? 'GET', url, body);
    send(res, answer.status, 'application/json', `${JSON.stringify(answer.body)}\n`, world);
    return;
  }
  if (url.pathname === '/federation') {
    const answer = handleFederation(world, url, body);
    if (answer.redirect) {
      res.writeHead(302, { Location: answer.redirect, Date: new Date(world.serverClock()).toUTCString() });
      res.end();
    } else {
      send(res, answer.status, answer.contentType ?? 'application/json', answer.body, world);
    }
    return;
  }
  // IAM Identity Center's two restJson1 services share the port: their paths never meet Query's POST /.
  const method = req.method ?? 'GET';
  const json = oidcService(world, method, url) ?? portalService(world, method, url);
  if (json) {
    await serveRestJson(world, req, res, { method, url, headers: req.headers, body }, json);
    return;
  }
  if (url.pathname === '/device') {
    const page = handleDevicePage(world, method, url, body);
    send(res, page.status, 'text/html; charset=utf-8', page.html, world);
    return;
  }
  await handleQuery(world, req, res, url, body);
}

async function handleQuery(world: World, req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
  const params = new URLSearchParams(url.search);
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const action = params.get('Action') ?? '';
  const auth = parseAuthorization(headerValue(req, 'authorization'));
  const service: Service = auth?.service === 'iam' || (!auth && (IAM_ACTIONS as readonly string[]).includes(action)) ? 'iam' : 'sts';
  const requestId = world.requestId();
  const call: Omit<Call, 'time'> = { service, action: action || '(none)', status: 200, code: 'OK', ...(auth ? { accessKeyId: auth.accessKeyId } : {}) };

  const fault = world.takeFault(action);
  if (fault?.hang) {
    // Logged now: a client that gives up leaves nothing to be logged later, when a test has moved on.
    world.record({ ...call, status: 0, code: 'Hung' });
    return;
  }
  if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  if (fault?.drop) {
    world.record({ ...call, status: 0, code: 'Dropped' });
    req.socket.destroy();
    return;
  }

  let status = 200;
  let xml: string;
  try {
    if (fault?.code || (fault?.status && !fault.truncate)) {
      throw new ApiError(fault.status ?? 400, fault.code ?? 'InternalFailure', fault.message ?? `Injected ${fault.code ?? 'fault'} by the emulator.`);
    }
    const caller = await authenticate(world, req, url, body, auth);
    call.principal = principalArn(caller);
    const actions: readonly string[] = service === 'sts' ? STS_ACTIONS : IAM_ACTIONS;
    if (!actions.includes(action)) {
      throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version ${service === 'sts' ? '2011-06-15' : '2010-05-08'}`);
    }
    if (caller.kind === 'user') caller.key.lastUsed = { date: new Date(world.now()), service, region: auth?.region ?? 'us-east-1' };
    const result = service === 'sts' ? handleSts(world, action, params, caller) : handleIam(world, action, params, caller);
    if (fault) overrideAnswer(world, result, fault);
    xml = resultXml(service, action, result, requestId);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    status = error.status;
    call.status = error.status;
    call.code = error.code;
    xml = errorXml(service, error, requestId);
  }
  world.record(call);
  if (fault?.truncate) {
    // Half an answer with the full Content-Length: the client sees the connection end mid-body.
    res.writeHead(status, {
      'Content-Type': 'text/xml',
      'Content-Length': Buffer.byteLength(xml),
      'x-amzn-RequestId': requestId,
      Date: new Date(world.serverClock()).toUTCString(),
    });
    res.write(xml.slice(0, Math.floor(xml.length / 2)));
    req.socket.destroy();
    return;
  }
  res.setHeader('x-amzn-RequestId', requestId);
  send(res, status, 'text/xml', xml, world);
}

/**
 * A fault's credential values and role ARN in place of the issued ones. The issued session takes
 * the same values, so a client that signs with what it was given is still recognised.
 */
function overrideAnswer(world: World, result: { [name: string]: XmlValue } | undefined, fault: Fault): void {
  const asObject = (v: XmlValue | undefined): { [name: string]: XmlValue } | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? v : undefined;
  const credentials = asObject(result?.Credentials);
  const text = (v: XmlValue | undefined): string => (typeof v === 'string' ? v : '');
  if (fault.credentials && credentials) {
    const session = world.sessions.get(text(credentials.AccessKeyId));
    Object.assign(credentials, fault.credentials);
    if (session) {
      world.sessions.delete(session.accessKeyId);
      session.accessKeyId = text(credentials.AccessKeyId);
      session.secretAccessKey = text(credentials.SecretAccessKey);
      session.sessionToken = text(credentials.SessionToken);
      world.sessions.set(session.accessKeyId, session);
    }
  }
  const user = asObject(result?.AssumedRoleUser);
  if (fault.assumedRoleArn !== undefined && user) user.Arn = fault.assumedRoleArn;
}

/**
 * The order AWS answers in: who are you (unknown or inactive key, missing or wrong session token),
 * can you prove it (signature), is the request fresh (15 minutes, against the server's real clock),
 * and only then is your session still valid.
 *
 * The request-time check uses the real clock (plus any simulated skew), never the advanced
 * emulator clock: the SDK and CLI sign with the machine's clock, and the SDK would otherwise
 * "correct" its clock from our Date header and then be refused after the next advance.
 */
async function authenticate(world: World, req: IncomingMessage, url: URL, body: string, auth: ReturnType<typeof parseAuthorization>): Promise<Caller> {
  if (!auth) {
    const header = headerValue(req, 'authorization');
    if (header) throw new ApiError(400, 'IncompleteSignature', "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.");
    throw new ApiError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  const invalid = () => new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const token = headerValue(req, 'x-amz-security-token');
  let caller: Caller;
  let secret: string;
  const longTerm = world.findLongTermKey(auth.accessKeyId);
  if (longTerm) {
    if (longTerm.key.status !== 'Active') throw invalid();
    caller = { kind: 'user', ...longTerm };
    secret = longTerm.key.secret;
  } else {
    const session = world.sessions.get(auth.accessKeyId);
    if (!session || !token || token !== session.sessionToken) throw invalid();
    caller = { kind: 'session', session };
    secret = session.secretAccessKey;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const ok = await verifySignature({
    auth,
    secretAccessKey: secret,
    ...(token ? { sessionToken: token } : {}),
    method: req.method ?? 'POST',
    path: url.pathname,
    query,
    headers: req.headers,
    body,
  });
  if (!ok) {
    throw new ApiError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  const amzDate = headerValue(req, 'x-amz-date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  const serverNow = world.serverClock();
  if (signedAt < serverNow - SKEW_LIMIT_MS) {
    throw new ApiError(
      403,
      'SignatureDoesNotMatch',
      `Signature expired: ${amzDate} is now earlier than ${compact(serverNow - SKEW_LIMIT_MS)} (${compact(serverNow)} - 15 min.)`,
    );
  }
  if (signedAt > serverNow + SKEW_LIMIT_MS) {
    throw new ApiError(
      403,
      'SignatureDoesNotMatch',
      `Signature not yet current: ${amzDate} is still later than ${compact(serverNow + SKEW_LIMIT_MS)} (${compact(serverNow)} + 15 min.)`,
    );
  }
  if (caller.kind === 'session' && world.now() >= caller.session.expiresAt) {
    throw new ApiError(400, 'ExpiredToken', 'The security token included in the request is expired');
  }
  return caller;
}

function compact(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, text: string, world: World): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), Date: new Date(world.serverClock()).toUTCString() });
  res.end(text);
}

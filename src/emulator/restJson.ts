import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Call, Fault, World } from './world';

/**
 * An error as a restJson1 service sends it: the error shape's name in x-amzn-ErrorType (which the
 * SDK maps to its own exception class) and the shape's members as the JSON body.
 */
export class JsonApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
  ) {
    super(`${code}: ${JSON.stringify(body)}`);
    this.name = 'JsonApiError';
  }
}

export interface JsonRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface JsonResult {
  /** Absent: 200 with an empty body (Logout). */
  body?: Record<string, unknown>;
  /** Who the call acted for, for the call log. */
  principal?: string;
}

export interface JsonService {
  /** The call log's service name. */
  service: string;
  action: string;
  handle(request: JsonRequest): JsonResult;
  /** The error a fault of this action's service answers with. */
  faultError(status: number, code: string, message: string): JsonApiError;
}

/** Serves one restJson1 call: faults first, as for the Query services, then the handler; every call is logged. */
export async function serveRestJson(world: World, req: IncomingMessage, res: ServerResponse, request: JsonRequest, service: JsonService): Promise<void> {
  const requestId = world.requestId();
  const call: Omit<Call, 'time'> = { service: service.service, action: service.action, status: 200, code: 'OK' };
  const fault: Fault | undefined = world.takeFault(service.action);
  if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  if (fault?.drop) {
    world.record({ ...call, status: 0, code: 'Dropped' });
    req.socket.destroy();
    return;
  }
  let status = 200;
  let text: string;
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'x-amzn-RequestId': requestId,
    Date: new Date(world.serverClock()).toUTCString(),
  };
  try {
    if (fault?.code || (fault?.status && !fault.truncate)) {
      const code = fault.code ?? 'InternalServerException';
      throw service.faultError(fault.status ?? 400, code, fault.message ?? `Injected ${code} by the emulator.`);
    }
    const result = service.handle(request);
    if (result.principal) call.principal = result.principal;
    text = result.body === undefined ? '' : JSON.stringify(result.body);
  } catch (error) {
    if (!(error instanceof JsonApiError)) throw error;
    status = error.status;
    call.status = error.status;
    call.code = error.code;
    headers['x-amzn-ErrorType'] = error.code;
    text = JSON.stringify(error.body);
  }
  world.record(call);
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(status, headers);
  if (fault?.truncate) {
    // Half an answer with the full Content-Length: the client sees the connection end mid-body.
    res.write(text.slice(0, Math.floor(text.length / 2)));
    req.socket.destroy();
    return;
  }
  res.end(text);
}

/** A restJson1 body: a JSON object, or a SerializationException as AWS answers anything else. */
export function jsonBody(text: string, error: (message: string) => JsonApiError): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw error('Request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw error('Request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function headerValue(headers: IncomingMessage['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

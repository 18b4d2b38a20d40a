import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** What the Authorization header of a SigV4 request says about itself. */
export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const match =
    /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(header);
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = match as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signed!.split(';'), signature: signature! };
}

/** Parses X-Amz-Date (20261128T101500Z) into epoch milliseconds; NaN when malformed. */
export function parseAmzDate(value: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Verifies by re-signing, never by a hand-rolled algorithm: the request is rebuilt from exactly the
 * headers the client signed, dated with its own X-Amz-Date, scoped with its own region and service,
 * and a payload checksum header is added only when the client signed one (the SDK does, the CLI
 * does not). Any other choice reproduces a different signature for one of the two clients.
 */
export async function verifySignature(input: {
  auth: ParsedAuthorization;
  secretAccessKey: string;
  sessionToken?: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}): Promise<boolean> {
  const { auth } = input;
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = input.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const amzDate = headers['x-amz-date'] ?? String(input.headers['x-amz-date'] ?? '');
  const signingDate = new Date(parseAmzDate(amzDate));
  if (Number.isNaN(signingDate.getTime())) return false;
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: input.secretAccessKey, ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}) },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: auth.signedHeaders.includes('x-amz-content-sha256'),
  });
  const host = headers.host ?? '';
  const request = new HttpRequest({
    method: input.method,
    protocol: 'http:',
    hostname: host.split(':')[0] ?? '',
    path: input.path,
    query: input.query,
    headers,
    body: input.body,
  });
  const signed = await signer.sign(request, { signingDate });
  const computed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization ?? ''))?.[1] ?? '';
  const a = Buffer.from(computed, 'utf8');
  const b = Buffer.from(auth.signature, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

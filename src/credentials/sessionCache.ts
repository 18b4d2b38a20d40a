import { createHash } from 'node:crypto';
import type { IssuedCredentials } from '../aws/types';

/**
 * The keychain cache of sessions. A cached value is versioned JSON; anything that does not parse
 * into exactly this shape is treated as absent (and replaced), never as an error.
 */
export type SessionKind = 'mfa-session' | 'role';

export interface CachedSession {
  v: 1;
  kind: SessionKind;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** RFC 3339 */
  expiration: string;
  /** When it was issued (RFC 3339); aws:MultiFactorAuthAge counts from here for an MFA session. */
  issuedAt: string;
  sourceName: string;
  mfaSerial?: string;
  roleArn?: string;
  assumedRoleArn?: string;
  accountAlias?: string;
  /** The STS endpoint that issued it, when not AWS's (also part of the entry name). */
  endpoint?: string;
}

/** Everything that makes one session different from another. All of it is non-secret. */
export interface SessionKeyParts {
  kind: SessionKind;
  sourceName: string;
  /** The source's access key id as recorded in the user file (or the profile/env key id). */
  accessKeyId: string;
  mfaSerial: string;
  partition: string;
  durationSeconds: number;
  roleArn?: string;
  sessionName?: string;
  externalId?: string;
  sourceIdentity?: string;
  /**
   * The STS endpoint from the environment when it is not AWS's (an emulator, LocalStack): its
   * sessions must never be served against AWS, nor AWS's against it.
   */
  endpoint?: string;
}

// 96 bits is plenty for one person's cache, and keeps names short enough that debug output, which
// masks long base64-like runs, still shows them.
export function sessionEntryName(parts: SessionKeyParts): string {
  const material = JSON.stringify([
    1,
    parts.kind,
    parts.sourceName,
    parts.accessKeyId,
    parts.mfaSerial,
    parts.partition,
    parts.durationSeconds,
    parts.roleArn ?? '',
    parts.sessionName ?? '',
    parts.externalId ?? '',
    parts.sourceIdentity ?? '',
    // Only when set, so that entries of AWS's own endpoint keep the names caches already hold.
    ...(parts.endpoint ? [parts.endpoint] : []),
  ]);
  return `${parts.kind}/${createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseCachedSession(text: string | null, kind: SessionKind): CachedSession | 'malformed' | null {
  if (text === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'malformed';
  }
  if (!data || typeof data !== 'object') return 'malformed';
  const d = data as Record<string, unknown>;
  if (d.v !== 1 || d.kind !== kind) return 'malformed';
  if (!str(d.accessKeyId) || !str(d.secretAccessKey) || !str(d.sessionToken) || !str(d.expiration) || !str(d.sourceName)) return 'malformed';
  if (!Number.isFinite(Date.parse(d.expiration))) return 'malformed';
  for (const optional of ['mfaSerial', 'roleArn', 'assumedRoleArn', 'accountAlias', 'issuedAt', 'endpoint']) {
    if (d[optional] !== undefined && typeof d[optional] !== 'string') return 'malformed';
  }
  return d as unknown as CachedSession;
}

export function toCachedSession(
  kind: SessionKind,
  credentials: IssuedCredentials,
  meta: { sourceName: string; issuedAt: number; mfaSerial?: string; roleArn?: string; assumedRoleArn?: string; accountAlias?: string; endpoint?: string },
): CachedSession {
  return {
    v: 1,
    kind,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration.toISOString(),
    issuedAt: new Date(meta.issuedAt).toISOString(),
    sourceName: meta.sourceName,
    ...(meta.mfaSerial ? { mfaSerial: meta.mfaSerial } : {}),
    ...(meta.roleArn ? { roleArn: meta.roleArn } : {}),
    ...(meta.assumedRoleArn ? { assumedRoleArn: meta.assumedRoleArn } : {}),
    ...(meta.accountAlias ? { accountAlias: meta.accountAlias } : {}),
    ...(meta.endpoint ? { endpoint: meta.endpoint } : {}),
  };
}

export function credentialsOf(session: CachedSession): IssuedCredentials {
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
    expiration: new Date(session.expiration),
  };
}

/** Usable only while more than the refresh window is left. */
export function isFresh(session: CachedSession, nowMs: number, windowSeconds: number): boolean {
  return Date.parse(session.expiration) - nowMs > windowSeconds * 1000;
}

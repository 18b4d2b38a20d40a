import { createHash } from 'node:crypto';
import type { Env } from '../core/context';
import type { IssuedCredentials } from '../aws/types';
import { endpointOverride } from '../aws/endpoints';
import type { Keyring } from '../keyring/keyring';
import type { SsoRole } from '../config/types';
import { sourceKeyId, type SourceLike } from './sourceCredentials';
import { ssoEntryNames } from './ssoNames';

/**
 * The keychain cache of sessions: what its entries are called, what they hold, which of them a
 * project uses, listing and clearing. A cached value is versioned JSON; anything that does not
 * parse into exactly this shape is treated as absent (and replaced), never as an error.
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
  /** A role session from IAM Identity Center: the sign-in that gave it (ssoEntryNames' hash, not secret). */
  ssoSignIn?: string;
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
  for (const optional of ['mfaSerial', 'roleArn', 'assumedRoleArn', 'accountAlias', 'issuedAt', 'endpoint', 'ssoSignIn']) {
    if (d[optional] !== undefined && typeof d[optional] !== 'string') return 'malformed';
  }
  return d as unknown as CachedSession;
}

export function toCachedSession(
  kind: SessionKind,
  credentials: IssuedCredentials,
  meta: Pick<CachedSession, 'sourceName' | 'mfaSerial' | 'roleArn' | 'assumedRoleArn' | 'accountAlias' | 'endpoint' | 'ssoSignIn'> & { issuedAt: number },
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
    ...(meta.ssoSignIn ? { ssoSignIn: meta.ssoSignIn } : {}),
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

/** The part of a resolved project that tells its sessions apart from every other. */
export interface SessionOwner {
  role: { arn: string; partition: string };
  durationSeconds: number;
  sourceName: string;
  source: SourceLike & { sessionDurationSeconds: number };
  sessionName: string;
  externalId?: string;
  sourceIdentity?: string;
  mfa: boolean;
  mfaSerial?: string;
  /** A permission set through IAM Identity Center instead of a role to assume. */
  sso?: SsoRole;
}

/** `{ endpoint }` when the environment sends STS calls elsewhere than AWS; `{}` for AWS itself. */
export function sessionEndpoint(env: Env): { endpoint?: string } {
  const endpoint = endpointOverride(env, 'sts')?.url;
  return endpoint ? { endpoint } : {};
}

function ownerParts(project: SessionOwner, env: Env): Omit<SessionKeyParts, 'kind' | 'durationSeconds'> {
  return {
    sourceName: project.sourceName,
    accessKeyId: sourceKeyId(project.source, env),
    mfaSerial: project.mfa ? (project.mfaSerial ?? '') : '',
    partition: project.role.partition,
    ...sessionEndpoint(env),
  };
}

/**
 * A role session of IAM Identity Center: one per sign-in (start URL, region, the endpoints it
 * signs in and gets credentials at), account and permission set. No source name or key id: two
 * sources sharing a sign-in share its sessions, as they share its token.
 */
export function ssoRoleEntryName(sso: SsoRole, env: Env): string {
  const material = JSON.stringify([1, 'sso-role', ssoEntryNames(sso, env).hash, sso.accountId, sso.roleName]);
  return `role/${createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
}

export function roleEntryName(project: SessionOwner, env: Env): string {
  if (project.sso) return ssoRoleEntryName(project.sso, env);
  return sessionEntryName({
    ...ownerParts(project, env),
    kind: 'role',
    durationSeconds: project.durationSeconds,
    roleArn: project.role.arn,
    sessionName: project.sessionName,
    ...(project.externalId ? { externalId: project.externalId } : {}),
    ...(project.sourceIdentity ? { sourceIdentity: project.sourceIdentity } : {}),
  });
}

export function mfaSessionEntryName(project: SessionOwner, env: Env): string {
  return sessionEntryName({ ...ownerParts(project, env), kind: 'mfa-session', durationSeconds: project.source.sessionDurationSeconds });
}

/**
 * The MFA session of a source as its projects name it, from the source's side: the partition of a
 * role is that of the MFA device (no role trusts a user of another partition). `rotate` uses it to
 * find the session and to carry it over to the new key's name.
 */
export function sourceMfaSessionEntryName(parts: {
  sourceName: string;
  accessKeyId: string;
  mfaSerial: string;
  sessionDurationSeconds: number;
  endpoint?: string;
}): string {
  return sessionEntryName({
    kind: 'mfa-session',
    sourceName: parts.sourceName,
    accessKeyId: parts.accessKeyId,
    mfaSerial: parts.mfaSerial,
    partition: parts.mfaSerial.split(':')[1] ?? 'aws',
    durationSeconds: parts.sessionDurationSeconds,
    ...(parts.endpoint ? { endpoint: parts.endpoint } : {}),
  });
}

/** The entries a project's exports come from: its role session and, with MFA, the MFA session of its source. */
export function projectEntryNames(project: SessionOwner, env: Env): string[] {
  return [roleEntryName(project, env), ...(project.mfa ? [mfaSessionEntryName(project, env)] : [])];
}

const isSessionEntry = (name: string): boolean => name.startsWith('mfa-session/') || name.startsWith('role/');
const kindOf = (name: string): SessionKind => (name.startsWith('role/') ? 'role' : 'mfa-session');

/** A cached session as `status` shows it: every field but the secrets. */
export interface CacheEntry {
  name: string;
  kind: SessionKind;
  /** RFC 3339, or '' for a malformed entry. */
  expiration: string;
  issuedAt?: string;
  sourceName?: string;
  mfaSerial?: string;
  roleArn?: string;
  assumedRoleArn?: string;
  endpoint?: string;
  ssoSignIn?: string;
  malformed?: true;
}

export interface SessionStore {
  /** The session, or null when there is none; a malformed entry is removed (it is proven bad) and said so in debug. */
  read(name: string, kind: SessionKind): Promise<CachedSession | null>;
  write(name: string, session: CachedSession): Promise<void>;
  /** True when something was removed. */
  remove(name: string): Promise<boolean>;
  /** Proves the keyring can keep a session now: a locked keychain answers reads and fails only on write. */
  probeWrite(): Promise<void>;
  /** Every cached session without its secrets (reads every entry: never on the cache-hit path). */
  entries(): Promise<CacheEntry[]>;
  /** Removes cached sessions, every one or those named, never a source's keys; returns the names removed. */
  clear(which: 'all' | readonly string[]): Promise<string[]>;
}

export function sessionStore(keyring: Keyring, debug: (message: string) => void = () => undefined): SessionStore {
  const sessionNames = async (): Promise<string[]> => (await keyring.list()).filter(isSessionEntry).sort();
  return {
    async read(name, kind) {
      const parsed = parseCachedSession(await keyring.get(name), kind);
      if (parsed !== 'malformed') return parsed;
      debug(`cache entry ${name} is malformed; discarding it`);
      await keyring.delete(name).catch(() => false);
      return null;
    },
    write: (name, session) => keyring.set(name, JSON.stringify(session)),
    remove: (name) => keyring.delete(name),
    probeWrite: () => keyring.probeWrite(),
    async entries() {
      const entries: CacheEntry[] = [];
      for (const name of await sessionNames()) {
        const kind = kindOf(name);
        const parsed = parseCachedSession(await keyring.get(name), kind);
        if (parsed === null) continue;
        if (parsed === 'malformed') {
          entries.push({ name, kind, expiration: '', malformed: true });
          continue;
        }
        entries.push({
          name,
          kind,
          expiration: parsed.expiration,
          issuedAt: parsed.issuedAt,
          sourceName: parsed.sourceName,
          ...(parsed.mfaSerial ? { mfaSerial: parsed.mfaSerial } : {}),
          ...(parsed.roleArn ? { roleArn: parsed.roleArn } : {}),
          ...(parsed.assumedRoleArn ? { assumedRoleArn: parsed.assumedRoleArn } : {}),
          ...(parsed.endpoint ? { endpoint: parsed.endpoint } : {}),
          ...(parsed.ssoSignIn ? { ssoSignIn: parsed.ssoSignIn } : {}),
        });
      }
      return entries;
    },
    async clear(which) {
      const names = which === 'all' ? await sessionNames() : which.filter(isSessionEntry);
      const removed: string[] = [];
      for (const name of names) if (await keyring.delete(name)) removed.push(name);
      return removed;
    },
  };
}

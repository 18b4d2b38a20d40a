import { randomBytes, randomInt } from 'node:crypto';
import type { SsoFixture } from './fixture';

/** A client registered with RegisterClient (what `aws sso login` keeps in its cache). */
export interface SsoClient {
  id: string;
  secret: string;
  name: string;
  scopes: string[];
  issuedAt: number;
  secretExpiresAt: number;
}

/** One StartDeviceAuthorization: the code a person confirms in the browser and the client polls with. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  createdAt: number;
  expiresAt: number;
  lastPollAt?: number;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  user?: string;
}

/** A person's sign-in to the access portal: every token CreateToken issues for it ends with it. */
export interface PortalSession {
  id: string;
  user: string;
  clientId: string;
  startedAt: number;
  endsAt: number;
  loggedOutAt?: number;
}

export class SsoState {
  readonly clients = new Map<string, SsoClient>();
  /** By device code. */
  readonly authorizations = new Map<string, DeviceAuthorization>();
  readonly sessions = new Map<string, PortalSession>();
  readonly accessTokens = new Map<string, { session: PortalSession; expiresAt: number }>();
  readonly refreshTokens = new Map<string, PortalSession>();

  /** The portal session an access token stands for, while the token and the session are good. */
  sessionOf(accessToken: string | undefined, now: number): PortalSession | undefined {
    const entry = accessToken ? this.accessTokens.get(accessToken) : undefined;
    if (!entry || now >= entry.expiresAt || !isOpen(entry.session, now)) return undefined;
    return entry.session;
  }

  /** What the hooks show: states and names, never a secret, device code or token. */
  describe(now: number): Record<string, unknown> {
    const clientName = (id: string) => this.clients.get(id)?.name;
    return {
      clients: [...this.clients.values()].map((c) => ({ clientId: c.id, clientName: c.name, scopes: c.scopes, secretExpiresAt: iso(c.secretExpiresAt) })),
      authorizations: [...this.authorizations.values()].map((a) => ({
        userCode: a.userCode,
        clientName: clientName(a.clientId),
        status: a.status === 'pending' && now >= a.expiresAt ? 'expired' : a.status,
        ...(a.user ? { user: a.user } : {}),
        expiresAt: iso(a.expiresAt),
      })),
      sessions: [...this.sessions.values()].map((s) => ({
        id: s.id,
        user: s.user,
        clientName: clientName(s.clientId),
        startedAt: iso(s.startedAt),
        endsAt: iso(s.endsAt),
        loggedOut: s.loggedOutAt !== undefined,
        validAccessTokens: [...this.accessTokens.values()].filter((t) => t.session === s && now < t.expiresAt && isOpen(s, now)).length,
      })),
    };
  }
}

export function isOpen(session: PortalSession, now: number): boolean {
  return session.loggedOutAt === undefined && now < session.endsAt;
}

/**
 * What the person does in the browser: sign in as `user` and allow (or deny) the device
 * authorization with `userCode`, or every one still pending when no code is given.
 */
export function decideAuthorizations(
  state: SsoState,
  sso: SsoFixture | undefined,
  now: number,
  request: { user?: string; userCode?: string; deny: boolean },
): { status: number; body: Record<string, unknown> } {
  const users = Object.keys(sso?.users ?? {});
  if (request.user === undefined && !request.deny)
    return {
      status: 400,
      body: { error: `approving needs 'user', the person who signs in; users: ${users.join(', ') || '(none: the fixture has no sso.users)'}` },
    };
  if (request.user !== undefined && !sso?.users[request.user]) {
    return { status: 400, body: { error: `no user '${request.user}' under sso.users of the fixture; users: ${users.join(', ') || '(none)'}` } };
  }
  const matched = [...state.authorizations.values()].filter(
    (a) => a.status === 'pending' && now < a.expiresAt && (request.userCode === undefined || a.userCode === request.userCode.toUpperCase()),
  );
  if (matched.length === 0) {
    const which = request.userCode === undefined ? '' : ` with user code ${request.userCode}`;
    return {
      status: 404,
      body: { error: `no pending device authorization${which}; start one with StartDeviceAuthorization (codes expire after sso.device_code_lifetime)` },
    };
  }
  for (const a of matched) {
    a.status = request.deny ? 'denied' : 'approved';
    if (request.user !== undefined) a.user = request.user;
  }
  return {
    status: 200,
    body: { [request.deny ? 'denied' : 'approved']: matched.map((a) => a.userCode), ...(request.user !== undefined ? { user: request.user } : {}) },
  };
}

// RFC 8628 §6.1: consonants only, so a code never spells a word and reads back unambiguously.
const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

export function newUserCode(taken: (code: string) => boolean): string {
  for (;;) {
    const letters = Array.from({ length: 8 }, () => USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)]).join('');
    const code = `${letters.slice(0, 4)}-${letters.slice(4)}`;
    if (!taken(code)) return code;
  }
}

/** An opaque token of AWS's size: real ones are hundreds of characters, which clients must store whole. */
export function opaqueToken(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

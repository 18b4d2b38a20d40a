import { randomBytes, randomUUID } from 'node:crypto';
import { AWS_MANAGED_POLICIES, base32, type AccessKey, type Fixture, type Group, type ManagedPolicy, type Role, type User } from './fixture';
import { evaluate, type PolicyDocument, type RequestFacts } from './policy';
import { SsoState } from './ssoState';
import { ApiError } from './xml';

/** Temporary credentials the emulator issued. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  issuedAt: number;
  expiresAt: number;
  /** session-token: from GetSessionToken; role: from AssumeRole or the SSO portal's GetRoleCredentials. */
  type: 'session-token' | 'role';
  /** The IAM user at the start of the chain; none when IAM Identity Center started it. */
  user?: User;
  /** Role credentials from GetRoleCredentials: the Identity Center user and permission set behind them. */
  sso?: { user: string; permissionSet: string };
  role?: Role;
  sessionName?: string;
  /** When MFA was proven for this session or the one it came from (emulator clock, ms). */
  mfaAuthAt?: number;
  /** A role assumed with another role's credentials: 1-hour cap, no console SessionDuration. */
  chained: boolean;
  sourceIdentity?: string;
}

export type Caller = { kind: 'user'; user: User; key: AccessKey } | { kind: 'session'; session: Session };

export interface Call {
  time: string;
  service: string;
  action: string;
  accessKeyId?: string;
  principal?: string;
  status: number;
  code: string;
}

export interface Fault {
  action: string;
  code?: string;
  message?: string;
  status?: number;
  latencyMs?: number;
  drop?: boolean;
  /** Never answer: the call is logged as it arrives (code Hung) and the connection left open until the client gives up. */
  hang?: boolean;
  truncate?: boolean;
  /** Values the answer's Credentials carry instead of the issued ones (the session is re-keyed to match). */
  credentials?: AnswerCredentials;
  /** The AssumedRoleUser Arn the answer carries instead of the real one. */
  assumedRoleArn?: string;
  count: number;
}

export interface AnswerCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
}

/** Everything that changes while the emulator runs, behind the fixture that does not. */
export class World {
  readonly sessions = new Map<string, Session>();
  readonly lastAcceptedStep = new Map<string, number>();
  readonly calls: Call[] = [];
  faults: Fault[] = [];
  /** Moves the emulator's own clock (expiry, TOTP, MFA age); see startEmulator for why not signing. */
  clockOffsetMs = 0;
  /** Pretends the server's clock is off: shifts the Date header and the request-time check. */
  skewMs = 0;
  readonly signinTokens = new Map<string, { session: Session; expiresAt: number }>();
  readonly sso = new SsoState();
  /** Where clients reach the emulator (set once it listens), for URLs it hands out. */
  url = 'http://127.0.0.1';

  constructor(
    readonly fixture: Fixture,
    private readonly realNow: () => number = Date.now,
  ) {}

  now(): number {
    return this.realNow() + this.clockOffsetMs;
  }
  serverClock(): number {
    return this.realNow() + this.skewMs;
  }

  users(): User[] {
    return Object.values(this.fixture.accounts).flatMap((a) => Object.values(a.users));
  }
  findUser(name: string, account?: string): User | undefined {
    return this.users().find((u) => u.name === name && (account === undefined || u.account === account));
  }
  findLongTermKey(accessKeyId: string): { user: User; key: AccessKey } | undefined {
    for (const user of this.users()) {
      const key = user.accessKeys.find((k) => k.id === accessKeyId);
      if (key) return { user, key };
    }
    return undefined;
  }
  findRole(arn: string): Role | undefined {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
    if (!m) return undefined;
    return this.fixture.accounts[m[1]!]?.roles[m[2]!];
  }
  findGroup(account: string, name: string): Group | undefined {
    return this.fixture.accounts[account]?.groups[name];
  }
  managedPolicy(arn: string): (ManagedPolicy & { attachable: true }) | undefined {
    const builtin = AWS_MANAGED_POLICIES[arn];
    if (builtin)
      return {
        name: arn.split('/').pop() ?? arn,
        arn,
        id: `ANPA${base32(Buffer.from(arn)).slice(0, 17)}`,
        created: new Date('2015-02-06T18:39:46Z'),
        document: builtin,
        attachable: true,
      };
    const m = /^arn:aws:iam::(\d{12}):policy\/(?:.*\/)?(.+)$/.exec(arn);
    const p = m ? this.fixture.accounts[m[1]!]?.policies[m[2]!] : undefined;
    return p ? { ...p, attachable: true } : undefined;
  }

  /** Every identity policy that applies to a user: its own and its groups', attached and inline. */
  identityPolicies(user: User): PolicyDocument[] {
    const docs: PolicyDocument[] = [];
    const attached = [...user.attachedPolicies];
    docs.push(...Object.values(user.inlinePolicies));
    for (const g of user.groups) {
      const group = this.findGroup(user.account, g);
      if (!group) continue;
      attached.push(...group.attachedPolicies);
      docs.push(...Object.values(group.inlinePolicies));
    }
    for (const arn of attached) {
      const p = this.managedPolicy(arn);
      if (p) docs.push(p.document);
    }
    return docs;
  }

  /**
   * A user with no policy declared anywhere may do everything, so simple fixtures stay simple; once
   * a user (or one of its groups) has a policy, its calls are judged by those policies alone.
   */
  authorizeIdentity(caller: Caller, action: string, resource: string): void {
    const user = caller.kind === 'user' ? caller.user : caller.session.type === 'session-token' ? caller.session.user : undefined;
    if (!user) return; // role sessions: the fixture gives roles no identity policies
    const docs = this.identityPolicies(user);
    if (docs.length === 0) return;
    const facts: RequestFacts = { principalArns: [user.arn], principalAccount: user.account, action, resource, keys: this.conditionKeys(caller, undefined) };
    facts.keys['aws:username'] = user.name;
    const decision = evaluate(docs, facts, { trust: false });
    if (decision === 'allow') return;
    const why =
      decision === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
    throw new ApiError(403, 'AccessDenied', `User: ${user.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  }

  /** aws:MultiFactorAuthPresent is absent for long-term keys, 'false'/'true' for temporary ones. */
  conditionKeys(caller: Caller, mfaNow: number | undefined): Record<string, string> {
    const keys: Record<string, string> = {};
    const mfaAt = mfaNow ?? (caller.kind === 'session' ? caller.session.mfaAuthAt : undefined);
    if (mfaAt !== undefined) {
      keys['aws:MultiFactorAuthPresent'] = 'true';
      keys['aws:MultiFactorAuthAge'] = String(Math.max(0, Math.floor((this.now() - mfaAt) / 1000)));
    } else if (caller.kind === 'session') {
      keys['aws:MultiFactorAuthPresent'] = 'false';
    }
    return keys;
  }

  issue(template: Omit<Session, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'issuedAt' | 'expiresAt'>, seconds: number): Session {
    const now = this.now();
    const session: Session = {
      ...template,
      accessKeyId: `ASIA${base32(randomBytes(10)).slice(0, 16)}`,
      secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
      // Real tokens are several hundred bytes; keeping that size catches code that assumes short ones.
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(300).toString('base64')}`,
      issuedAt: now,
      expiresAt: now + seconds * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }

  record(call: Omit<Call, 'time'>): void {
    this.calls.push({ time: new Date(this.now()).toISOString(), ...call });
  }

  takeFault(action: string): Fault | undefined {
    const fault = this.faults.find((f) => f.count > 0 && (f.action === action || f.action === '*'));
    if (!fault) return undefined;
    fault.count -= 1;
    this.faults = this.faults.filter((f) => f.count > 0);
    return { ...fault };
  }

  requestId(): string {
    return randomUUID();
  }
}

export function principalArn(caller: Caller): string {
  if (caller.kind === 'user') return caller.user.arn;
  const s = caller.session;
  if (s.type === 'role' && s.role) return `arn:aws:sts::${s.role.account}:assumed-role/${s.role.name}/${s.sessionName}`;
  return s.user?.arn ?? '';
}

export function principalAccount(caller: Caller): string {
  if (caller.kind === 'user') return caller.user.account;
  return caller.session.role?.account ?? caller.session.user?.account ?? '';
}

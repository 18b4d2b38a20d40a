import { decideAuthorizations } from './ssoState';
import { nextAcceptableStep, stepAt, totpAt, STEP_SECONDS } from './totp';
import type { AnswerCredentials, Fault, World } from './world';
import { NOT_IN_XML } from './xml';

export interface HookAnswer {
  status: number;
  body: unknown;
}

/**
 * The test hooks under /__emulator/. They never reveal a secret: the call log names access key ids
 * only, and the TOTP code exists for tests and the demo, whose seeds are public anyway.
 */
export function handleHook(world: World, method: string, url: URL, body: string): HookAnswer {
  const route = `${method} ${url.pathname.replace(/^\/__emulator\//, '').replace(/\/$/, '')}`;
  const json = (): Record<string, unknown> => {
    try {
      const value: unknown = body ? JSON.parse(body) : {};
      return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  switch (route) {
    case 'GET health':
      return { status: 200, body: { ok: true, now: new Date(world.now()).toISOString() } };
    case 'GET calls':
      return { status: 200, body: world.calls };
    case 'DELETE calls':
      world.calls.length = 0;
      return { status: 200, body: { cleared: true } };
    case 'GET faults':
      return { status: 200, body: world.faults };
    case 'DELETE faults':
      world.faults = [];
      return { status: 200, body: { cleared: true } };
    case 'POST faults': {
      const f = json();
      if (typeof f.action !== 'string' || f.action === '') return { status: 400, body: { error: "a fault needs 'action' (an API action name or '*')" } };
      const answer = answerOverrides(f);
      if (typeof answer === 'string') return { status: 400, body: { error: answer } };
      const fault = {
        action: f.action,
        count: typeof f.count === 'number' && f.count > 0 ? Math.floor(f.count) : 1,
        ...(typeof f.code === 'string' ? { code: f.code } : {}),
        ...(typeof f.message === 'string' ? { message: f.message } : {}),
        ...(typeof f.status === 'number' ? { status: f.status } : {}),
        ...(typeof f.latencyMs === 'number' ? { latencyMs: f.latencyMs } : {}),
        ...(f.drop === true ? { drop: true } : {}),
        ...(f.hang === true ? { hang: true } : {}),
        ...(f.truncate === true ? { truncate: true } : {}),
        ...answer,
      };
      world.faults.push(fault);
      return { status: 200, body: fault };
    }
    case 'GET totp': {
      const serial = url.searchParams.get('serial') ?? '';
      const device = world
        .users()
        .flatMap((u) => u.mfa)
        .find((d) => d.serial === serial);
      if (!device) return { status: 404, body: { error: `no MFA device with serial '${serial}' in the fixture` } };
      const last = world.lastAcceptedStep.get(serial);
      const step = nextAcceptableStep(world.now(), last);
      if (step === undefined) {
        const wait = (stepAt(world.now()) + 1) * STEP_SECONDS - world.now() / 1000;
        return { status: 409, body: { error: 'every code of this window was used; wait for the next step', retryAfterSeconds: Math.ceil(wait) } };
      }
      return { status: 200, body: { code: totpAt(device.seed, step), step } };
    }
    case 'GET clock':
      return { status: 200, body: clock(world) };
    case 'POST clock': {
      const c = json();
      if (typeof c.advanceSeconds === 'number') world.clockOffsetMs += c.advanceSeconds * 1000;
      if (typeof c.skewSeconds === 'number') world.skewMs = c.skewSeconds * 1000;
      return { status: 200, body: clock(world) };
    }
    case 'GET sso': {
      const now = world.now();
      const roleCredentials = [...world.sessions.values()]
        .filter((s) => s.sso)
        .map((s) => ({
          accessKeyId: s.accessKeyId,
          user: s.sso!.user,
          account: s.role?.account,
          permissionSet: s.sso!.permissionSet,
          expiresAt: new Date(s.expiresAt).toISOString(),
          expired: now >= s.expiresAt,
        }));
      return { status: 200, body: { ...world.sso.describe(now), roleCredentials } };
    }
    case 'POST sso/approve': {
      // The person's browser: sign in as `user`, then allow (or deny) one code or every pending one.
      const a = json();
      if (a.user !== undefined && typeof a.user !== 'string') return { status: 400, body: { error: 'user must be a string' } };
      if (a.user_code !== undefined && typeof a.user_code !== 'string') return { status: 400, body: { error: 'user_code must be a string such as BCDF-GHJK' } };
      const request = {
        deny: a.deny === true,
        ...(typeof a.user === 'string' ? { user: a.user } : {}),
        ...(typeof a.user_code === 'string' ? { userCode: a.user_code } : {}),
      };
      return decideAuthorizations(world.sso, world.fixture.sso, world.now(), request);
    }
    default:
      return {
        status: 404,
        body: {
          error: `no hook ${route}; hooks: GET health, GET|DELETE calls, GET|POST|DELETE faults, GET totp?serial=, GET|POST clock, GET sso, POST sso/approve`,
        },
      };
  }
}

const CREDENTIAL_FIELDS = ['AccessKeyId', 'SecretAccessKey', 'SessionToken'] as const;

/**
 * `credentials` and `assumedRoleArn` of a fault: strings a successful answer carries instead of
 * the real ones, to show what clients do with values real STS never sends. An error message when
 * a value is not a string or could not travel in an XML answer at all.
 */
function answerOverrides(f: Record<string, unknown>): Pick<Fault, 'credentials' | 'assumedRoleArn'> | string {
  const out: Pick<Fault, 'credentials' | 'assumedRoleArn'> = {};
  const check = (name: string, value: unknown): string | undefined => {
    if (typeof value !== 'string') return `${name} must be a string`;
    if (NOT_IN_XML.test(value))
      return `${name} holds a character no XML 1.0 answer can carry (NUL, another control character but tab, LF and CR, U+FFFE/U+FFFF or a lone surrogate)`;
    return undefined;
  };
  if (f.credentials !== undefined) {
    if (f.credentials === null || typeof f.credentials !== 'object') return `credentials must be an object with any of ${CREDENTIAL_FIELDS.join(', ')}`;
    const given = f.credentials as Record<string, unknown>;
    const unknown = Object.keys(given).filter((k) => !(CREDENTIAL_FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) return `credentials may hold ${CREDENTIAL_FIELDS.join(', ')}, not ${unknown.join(', ')}`;
    const credentials: AnswerCredentials = {};
    for (const field of CREDENTIAL_FIELDS) {
      if (given[field] === undefined) continue;
      const problem = check(`credentials.${field}`, given[field]);
      if (problem) return problem;
      credentials[field] = given[field] as string;
    }
    out.credentials = credentials;
  }
  if (f.assumedRoleArn !== undefined) {
    const problem = check('assumedRoleArn', f.assumedRoleArn);
    if (problem) return problem;
    out.assumedRoleArn = f.assumedRoleArn as string;
  }
  return out;
}

function clock(world: World): Record<string, unknown> {
  return { now: new Date(world.now()).toISOString(), offsetSeconds: world.clockOffsetMs / 1000, skewSeconds: world.skewMs / 1000 };
}

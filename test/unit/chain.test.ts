/**
 * The credential chain, provider by provider: each composition a project can get, the one cache
 * sequence every session goes through, and the ways a cached MFA session is replaced. The keyring
 * is in memory and STS is a fake that records its calls; the lock is the real one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter } from '../../src/core/reporter';
import type { AwsCredentials } from '../../src/aws/types';
import type { Keyring } from '../../src/keyring/keyring';
import { CHAIN_LIMIT_SECONDS, roleCredentials, type ChainDeps, type ChainProject } from '../../src/credentials/chain';
import { NotOnHitPath, offHitPath, type Fetcher, type StsCalls } from '../../src/credentials/fetcher';
import { withLock } from '../../src/credentials/lock';
import { mfaSessionEntryName, roleEntryName, sessionStore, toCachedSession } from '../../src/credentials/sessionStore';
import { MFA_SERIAL as SERIAL } from '../support/fixture';

const HOUR = 3600_000;
const SOURCE_KEYS: AwsCredentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'source-secret' };

/** A keyring in memory that counts what is asked of it and fails where a test says. */
class MemoryKeyring implements Keyring {
  readonly backend = 'os' as const;
  readonly entries = new Map<string, string>();
  readonly log: string[] = [];
  failSet?: (name: string) => boolean;
  failProbe = false;
  async get(name: string): Promise<string | null> {
    this.log.push(`get ${name}`);
    return this.entries.get(name) ?? null;
  }
  async set(name: string, value: string): Promise<void> {
    this.log.push(`set ${name}`);
    if (this.failSet?.(name)) throw new Error('the keychain is locked');
    this.entries.set(name, value);
  }
  async delete(name: string): Promise<boolean> {
    this.log.push(`delete ${name}`);
    return this.entries.delete(name);
  }
  async list(): Promise<string[]> {
    return [...this.entries.keys()];
  }
  async probeWrite(): Promise<void> {
    this.log.push('probe');
    if (this.failProbe) throw new Error('keychain: cannot store an entry: the collection is locked');
  }
}

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

interface StsCall {
  action: 'GetSessionToken' | 'AssumeRole';
  /** The access key the call was signed with. */
  signer: string;
  tokenCode?: string;
  durationSeconds: number;
}

/** STS that issues numbered sessions on the test's clock, and refuses where a test says. */
function fakeSts(now: () => number) {
  const calls: StsCall[] = [];
  const refusals: Array<{ action: StsCall['action']; error: Error }> = [];
  let issued = 0;
  let assumedAccount = '222222222222';
  const issue = (durationSeconds: number) => {
    issued += 1;
    return {
      accessKeyId: `ASIAFAKE${String(issued).padStart(12, '0')}`,
      secretAccessKey: `secret-${issued}`,
      sessionToken: `token-${issued}`,
      expiration: new Date(now() + durationSeconds * 1000),
    };
  };
  const refuse = (call: StsCall): void => {
    calls.push(call);
    const next = refusals.findIndex((r) => r.action === call.action);
    if (next >= 0) throw refusals.splice(next, 1)[0]!.error;
  };
  return {
    calls,
    /** The next call of `action` fails with `error` (queued: each refusal is used once). */
    refuseNext: (action: StsCall['action'], error: Error) => void refusals.push({ action, error }),
    answerFromAccount: (account: string) => void (assumedAccount = account),
    client: (credentials: AwsCredentials): StsCalls => ({
      async getSessionToken(input) {
        refuse({
          action: 'GetSessionToken',
          signer: credentials.accessKeyId,
          durationSeconds: input.durationSeconds,
          ...(input.tokenCode ? { tokenCode: input.tokenCode } : {}),
        });
        return issue(input.durationSeconds);
      },
      async assumeRole(input) {
        refuse({
          action: 'AssumeRole',
          signer: credentials.accessKeyId,
          durationSeconds: input.durationSeconds,
          ...(input.tokenCode ? { tokenCode: input.tokenCode } : {}),
        });
        return {
          ...issue(input.durationSeconds),
          assumedRoleArn: `arn:aws:sts::${assumedAccount}:assumed-role/${input.roleArn.split('/').pop()}/${input.roleSessionName}`,
        };
      },
    }),
  };
}

function project(overrides: Partial<ChainProject> = {}): ChainProject {
  return {
    projectFile: '/home/alice/app/.awsdir.yaml',
    role: { arn: 'arn:aws:iam::222222222222:role/admin', account: '222222222222', partition: 'aws' },
    account: '222222222222',
    durationSeconds: 3600,
    sourceName: 'default',
    source: { kind: 'keychain', name: 'default', accessKeyId: SOURCE_KEYS.accessKeyId, mfaSerial: SERIAL, sessionDurationSeconds: 12 * 3600 },
    sessionName: 'alice-app',
    mfa: true,
    mfaSerial: SERIAL,
    ...overrides,
  };
}

let lockDir: string;
beforeEach(() => {
  lockDir = mkdtempSync(join(tmpdir(), 'awsdir-chain-'));
});
afterEach(() => rmSync(lockDir, { recursive: true, force: true }));

function setup(options: { windowSeconds?: number } = {}) {
  let clock = Date.parse('2030-01-01T08:00:00Z');
  const now = () => clock;
  const keyring = new MemoryKeyring();
  const sts = fakeSts(now);
  const lines: string[] = [];
  const reporter: Reporter = {
    color: false,
    debugEnabled: true,
    info: (m) => void lines.push(`info: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
  };
  const codes: string[] = [];
  const waits: number[] = [];
  const ssoCalls: string[] = [];
  const ssoRefusals: Error[] = [];
  const fetch: Fetcher = {
    sourceKeys: async () => SOURCE_KEYS,
    sts: (credentials) => sts.client(credentials),
    mfa: {
      use: (serial, _process, call) => {
        const code = String(100000 + codes.length);
        codes.push(`${serial} ${code}`);
        return call(code);
      },
    },
    accountAlias: async () => 'acme-production',
    lock: (name, fn) => withLock(name, fn, { dir: lockDir, onWait: (owner) => waits.push(owner.pid) }),
    ssoRoleCredentials: async (target, accountId, roleName) => {
      ssoCalls.push(`${target.name} ${accountId} ${roleName}`);
      const refusal = ssoRefusals.shift();
      if (refusal) throw refusal;
      return {
        accessKeyId: `ASIASSO${String(ssoCalls.length).padStart(13, '0')}`,
        secretAccessKey: `sso-secret-${ssoCalls.length}`,
        sessionToken: `sso-token-${ssoCalls.length}`,
        expiration: new Date(now() + 3600_000),
      };
    },
  };
  const deps = (overrides: Partial<ChainDeps> = {}): ChainDeps => ({
    env: {},
    reporter,
    now,
    stsRegion: 'us-east-1',
    fetch,
    store: sessionStore(keyring, (m) => reporter.debug(m)),
    windowSeconds: options.windowSeconds ?? 300,
    ...overrides,
  });
  return { keyring, sts, lines, codes, waits, ssoCalls, ssoRefusals, fetch, deps, advance: (ms: number) => void (clock += ms), now };
}

const actions = (calls: StsCall[]): string[] =>
  calls.map((c) => `${c.action}${c.tokenCode ? ' with code' : ''} as ${c.signer.startsWith('AKIA') ? 'source keys' : 'session'}`);

describe('the compositions', () => {
  test('the usual: one code for an MFA session, every role assumed from it, both cached', async () => {
    const t = setup();
    const first = await roleCredentials(project(), t.deps());
    expect(actions(t.sts.calls)).toEqual(['GetSessionToken with code as source keys', 'AssumeRole as session']);
    expect(t.sts.calls[0]!.durationSeconds).toBe(12 * 3600);
    expect(first).toMatchObject({
      fromCache: false,
      assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/admin/alice-app',
      accountAlias: 'acme-production',
    });
    expect(t.codes).toHaveLength(1);
    expect([...t.keyring.entries.keys()].sort()).toEqual([mfaSessionEntryName(project(), {}), roleEntryName(project(), {})].sort());

    // Another role of the same source: no code, no GetSessionToken.
    const other = project({ role: { arn: 'arn:aws:iam::222222222222:role/reader', account: '222222222222', partition: 'aws' } });
    await roleCredentials(other, t.deps());
    expect(actions(t.sts.calls).slice(2)).toEqual(['AssumeRole as session']);
    expect(t.codes).toHaveLength(1);
  });

  test('mfa: false: AssumeRole from the source keys, no code and no MFA session', async () => {
    const t = setup();
    const p = project({ mfa: false });
    const r = await roleCredentials(p, t.deps());
    expect(actions(t.sts.calls)).toEqual(['AssumeRole as source keys']);
    expect(t.codes).toEqual([]);
    expect(r.fromCache).toBe(false);
    expect([...t.keyring.entries.keys()]).toEqual([roleEntryName(p, {})]);
    // No code is spent, so nothing is probed before the call.
    expect(t.keyring.log).not.toContain('probe');
    expect(t.lines).toContain(`debug: mfa: false in ${p.projectFile}: AssumeRole straight from the source keys`);
  });

  test('longer than the one-hour chaining cap: AssumeRole takes the code itself, from the source keys', async () => {
    const t = setup();
    const p = project({ durationSeconds: CHAIN_LIMIT_SECONDS + 1 });
    await roleCredentials(p, t.deps());
    expect(actions(t.sts.calls)).toEqual(['AssumeRole with code as source keys']);
    expect(t.codes).toEqual([`${SERIAL} 100000`]);
    expect([...t.keyring.entries.keys()]).toEqual([roleEntryName(p, {})]);
    expect(t.lines.some((l) => l.startsWith('debug: skipping GetSessionToken: duration 3601s is above the 1 hour cap'))).toBe(true);
  });

  test('MFA asked for and no device recorded: a configuration error naming the fix, before any call', async () => {
    const t = setup();
    await expect(roleCredentials(project({ mfaSerial: undefined }), t.deps())).rejects.toThrow(/has no mfa_serial.*`awsdir add default`/);
    expect(t.sts.calls).toEqual([]);
    expect(t.codes).toEqual([]);
  });

  test('a role session from another account than the project says is refused and not cached', async () => {
    const t = setup();
    t.sts.answerFromAccount('999999999999');
    await expect(roleCredentials(project(), t.deps())).rejects.toThrow(/session in account 999999999999, not 222222222222/);
    expect(t.keyring.entries.has(roleEntryName(project(), {}))).toBe(false);
  });
});

describe('an IAM Identity Center project', () => {
  const START_URL = 'https://corp.awsapps.com/start';
  const ssoProject = (accountId = '222222222222', roleName = 'AdministratorAccess'): ChainProject =>
    project({
      role: { arn: `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${roleName}_*`, account: accountId, partition: 'aws' },
      account: accountId,
      sourceName: 'corp',
      source: { kind: 'sso', name: 'corp', sessionDurationSeconds: 12 * 3600 },
      sso: { startUrl: START_URL, region: 'eu-west-1', accountId, roleName },
      durationSeconds: 0,
      sessionName: '',
      mfa: false,
      mfaSerial: undefined,
    });

  test('GetRoleCredentials once, cached under one entry of the sign-in, account and permission set; no keys, no code, no STS', async () => {
    const t = setup();
    const first = await roleCredentials(ssoProject(), t.deps());
    expect(t.ssoCalls).toEqual(['corp 222222222222 AdministratorAccess']);
    expect(first).toMatchObject({ fromCache: false, assumedRoleArn: '', accountAlias: 'acme-production' });
    expect(t.sts.calls).toEqual([]);
    expect(t.codes).toEqual([]);
    expect(t.keyring.log).not.toContain('probe');
    const name = roleEntryName(ssoProject(), {});
    expect([...t.keyring.entries.keys()]).toEqual([name]);
    expect(JSON.parse(t.keyring.entries.get(name)!)).toMatchObject({ kind: 'role', sourceName: 'corp', ssoSignIn: expect.stringMatching(/^[0-9a-f]{24}$/) });

    t.keyring.log.length = 0;
    const hit = await roleCredentials(ssoProject(), t.deps({ fetch: offHitPath }));
    expect(hit).toMatchObject({ fromCache: true, accountAlias: 'acme-production' });
    expect(t.keyring.log).toEqual([`get ${name}`]);

    // Another account or permission set is another session; the start URL as pasted with a slash is the same sign-in.
    expect(roleEntryName(ssoProject('333333333333'), {})).not.toBe(name);
    expect(roleEntryName(ssoProject('222222222222', 'ReadOnlyAccess'), {})).not.toBe(name);
    const slashed = ssoProject();
    expect(roleEntryName({ ...slashed, sso: { ...slashed.sso!, startUrl: `${START_URL}/` } }, {})).toBe(name);
    // Another portal endpoint never serves this one's sessions.
    expect(roleEntryName(ssoProject(), { AWS_ENDPOINT_URL_SSO: 'http://127.0.0.1:4566' })).not.toBe(name);
  });

  test('past the refresh window: GetRoleCredentials again; on the hit path a miss', async () => {
    const t = setup();
    await roleCredentials(ssoProject(), t.deps());
    t.advance(HOUR - 60_000);
    await expect(roleCredentials(ssoProject(), t.deps({ fetch: offHitPath }))).rejects.toBeInstanceOf(NotOnHitPath);
    const again = await roleCredentials(ssoProject(), t.deps());
    expect(again.fromCache).toBe(false);
    expect(t.ssoCalls).toHaveLength(2);
  });

  test('no assignment for the account: an error naming the project file, the account and the permission set; nothing cached', async () => {
    const t = setup();
    t.ssoRefusals.push(
      Object.assign(new Error('GetRoleCredentials: the sign-in of corp has no access'), { cause: awsError('ForbiddenException', 'No access') }),
    );
    await expect(roleCredentials(ssoProject('444444444444'), t.deps())).rejects.toThrow(
      '/home/alice/app/.awsdir.yaml: the sign-in of corp has no access to permission set AdministratorAccess in account 444444444444; check `sso:` there (`awsdir login corp --json` lists the accounts and permission sets you have), or ask your administrator to assign AdministratorAccess in 444444444444 to you',
    );
    expect(t.keyring.entries.size).toBe(0);
  });
});

describe('the cache sequence', () => {
  test('a fresh role session is served with one keychain read, no call, its alias kept with it', async () => {
    const t = setup();
    await roleCredentials(project(), t.deps());
    const calls = t.sts.calls.length;
    t.keyring.log.length = 0;
    const aliasAsked = jest.fn(async () => 'other');
    const hit = await roleCredentials(project(), t.deps({ fetch: { ...t.fetch, accountAlias: aliasAsked } }));
    expect(hit).toMatchObject({ fromCache: true, accountAlias: 'acme-production' });
    expect(t.sts.calls).toHaveLength(calls);
    expect(aliasAsked).not.toHaveBeenCalled();
    expect(t.keyring.log).toEqual([`get ${roleEntryName(project(), {})}`]);
  });

  test('inside the refresh window the role session is fetched again, from the still-fresh MFA session', async () => {
    const t = setup({ windowSeconds: 600 });
    await roleCredentials(project(), t.deps());
    t.advance(HOUR - 601_000);
    expect((await roleCredentials(project(), t.deps())).fromCache).toBe(true);
    t.advance(2_000);
    const refreshed = await roleCredentials(project(), t.deps());
    expect(refreshed.fromCache).toBe(false);
    expect(actions(t.sts.calls)).toEqual(['GetSessionToken with code as source keys', 'AssumeRole as session', 'AssumeRole as session']);
    expect(t.codes).toHaveLength(1);
    // A wider window (credential-process) refreshes earlier.
    t.advance(HOUR - 20 * 60_000);
    expect((await roleCredentials(project(), t.deps({ windowSeconds: 15 * 60 }))).fromCache).toBe(true);
    expect((await roleCredentials(project(), t.deps({ windowSeconds: 25 * 60 }))).fromCache).toBe(false);
  });

  test('waiting on the lock, then serving the session the lock holder fetched, without a call of its own', async () => {
    const t = setup();
    const p = project({ mfa: false });
    const name = roleEntryName(p, {});
    let started!: Promise<unknown>;
    // Another awsdir holds the lock while it fetches; this one reads, misses and waits for it.
    await withLock(
      name.replace('/', '-'),
      async () => {
        let waiting!: () => void;
        const waited = new Promise<void>((resolve) => (waiting = resolve));
        started = roleCredentials(p, t.deps({ fetch: { ...t.fetch, lock: (n, fn) => withLock(n, fn, { dir: lockDir, onWait: () => waiting() }) } }));
        await waited;
        const other = toCachedSession(
          'role',
          { accessKeyId: 'ASIAOTHERPROCESS0001', secretAccessKey: 'o', sessionToken: 'o', expiration: new Date(t.now() + HOUR) },
          { sourceName: 'default', issuedAt: t.now(), assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/admin/alice-app' },
        );
        t.keyring.entries.set(name, JSON.stringify(other));
      },
      { dir: lockDir },
    );
    const r = (await started) as Awaited<ReturnType<typeof roleCredentials>>;
    expect(r.fromCache).toBe(true);
    expect(r.credentials.accessKeyId).toBe('ASIAOTHERPROCESS0001');
    expect(t.sts.calls).toEqual([]);
    expect(t.keyring.log.filter((l) => l.startsWith('get'))).toHaveLength(2);
    expect(t.lines).toContain(`debug: another awsdir fetched role session ${name} meanwhile`);
  });

  test('a malformed entry is discarded, fetched anew and replaced', async () => {
    const t = setup();
    const p = project({ mfa: false });
    const name = roleEntryName(p, {});
    t.keyring.entries.set(name, '{"v":1,"kind":"role"');
    const r = await roleCredentials(p, t.deps());
    expect(r.fromCache).toBe(false);
    expect(t.keyring.log).toContain(`delete ${name}`);
    expect(JSON.parse(t.keyring.entries.get(name)!)).toMatchObject({ v: 1, kind: 'role', accessKeyId: r.credentials.accessKeyId });
    expect(t.lines).toContain(`debug: cache entry ${name} is malformed; discarding it`);
  });

  test('a write that fails is a warning: the credentials in hand are still handed out', async () => {
    const t = setup();
    t.keyring.failSet = () => true;
    const r = await roleCredentials(project(), t.deps());
    expect(r.credentials.sessionToken).toMatch(/^token-/);
    expect(t.lines).toContain('warn: could not cache the MFA session (the keychain is locked); the next export will ask for a code again');
    expect(t.lines).toContain('warn: could not cache the role session (the keychain is locked); the next export will ask AWS again');
    expect(t.keyring.entries.size).toBe(0);
  });

  test('a keyring that cannot store is found out before a code is asked for', async () => {
    for (const p of [project(), project({ durationSeconds: 7200 })]) {
      const t = setup();
      t.keyring.failProbe = true;
      await expect(roleCredentials(p, t.deps())).rejects.toThrow(/cannot store an entry/);
      expect(t.codes).toEqual([]);
      expect(t.sts.calls).toEqual([]);
    }
  });
});

describe('a cached MFA session that STS refuses', () => {
  async function withCachedMfaSession() {
    const t = setup();
    await roleCredentials(project(), t.deps());
    // A second role, so that its AssumeRole comes from the cached MFA session.
    const other = project({ role: { arn: 'arn:aws:iam::222222222222:role/recent', account: '222222222222', partition: 'aws' } });
    return { t, other, before: t.sts.calls.length };
  }

  test('a role that refuses an MFA session old enough for its age to be the reason gets one new one, once; the old one stays for the others', async () => {
    const { t, other, before } = await withCachedMfaSession();
    const mfaName = mfaSessionEntryName(project(), {});
    const old = JSON.parse(t.keyring.entries.get(mfaName)!) as { accessKeyId: string };
    t.advance(20 * 60_000);
    t.sts.refuseNext(
      'AssumeRole',
      awsError(
        'AccessDenied',
        'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/recent',
      ),
    );
    const r = await roleCredentials(other, t.deps());
    expect(r.fromCache).toBe(false);
    expect(actions(t.sts.calls.slice(before))).toEqual(['AssumeRole as session', 'GetSessionToken with code as source keys', 'AssumeRole as session']);
    expect(t.codes).toHaveLength(2);
    expect(t.lines).toContain(
      'info: role arn:aws:iam::222222222222:role/recent refused the MFA session of 20 minutes ago; a role that demands a recent MFA accepts a new one: asking for a code',
    );
    expect(JSON.parse(t.keyring.entries.get(mfaName)!).accessKeyId).not.toBe(old.accessKeyId);
  });

  test('a role that refuses an old MFA session and its replacement: one new code, then the causes, never a loop of prompts', async () => {
    const { t } = await withCachedMfaSession();
    t.advance(HOUR);
    const stricter = project({ role: { arn: 'arn:aws:iam::222222222222:role/stricter', account: '222222222222', partition: 'aws' } });
    t.sts.refuseNext('AssumeRole', awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));
    t.sts.refuseNext('AssumeRole', awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));
    await expect(roleCredentials(stricter, t.deps())).rejects.toThrow(/not the age of your MFA: a new MFA session was refused too.*trust policy/);
    expect(t.codes).toHaveLength(2);
  });

  test('a role that refuses a young MFA session: no new code, the causes at once', async () => {
    const { t, other, before } = await withCachedMfaSession();
    t.advance(5 * 60_000);
    t.sts.refuseNext(
      'AssumeRole',
      awsError(
        'AccessDenied',
        'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/recent',
      ),
    );
    await expect(roleCredentials(other, t.deps())).rejects.toThrow(
      /^role arn:aws:iam::222222222222:role\/recent refused arn:aws:iam::111111111111:user\/alice \(AWS does not say why; not the age of your MFA: the MFA session is 5 minutes old\)/,
    );
    expect(actions(t.sts.calls.slice(before))).toEqual(['AssumeRole as session']);
    expect(t.codes).toHaveLength(1);
  });

  test("the caller's own policies refuse: that is said, and the trust policy is not blamed", async () => {
    const { t, other } = await withCachedMfaSession();
    t.advance(HOUR);
    t.sts.refuseNext(
      'AssumeRole',
      awsError(
        'AccessDenied',
        'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/recent because no identity-based policy allows the sts:AssumeRole action',
      ),
    );
    await expect(roleCredentials(other, t.deps())).rejects.toThrow(
      /because no identity-based policy allows the sts:AssumeRole action: the trust policy is not the problem; ask your administrator/,
    );
    expect(t.codes).toHaveLength(1);
  });

  test('an MFA session fetched just now is not replaced when the role refuses it', async () => {
    const t = setup();
    t.sts.refuseNext('AssumeRole', awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));
    await expect(roleCredentials(project(), t.deps())).rejects.toThrow(/not the age of your MFA: the code was just given/);
    expect(t.codes).toHaveLength(1);
  });

  test.each(['ExpiredToken', 'InvalidClientTokenId'])('%s: the cached MFA session is discarded and a new one fetched', async (name) => {
    const { t, other, before } = await withCachedMfaSession();
    const mfaName = mfaSessionEntryName(project(), {});
    t.sts.refuseNext('AssumeRole', awsError(name, 'The security token included in the request is expired'));
    const r = await roleCredentials(other, t.deps());
    expect(r.fromCache).toBe(false);
    expect(actions(t.sts.calls.slice(before))).toEqual(['AssumeRole as session', 'GetSessionToken with code as source keys', 'AssumeRole as session']);
    expect(t.keyring.log).toContain(`delete ${mfaName}`);
    expect(t.lines.some((l) => l.startsWith(`debug: the cached MFA session was refused (${name}); discarding it`))).toBe(true);
  });
});

describe('on the cache-hit path (a fetcher that answers NotOnHitPath)', () => {
  test('the same composition serves a fresh session with one read, and misses on anything more, writing nothing', async () => {
    const t = setup();
    await roleCredentials(project(), t.deps());
    t.keyring.log.length = 0;
    const hit = await roleCredentials(project(), t.deps({ fetch: offHitPath }));
    expect(hit.fromCache).toBe(true);
    expect(t.keyring.log).toEqual([`get ${roleEntryName(project(), {})}`]);

    t.advance(HOUR);
    t.keyring.log.length = 0;
    for (const p of [project(), project({ mfa: false }), project({ durationSeconds: 7200 })]) {
      await expect(roleCredentials(p, t.deps({ fetch: offHitPath }))).rejects.toBeInstanceOf(NotOnHitPath);
    }
    expect(t.keyring.log.filter((l) => !l.startsWith('get'))).toEqual([]);
    expect(t.keyring.log).toHaveLength(3);
  });
});

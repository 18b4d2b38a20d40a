/**
 * The IAM Identity Center sign-in (src/credentials/sso.ts) against the emulator with the real SDK
 * clients, a real encrypted file keyring and the real lock. The person's browser is played through
 * the emulator's approve hook; the poll wait is injected and moves the emulator's clock (and the
 * clock awsdir reads) by what was asked, so intervals, slow_down and expiry need no real waiting.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createFileKeyring } from '../../src/keyring/fileKeyring';
import type { Keyring } from '../../src/keyring/keyring';
import { withLock } from '../../src/credentials/lock';
import {
  getSsoRoleCredentials,
  listSsoAccountRoles,
  listSsoAccounts,
  ssoAccessToken,
  ssoEntryNames,
  ssoLogout,
  type DeviceSignIn,
  type SsoDeps,
  type SsoTarget,
} from '../../src/credentials/sso';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { SSO_START_URL, ssoFixture } from '../support/fixture';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const START_URL = SSO_START_URL;
const FIXTURE = ssoFixture({
  accounts: { '222222222222': { alias: 'acme-production' }, '333333333333': { alias: 'acme-development' } },
  assignments: [
    { account: '222222222222', permission_set: 'AdministratorAccess' },
    { account: '222222222222', permission_set: 'ReadOnlyAccess' },
    { account: '333333333333', permission_set: 'ReadOnlyAccess' },
  ],
  sso: { poll_interval: '30s' },
});
const TARGET: SsoTarget = { name: 'corp', startUrl: START_URL, region: 'eu-west-1' };

let emu: TestEmulator;
beforeEach(async () => {
  emu = await startTestEmulator(FIXTURE);
});
afterEach(() => emu.close());

type Browser = (signIn: DeviceSignIn) => Promise<void>;

interface Harness {
  deps: SsoDeps;
  keyring: Keyring;
  dir: string;
  /** Every wait the poll asked for, in ms. */
  sleeps: number[];
  /** Every sign-in shown to the person. */
  shown: DeviceSignIn[];
  /** Moves the emulator's clock and awsdir's together. */
  advance(seconds: number): Promise<void>;
  /** What the "browser" does with a sign-in; by default alice approves it. */
  browser: Browser;
  canSignIn: boolean;
  lines: string[];
}

const approve = async (body: Record<string, unknown>): Promise<void> => {
  const r = await fetch(`${emu.url}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`approve: ${r.status} ${await r.text()}`);
};
const alice: Browser = (s) => approve({ user: 'alice', user_code: s.userCode });

function harness(dir = mkdtempSync(join(tmpdir(), 'awsdir-sso-signin-'))): Harness {
  let offset = 0;
  let browsing: Promise<void> = Promise.resolve();
  const keyring = createFileKeyring({ dir: join(dir, 'keyring'), passphrase: 'sso test', scryptN: 1024 });
  const h: Harness = {
    keyring,
    dir,
    sleeps: [],
    shown: [],
    lines: [],
    canSignIn: true,
    browser: alice,
    advance: async (seconds) => {
      offset += seconds * 1000;
      await emu.advanceClock(seconds);
    },
    deps: {
      env: { ...emu.env },
      keyring,
      reporter: { info: (m) => h.lines.push(`info: ${m}`), warn: (m) => h.lines.push(`warn: ${m}`), debug: () => undefined },
      now: () => Date.now() + offset,
      // The person answers in the browser while awsdir waits.
      sleep: async (ms) => {
        h.sleeps.push(ms);
        await browsing;
        await h.advance(ms / 1000);
      },
      lock: (name, fn) => withLock(name, fn, { dir: join(dir, 'locks') }),
      ui: {
        assertCanSignIn: (target) => {
          if (!h.canSignIn) throw new Error(`no terminal to sign in to ${target.name} on; run \`awsdir login ${target.name}\` in a terminal`);
        },
        show: (signIn) => {
          h.shown.push(signIn);
          browsing = h.browser(signIn);
          return Promise.resolve();
        },
      },
    },
  };
  return h;
}

const calls = async (): Promise<string[]> => (await emu.calls()).map((c) => `${c.action} ${c.code}`);
const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
};

describe('signing in', () => {
  test('registers awsdir, shows the code, polls after the interval and stores token and registration in the keychain only; the next call is served from it', async () => {
    const h = harness();
    const token = await ssoAccessToken(TARGET, h.deps);
    expect(token).toMatchObject({ sourceName: 'corp', startUrl: START_URL, region: 'eu-west-1', obtained: 'signed-in' });
    expect(token.expiresAt.getTime() - h.deps.now()).toBeGreaterThan(3500 * 1000);
    expect(h.sleeps).toEqual([30_000]);
    expect(h.shown).toEqual([
      {
        sourceName: 'corp',
        startUrl: START_URL,
        region: 'eu-west-1',
        userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
        verificationUri: `${emu.url}/device`,
        verificationUriComplete: `${emu.url}/device?user_code=${h.shown[0]!.userCode}`,
        expiresAt: expect.any(Date),
      },
    ]);
    expect(await calls()).toEqual(['RegisterClient OK', 'StartDeviceAuthorization OK', 'CreateToken OK']);
    const state = (await (await fetch(`${emu.url}/__emulator/sso`)).json()) as { clients: unknown[] };
    expect(state.clients).toEqual([expect.objectContaining({ clientName: 'awsdir', scopes: ['sso:account:access'] })]);

    const names = ssoEntryNames(TARGET, h.deps.env);
    expect(names.token).toMatch(/^sso-token\/[0-9a-f]{24}$/);
    expect(names.client).toMatch(/^sso-client\/[0-9a-f]{24}$/);
    expect((await h.keyring.list()).sort()).toEqual([names.client, names.token].sort());
    const stored = JSON.parse((await h.keyring.get(names.token))!) as { accessToken: string; refreshToken: string };
    expect(stored.accessToken).toBe(token.accessToken);
    expect(stored.refreshToken).toEqual(expect.any(String));
    // The keyring's files hold none of it in the clear.
    for (const f of readdirSync(join(h.dir, 'keyring'))) {
      const text = readFileSync(join(h.dir, 'keyring', f), 'latin1');
      expect(text.includes(token.accessToken) || text.includes(stored.refreshToken)).toBe(false);
    }

    await emu.clearCalls();
    const again = await ssoAccessToken(TARGET, h.deps);
    expect(again).toMatchObject({ accessToken: token.accessToken, obtained: 'cached' });
    expect(await calls()).toEqual([]);
    expect((await listSsoAccounts(again, h.deps)).map((a) => a.accountName)).toEqual(['acme-production', 'acme-development']);
  });

  test('keeps polling at the interval while the person has not answered, and waits 5 s longer after each slow_down', async () => {
    const h = harness();
    // The person confirms only during the third wait.
    h.browser = () => Promise.resolve();
    const sleep = h.deps.sleep;
    h.deps.sleep = async (ms) => {
      await sleep(ms);
      if (h.sleeps.length === 3) await alice(h.shown[0]!);
    };
    await emu.fault({ action: 'CreateToken', code: 'SlowDownException', status: 400, message: 'polled too fast' });
    const token = await ssoAccessToken(TARGET, h.deps);
    expect(token.obtained).toBe('signed-in');
    expect(h.sleeps).toEqual([30_000, 35_000, 35_000]);
    expect((await calls()).filter((c) => c.startsWith('CreateToken'))).toEqual([
      'CreateToken SlowDownException',
      'CreateToken AuthorizationPendingException',
      'CreateToken OK',
    ]);
  });

  test('a code that expires before it is confirmed is a clear error naming `awsdir login`, and no token is stored', async () => {
    const h = harness();
    h.browser = () => h.advance(601);
    const error = await failure(ssoAccessToken(TARGET, h.deps));
    expect(error.message).toMatch(
      /^sign-in to corp: the code [A-Z]{4}-[A-Z]{4} expired before it was confirmed in the browser \(codes last 10 minutes\), so nothing was stored; run `awsdir login corp` to get a new code$/,
    );
    expect(await h.keyring.get(ssoEntryNames(TARGET, h.deps.env).token)).toBeNull();
  });

  test('a request denied in the browser is a clear error, and no token is stored', async () => {
    const h = harness();
    h.browser = (s) => approve({ user: 'alice', user_code: s.userCode, deny: true });
    const error = await failure(ssoAccessToken(TARGET, h.deps));
    expect(error.message).toMatch(
      /^sign-in to corp: the request with code [A-Z]{4}-[A-Z]{4} was denied in the browser, so nothing was stored; run `awsdir login corp` to sign in again/,
    );
    expect(await h.keyring.get(ssoEntryNames(TARGET, h.deps.env).token)).toBeNull();
  });

  test('a start URL IAM Identity Center does not know is refused before anything is shown, naming the settings to check', async () => {
    const h = harness();
    let started = 0;
    const error = await failure(
      ssoAccessToken({ ...TARGET, startUrl: 'https://other.awsapps.com/start' }, h.deps, { started: async () => void (started += 1) }),
    );
    expect(error.message).toMatch(
      /^sign-in to corp: IAM Identity Center in eu-west-1 does not take the start URL https:\/\/other\.awsapps\.com\/start \(.*\); check sso_start_url and sso_region/,
    );
    expect({ started, shown: h.shown.length }).toEqual({ started: 0, shown: 0 });
    // Not even the registration made for it is kept.
    expect(await h.keyring.list()).toEqual([]);
  });

  test('ten at once under the lock: one sign-in shown, every caller gets its token', async () => {
    const h = harness();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => ssoAccessToken(TARGET, h.deps)));
    expect(h.shown).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(tokens.filter((t) => t.obtained === 'signed-in')).toHaveLength(1);
    expect((await calls()).filter((c) => c.startsWith('StartDeviceAuthorization'))).toHaveLength(1);
  });
});

describe('refreshing', () => {
  test('a token within 5 minutes of its end is refreshed with the refresh token, without the browser', async () => {
    const h = harness();
    const first = await ssoAccessToken(TARGET, h.deps);
    await h.advance(56 * 60);
    await emu.clearCalls();
    const token = await ssoAccessToken(TARGET, h.deps);
    expect(token.obtained).toBe('refreshed');
    expect(token.accessToken).not.toBe(first.accessToken);
    expect(h.shown).toHaveLength(1);
    expect(await calls()).toEqual(['CreateToken OK']);
    await expect(listSsoAccounts(token, h.deps)).resolves.toHaveLength(2);
  });

  test('a token the portal refused is refreshed, though it looks good here', async () => {
    const h = harness();
    const first = await ssoAccessToken(TARGET, h.deps);
    // The portal's clock says the token is over; awsdir's says it has an hour.
    await emu.advanceClock(3601);
    const refused = await failure(listSsoAccounts(first, h.deps));
    expect(refused.message).toBe(
      'ListAccounts: the access portal refused the sign-in of corp (ended, logged out, or expired); sign in again with `awsdir login corp`',
    );
    const token = await ssoAccessToken(TARGET, h.deps, { refused: first.accessToken });
    expect(token.obtained).toBe('refreshed');
    await expect(listSsoAccounts(token, h.deps)).resolves.toHaveLength(2);
  });

  test('a sign-in that ended needs the browser again; without a terminal that fails fast and the dead token is forgotten', async () => {
    const h = harness();
    await ssoAccessToken(TARGET, h.deps);
    // The portal session (8 hours by default) is over: the refresh token is refused.
    await h.advance(8 * 3600 + 1);
    h.canSignIn = false;
    await emu.clearCalls();
    const error = await failure(ssoAccessToken(TARGET, h.deps));
    expect(error.message).toBe('no terminal to sign in to corp on; run `awsdir login corp` in a terminal');
    expect(await calls()).toEqual(['CreateToken InvalidGrantException']);
    expect(await h.keyring.get(ssoEntryNames(TARGET, h.deps.env).token)).toBeNull();
    expect(h.sleeps).toEqual([30_000]);

    h.canSignIn = true;
    const token = await ssoAccessToken(TARGET, h.deps);
    expect(token.obtained).toBe('signed-in');
    expect(h.shown).toHaveLength(2);
  });
});

describe('accounts, roles and role credentials', () => {
  test('lists accounts and permission sets, and gets role credentials STS accepts; an unassigned one is refused in plain words', async () => {
    const h = harness();
    const token = await ssoAccessToken(TARGET, h.deps);
    expect(await listSsoAccounts(token, h.deps)).toEqual([
      { accountId: '222222222222', accountName: 'acme-production' },
      { accountId: '333333333333', accountName: 'acme-development' },
    ]);
    expect(await listSsoAccountRoles(token, '222222222222', h.deps)).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
    const credentials = await getSsoRoleCredentials(token, '222222222222', 'AdministratorAccess', h.deps);
    expect(credentials.expiration.getTime() - h.deps.now()).toBeGreaterThan(3500 * 1000);
    const sts = new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(
      /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/,
    );
    const refused = await failure(getSsoRoleCredentials(token, '333333333333', 'AdministratorAccess', h.deps));
    expect(refused.message).toMatch(
      /^GetRoleCredentials: the sign-in of corp has no access to permission set AdministratorAccess in account 333333333333 \(No access\); `awsdir login corp` lists the accounts it has/,
    );
  });
});

describe('logging out', () => {
  test('ends the sign-in at the portal and forgets token and registration; role credentials issued before stay good until they expire; again, it finds nothing', async () => {
    const h = harness();
    const token = await ssoAccessToken(TARGET, h.deps);
    const credentials = await getSsoRoleCredentials(token, '222222222222', 'ReadOnlyAccess', h.deps);
    await emu.clearCalls();
    expect(await ssoLogout(TARGET, h.deps)).toEqual({ signedIn: true, endedAtPortal: true });
    expect(await calls()).toEqual(['Logout OK']);
    expect(await h.keyring.list()).toEqual([]);
    await expect(listSsoAccounts(token, h.deps)).rejects.toThrow(/refused the sign-in of corp/);
    const sts = new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '222222222222' });
    expect(await ssoLogout(TARGET, h.deps)).toEqual({ signedIn: false, endedAtPortal: false });
  });

  test('an access token past its end is refreshed to log out, so the sign-in itself ends', async () => {
    const h = harness();
    await ssoAccessToken(TARGET, h.deps);
    await h.advance(3601);
    await emu.clearCalls();
    expect(await ssoLogout(TARGET, h.deps)).toEqual({ signedIn: true, endedAtPortal: true });
    expect(await calls()).toEqual(['CreateToken OK', 'Logout OK']);
    const sessions = ((await (await fetch(`${emu.url}/__emulator/sso`)).json()) as { sessions: Array<{ loggedOut: boolean }> }).sessions;
    expect(sessions).toEqual([expect.objectContaining({ loggedOut: true })]);
  });
});

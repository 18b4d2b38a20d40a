/**
 * Faults, each tried on the built CLI against the emulator with a real gnome-keyring in a private
 * HOME. After every fault: the cached role session that worked before is still exported, unchanged
 * and without an AWS call, and no secret sits in any file under HOME or the temp directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/cli';
import { keychainEntries, startPrivateKeychain } from '../support/privateKeychain';
import { filesHolding, sessionOf } from '../support/secrets';
import { makeWorld, useWorld } from '../support/world';

jest.setTimeout(120_000);

const world = useWorld('faults', { privateKeychain: true, source: 'faults' });
let production: string;
let before: { secretAccessKey: string; accessKeyId: string; sessionToken: string };

const sts = async (): Promise<string[]> => (await world.emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);

/** Every later export in this file refreshes the role session: `refresh_window` covers its whole hour. */
function forceRefresh(on: boolean): void {
  world.writeUserFile(on ? 'refresh_window: 1h\n' : '');
}

/** The session cached before the fault is still there: exported as it was, with no AWS call. */
async function expectIntact(): Promise<void> {
  forceRefresh(false);
  await world.emu.clearCalls();
  const r = await world.exportIn(production);
  expect({ exit: r.exitCode, stderr: r.stderr }).toEqual({ exit: 0, stderr: expect.stringContaining('production · admin @ 222222222222') });
  expect(sessionOf(r.stdout)).toEqual(before);
  expect(await sts()).toEqual([]);
  expect(filesHolding([world.home, world.tmp], world.secrets)).toEqual([]);
}

beforeAll(async () => {
  production = world.writeProject(
    'production',
    'role: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: ap-northeast-1\nlabel: production\n',
  );
  await world.allow(production);
  const first = await world.exportIn(production, { AWSDIR_MFA_CODE: await world.emu.totp() });
  expect(first.exitCode).toBe(0);
  before = sessionOf(first.stdout);
  world.secrets.add(before.secretAccessKey).add(before.sessionToken);
});

afterEach(async () => {
  await world.emu.clearFaults();
  forceRefresh(false);
});

describe('STS answers badly', () => {
  test('throttling is retried; three refusals are a clear error and the cached session survives', async () => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', code: 'Throttling', status: 400, message: 'Rate exceeded', count: 3 });
    await world.emu.clearCalls();
    const r = await world.exportIn(production);
    expect(r.stderr).toBe('awsdir: AssumeRole: AWS is throttling requests (rate exceeded); wait a few seconds and try again\n');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const calls = (await world.emu.calls()).filter((c) => c.service === 'sts');
    // The pauses between them are the SDK's, drawn at random from zero up (full jitter): no length
    // of them can be promised, so none is asserted.
    expect(calls.map((c) => `${c.action}:${c.code}`)).toEqual(['AssumeRole:Throttling', 'AssumeRole:Throttling', 'AssumeRole:Throttling']);
    await expectIntact();
  });

  test('throttling twice, then an answer: the third attempt succeeds and nothing is said about it', async () => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', code: 'Throttling', status: 400, count: 2 });
    await world.emu.clearCalls();
    const r = await world.exportIn(production);
    expect(r.exitCode).toBe(0);
    expect(await sts()).toEqual(['AssumeRole:Throttling', 'AssumeRole:Throttling', 'AssumeRole:OK']);
    const fresh = sessionOf(r.stdout);
    expect(fresh.accessKeyId).not.toBe(before.accessKeyId);
    world.secrets.add(fresh.secretAccessKey).add(fresh.sessionToken);
    before = fresh;
    await expectIntact();
  });

  test.each([
    [500, 'InternalFailure'],
    [503, 'ServiceUnavailable'],
  ])('HTTP %i (%s) is retried three times, then a clear error; the cached session survives', async (status, code) => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', code, status, count: 3 });
    await world.emu.clearCalls();
    const r = await world.exportIn(production);
    expect(r.stderr).toMatch(new RegExp(`^awsdir: AssumeRole failed: ${code}: .*; rerun with AWSDIR_DEBUG=1 for details\\n$`));
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(await sts()).toEqual([`AssumeRole:${code}`, `AssumeRole:${code}`, `AssumeRole:${code}`]);
    await expectIntact();
  });

  test.each([
    ['cut in half', { truncate: true }],
    ['dropped without an answer', { drop: true }],
  ])('a response %s: retried, then an error naming the endpoint; the cached session survives', async (_, fault) => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', ...fault, count: 3 });
    await world.emu.clearCalls();
    const r = await world.exportIn(production);
    expect(r.stderr).toMatch(
      /^awsdir: AssumeRole: could not reach http:\/\/127\.0\.0\.1:\d+ \(.+\); check the network, or AWS_ENDPOINT_URL_STS \/ AWS_ENDPOINT_URL if you set one\n$/,
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect((await sts()).length).toBe(3);
    await expectIntact();
  });

  test('STS that never answers: every attempt gives up at the client timeout, then a clear error; the cached session survives', async () => {
    forceRefresh(true);
    await world.emu.fault({ action: 'AssumeRole', hang: true, count: 3 });
    await world.emu.clearCalls();
    // A one-second timeout instead of the default five: the test is that the client gives up by
    // itself, which the default would show as well, only three times five seconds later.
    const r = await world.exportIn(production, { AWSDIR_AWS_TIMEOUT_MS: '1000' }, 30_000);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/^awsdir: AssumeRole: could not reach http:\/\/127\.0\.0\.1:\d+ \(.+\); check the network/);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(await sts()).toEqual(['AssumeRole:Hung', 'AssumeRole:Hung', 'AssumeRole:Hung']);
    await expectIntact();
  });

  test('connection refused: a clear error naming the endpoint; the cached session survives', async () => {
    const port = await closedPort();
    forceRefresh(true);
    const url = `http://127.0.0.1:${port}`;
    // Sessions are cached per endpoint: this one has none, so the first call is GetSessionToken.
    const r = await world.exportIn(production, { AWS_ENDPOINT_URL: url, AWS_ENDPOINT_URL_STS: url, AWSDIR_MFA_CODE: await world.emu.totp() });
    expect(r.stderr).toBe(
      `awsdir: GetSessionToken: could not reach ${url} (ECONNREFUSED); check the network, or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if you set one\n`,
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    await expectIntact();
  });

  test('the STS clock 20 minutes off either way: the SDK corrects its clock from the Date header and retries once', async () => {
    for (const skewSeconds of [1200, -1200]) {
      await world.emu.skewClock(skewSeconds);
      forceRefresh(true);
      await world.emu.clearCalls();
      const r = await world.exportIn(production);
      expect({ skewSeconds, exit: r.exitCode, stderr: r.stderr }).toEqual({ skewSeconds, exit: 0, stderr: expect.stringContaining('production · admin') });
      expect(await sts()).toEqual(['AssumeRole:SignatureDoesNotMatch', 'AssumeRole:OK']);
      const fresh = sessionOf(r.stdout);
      world.secrets.add(fresh.secretAccessKey).add(fresh.sessionToken);
      before = fresh;
    }
    await world.emu.skewClock(0);
    await expectIntact();
  });
});

describe('the keychain misbehaves', () => {
  test('a Secret Service that never answers: an error within the deadline, nothing exported; the real keychain is untouched', async () => {
    const silent = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-silent-')), { silent: true });
    try {
      // Ended by itself well before D-Bus's own 25-second timeout, let alone never.
      const r = await world.exportIn(production, silent.env, 20_000);
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe(
        'awsdir: keychain: the Secret Service (org.freedesktop.secrets) did not answer within 3 s; unlock your keyring or start gnome-keyring-daemon, or set AWSDIR_KEYRING=file\n',
      );
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
    } finally {
      await silent.stop();
    }
    await expectIntact();
  });

  test('gnome-keyring aborts and is started again: the next exports, a hit and a refresh, wait for it and go on', async () => {
    // As gnome-keyring's own fatal errors do (SIGABRT); the session starts it again, unlocked.
    world.keychain!.crash();
    const hit = await world.exportIn(production);
    expect({ exit: hit.exitCode, stderr: hit.stderr }).toEqual({ exit: 0, stderr: expect.stringMatching(/^awsdir: production · admin @ 222222222222 .*\n$/) });
    expect(sessionOf(hit.stdout)).toEqual(before);
    // A refresh writes the new role session: a write made while the daemon is away goes through too.
    forceRefresh(true);
    world.keychain!.crash();
    const refreshed = await world.exportIn(production);
    expect({ exit: refreshed.exitCode, stderr: refreshed.stderr }).toEqual({
      exit: 0,
      stderr: expect.stringMatching(/^awsdir: production · admin @ 222222222222 .*\n$/),
    });
    const got = sessionOf(refreshed.stdout);
    world.secrets.add(got.secretAccessKey).add(got.sessionToken);
    expect(got.accessKeyId).not.toBe(before.accessKeyId);
    forceRefresh(false);
    await world.emu.clearCalls();
    const next = await world.exportIn(production);
    expect(sessionOf(next.stdout)).toEqual(got);
    expect(await sts()).toEqual([]);
    before = got;
  });

  test('the keychain locks between the write probe and the write: the spent MFA code still yields credentials, nothing half-written', async () => {
    await world.addSource('faults-locked');
    const dir = world.writeProject('locked', 'role: arn:aws:iam::333333333333:role/admin\nregion: eu-west-1\nlabel: locked\n', 'faults-locked');
    await world.allow(dir);
    // The moment STS receives GetSessionToken (after awsdir proved it can write), the screen locks.
    const world0 = world.emu.emulator.world as unknown as { takeFault: (action: string) => unknown };
    const original = world0.takeFault.bind(world0);
    let locked = false;
    world0.takeFault = (action: string) => {
      if (action === 'GetSessionToken' && !locked) {
        world.keychain!.lock();
        locked = true;
      }
      return original(action);
    };
    await world.emu.clearCalls();
    try {
      const r = await world.exportIn(dir, { AWSDIR_MFA_CODE: await world.emu.totp() });
      expect(locked).toBe(true);
      expect(await sts()).toEqual(['GetSessionToken:OK', 'AssumeRole:OK']);
      expect(r.stderr).toMatch(/could not cache the MFA session/);
      expect(r.stderr).toContain('locked · admin @ 333333333333');
      expect(r.exitCode).toBe(0);
      const got = sessionOf(r.stdout);
      world.secrets.add(got.secretAccessKey).add(got.sessionToken);
    } finally {
      world0.takeFault = original;
      // Unlocking needs a prompter this machine has not got: restart the daemon on the same keyring.
      await world.restartKeychain();
    }
    // Nothing of the locked-out sessions was stored, and every entry there is whole.
    const entries = keychainEntries(world.env);
    for (const [name, value] of entries) if (name.startsWith('role/') || name.startsWith('mfa-session/')) expect(JSON.parse(value)).toMatchObject({ v: 1 });
    const status = await world.run(['status', '--json'], { cwd: dir });
    expect(status.stdout).not.toMatch(/"kind":\s*"mfa-session"[^}]*faults-locked/);
    await expectIntact();
  });
});

describe('processes die and disks fill', () => {
  test('SIGKILL at any moment of refreshing exports: every entry stays whole, no lock is left behind, the next export works', async () => {
    forceRefresh(true);
    for (let i = 0; i < 12; i++) {
      await killDuring(production, world.env, 120 + i * 45);
    }
    for (const [name, value] of keychainEntries(world.env)) {
      if (name.startsWith('role/') || name.startsWith('mfa-session/')) expect({ name, v: (JSON.parse(value) as { v: number }).v }).toEqual({ name, v: 1 });
    }
    const r = await world.exportIn(production);
    expect(r.exitCode).toBe(0);
    // The locks the killed processes held name dead processes: taken over, never waited for.
    expect(r.stderr).not.toContain('waiting for another awsdir');
    const fresh = sessionOf(r.stdout);
    world.secrets.add(fresh.secretAccessKey).add(fresh.sessionToken);
    for (const value of keychainEntries(world.env).values()) {
      const v = JSON.parse(value) as { secretAccessKey?: string; sessionToken?: string };
      if (v.secretAccessKey) world.secrets.add(v.secretAccessKey);
      if (v.sessionToken) world.secrets.add(v.sessionToken);
    }
    forceRefresh(false);
    const again = await world.exportIn(production);
    before = sessionOf(again.stdout);
    await expectIntact();
  });

  test('the file keyring: SIGKILL during refreshes leaves every entry decryptable; a full disk is a clear error and the old entry survives', async () => {
    const fileWorld = await makeWorld('faults-file', {
      emu: world.emu,
      source: 'faults-file',
      keyring: 'file',
      env: { AWSDIR_FILE_PASSPHRASE: 'correct horse battery' },
    });
    const dir = fileWorld.writeProject('filed', 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: filed\n', 'faults-file');
    await fileWorld.allow(dir);
    const first = await fileWorld.exportIn(dir, { AWSDIR_MFA_CODE: await world.emu.totp() });
    expect(first.exitCode).toBe(0);
    fileWorld.secrets.add(sessionOf(first.stdout).secretAccessKey);
    fileWorld.writeUserFile('refresh_window: 1h\n');
    for (let i = 0; i < 12; i++) {
      await killDuring(dir, fileWorld.env, 150 + i * 60);
    }
    fileWorld.writeUserFile('');
    const after = await fileWorld.exportIn(dir);
    expect(after.exitCode).toBe(0);
    const kept = sessionOf(after.stdout);
    fileWorld.secrets.add(kept.secretAccessKey).add(kept.sessionToken);
    const status = await fileWorld.run(['status', '--json'], { cwd: dir });
    expect(status.exitCode).toBe(0);
    expect(status.stdout).not.toContain('malformed');
    expect(filesHolding([fileWorld.home, fileWorld.tmp], fileWorld.secrets)).toEqual([]);

    if (process.getuid?.() !== 0) {
      process.stderr.write('faults: SKIPPED the disk-full case: mounting a small tmpfs needs root\n');
      return;
    }
    // The keyring directory on a 256 KiB tmpfs, then filled.
    const keyringDir = join(fileWorld.home, '.local', 'share', 'awsdir', 'keyring');
    const saved = mkdtempSync(join(tmpdir(), 'awsdir-keyring-copy-'));
    spawnSync('cp', ['-a', `${keyringDir}/.`, saved]);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', keyringDir]);
    if (mounted.status !== 0) {
      process.stderr.write(`faults: SKIPPED the disk-full case: cannot mount tmpfs (${mounted.stderr.toString().trim()})\n`);
      return;
    }
    try {
      spawnSync('cp', ['-a', `${saved}/.`, keyringDir]);
      let n = 0;
      try {
        for (; ; n++) writeFileSync(join(keyringDir, `.filler-${n}`), Buffer.alloc(4096, 1));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      fileWorld.writeUserFile('refresh_window: 1h\n');
      await world.emu.clearCalls();
      const full = await fileWorld.exportIn(dir);
      // AWS answered; storing failed. The person still gets this session, and hears why it was not kept.
      expect(full.stderr).toMatch(/could not cache the role session \(file keyring: the disk is full \(ENOSPC\)/);
      expect(full.exitCode).toBe(0);
      fileWorld.secrets.add(sessionOf(full.stdout).secretAccessKey);
      expect(readdirSync(keyringDir).filter((f) => f.startsWith('.tmp'))).toEqual([]);
      fileWorld.writeUserFile('');
      const back = await fileWorld.exportIn(dir);
      expect(back.exitCode).toBe(0);
      expect(sessionOf(back.stdout)).toEqual(kept);
    } finally {
      spawnSync('umount', [keyringDir]);
      rmSync(saved, { recursive: true, force: true });
    }
    expect(statSync(fileWorld.home).isDirectory()).toBe(true);
  });
});

describe('sessions expire', () => {
  // Last: it moves the emulator's clock past every session issued so far.
  test('an MFA session that STS calls expired is replaced with one new code; the role session cached locally is untouched', async () => {
    const dir = world.writeProject('expired', 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: expired\n');
    await world.allow(dir);
    await world.emu.advanceClock(13 * 3600);
    await world.emu.clearCalls();
    const without = await world.exportIn(dir);
    expect(without.stderr).toMatch(/AWSDIR_MFA_CODE/);
    expect(without.exitCode).toBe(1);
    // The refused MFA session is proven bad and removed even though no new one could be fetched.
    expect(await sts()).toEqual(['AssumeRole:ExpiredToken']);
    await world.emu.clearCalls();
    const r = await world.exportIn(dir, { AWSDIR_MFA_CODE: await world.emu.totp() });
    expect(r.exitCode).toBe(0);
    expect(await sts()).toEqual(['GetSessionToken:OK', 'AssumeRole:OK']);
    const got = sessionOf(r.stdout);
    world.secrets.add(got.secretAccessKey).add(got.sessionToken);
    await expectIntact();
  });
});

/** Starts a refreshing export and SIGKILLs it after `ms` (if it has not finished by then). */
async function killDuring(cwd: string, env: Record<string, string>, ms: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'export'], { cwd, env, stdio: 'ignore' });
  const closed = new Promise((r) => child.once('close', r));
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await closed;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/cli';
import { keyringHarness } from '../support/keyringHarness';
import { createFileKeyring } from '../../src/keyring/fileKeyring';
import { createOsKeyring } from '../../src/keyring/osKeyring';
import { openKeyring } from '../../src/keyring/openKeyring';

const BUS_WITHOUT_SERVICES = join(ROOT, 'test/fakes/sessionBusWithoutServices.conf');
const SILENT_SERVICE = join(ROOT, 'test/fakes/silentSecretService.cjs');
const reporter = { info: () => {}, warn: () => {}, debug: () => {} };
const unique = `${process.pid}-${Date.now()}`;

interface HarnessResult {
  ok?: unknown;
  error?: string;
  kind?: string;
  ms: number;
  stderr: string;
}

/** Runs the harness in a child process; `wrap` puts a command (e.g. a private bus) in front. */
function harness(args: string[], env: Record<string, string | undefined>, wrap: string[] = []): Promise<HarnessResult> {
  const command = [...wrap, process.execPath, keyringHarness(), ...args];
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), ...env })) if (v !== undefined) childEnv[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ ...JSON.parse(stdout), stderr });
      } catch {
        reject(new Error(`harness printed ${JSON.stringify(stdout)}; stderr ${stderr}`));
      }
    });
  });
}

const busEnv = () => ({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR });

describe('os backend on the real Secret Service (gnome-keyring)', () => {
  beforeAll(() => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run these tests with scripts/with-keychain.sh: no session bus');
  });

  const os = () => createOsKeyring({ env: process.env, platform: 'linux', node: process.execPath });

  test('set, get, list and delete round-trip, with unicode values', async () => {
    const keyring = os();
    const name = `role/test-${unique}`;
    const value = JSON.stringify({ v: 1, secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY 日本語 ✓ "quotes" \\ \n newline' });
    expect(await keyring.get(name)).toBeNull();
    await keyring.set(name, value);
    expect(await keyring.get(name)).toBe(value);
    await keyring.set(name, `${value}-2`);
    expect(await keyring.get(name)).toBe(`${value}-2`);
    expect(await keyring.list()).toContain(name);
    expect(await keyring.delete(name)).toBe(true);
    expect(await keyring.delete(name)).toBe(false);
    expect(await keyring.get(name)).toBeNull();
    expect(await keyring.list()).not.toContain(name);
  });

  test('entries survive into a new process; probeWrite leaves no entry behind', async () => {
    const name = `source/survive-${unique}`;
    expect((await harness(['os', 'set', name], { ...busEnv(), VALUE: 'kept ✓' })).ok).toBeNull();
    expect((await harness(['os', 'get', name], busEnv())).ok).toBe('kept ✓');
    await os().probeWrite();
    const names = (await harness(['os', 'list'], busEnv())).ok as string[];
    expect(names).toContain(name);
    expect(names.filter((n) => n.startsWith('probe/'))).toEqual([]);
    expect((await harness(['os', 'delete', name], busEnv())).ok).toBe(true);
  });

  test('auto picks the OS keychain when it can write, and records the pick', async () => {
    const picks: string[] = [];
    const keyring = await openKeyring({ env: process.env, preference: 'auto', recordPick: (b) => void picks.push(b), reporter });
    expect(keyring.backend).toBe('os');
    expect(picks).toEqual(['os']);
    // A recorded pick (or AWSDIR_KEYRING) opens without probing and records nothing.
    const again = await openKeyring({ env: { ...process.env, AWSDIR_KEYRING: 'os' }, preference: 'auto', recordPick: (b) => void picks.push(b), reporter });
    expect(again.backend).toBe('os');
    expect(picks).toEqual(['os']);
  });
});

describe('os backend when the Secret Service cannot be used', () => {
  test('no session bus: a clear error naming the fix, never a silent null, and probeWrite fails', async () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: undefined };
    for (const op of [['get', 'role/x'], ['probe'], ['list']]) {
      const result = await harness(['os', ...op], env);
      expect(result.kind).toBe('failure');
      expect(result.error).toMatch(/^keychain: no D-Bus session bus .*AWSDIR_KEYRING=file$/);
    }
  });

  test('a bus where no Secret Service exists: a clear error, and probeWrite fails', async () => {
    const wrap = ['dbus-run-session', `--config-file=${BUS_WITHOUT_SERVICES}`, '--'];
    for (const op of [['get', 'role/x'], ['probe']]) {
      const result = await harness(['os', ...op], {}, wrap);
      expect(result.kind).toBe('failure');
      expect(result.error).toMatch(/^keychain: no Secret Service \(org\.freedesktop\.secrets\) runs on this session bus; start gnome-keyring-daemon/);
    }
  });

  test('a locked keyring answers get with null, but probeWrite fails before anything is asked', async () => {
    // The stock session bus starts gnome-keyring on demand; with no password given, its login
    // collection stays locked, exactly like a desktop keyring nobody unlocked.
    const scratch = mkdtempSync(join(tmpdir(), 'awsdir-locked-'));
    mkdirSync(join(scratch, 'runtime'), { mode: 0o700 });
    const env = { XDG_DATA_HOME: join(scratch, 'data'), XDG_RUNTIME_DIR: join(scratch, 'runtime'), HOME: scratch };
    const wrap = ['dbus-run-session', '--'];
    const get = await harness(['os', 'get', 'role/x'], env, wrap);
    expect(get.ok).toBeNull();
    const probe = await harness(['os', 'probe'], env, wrap);
    expect(probe.kind).toBe('failure');
    expect(probe.error).toMatch(/^keychain: cannot store an entry .*locked.*AWSDIR_KEYRING=file$/);
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a Secret Service that never answers is an error within the deadline, not a hang', async () => {
    const wrap = [
      'dbus-run-session',
      `--config-file=${BUS_WITHOUT_SERVICES}`,
      '--',
      'bash',
      '-c',
      // Up to 30 s for the fake to own its name: a node start took over 5 s on a machine running 200 awsdir processes.
      `node ${SILENT_SERVICE} > "$0.ready" & fake=$!; for _ in $(seq 600); do grep -q ready "$0.ready" 2>/dev/null && break; sleep 0.05; done; "$@"; rc=$?; kill $fake; exit $rc`,
      join(mkdtempSync(join(tmpdir(), 'awsdir-silent-')), 'fake'),
    ];
    for (const op of [['get', 'role/x'], ['probe'], ['list']]) {
      const result = await harness(['os', ...op], {}, wrap);
      expect(result.kind).toBe('failure');
      // list starts a child process first, and gets five seconds more for that.
      expect(result.error).toBe(
        `keychain: the Secret Service (org.freedesktop.secrets) did not answer within ${op[0] === 'list' ? 8 : 3} s; unlock your keyring or start gnome-keyring-daemon, or set AWSDIR_KEYRING=file`,
      );
      // A deadline of awsdir's own, not D-Bus's 25-second timeout or keytar's 50 (let alone never):
      // a bound that far above the 3 s holds however busy the machine is.
      expect(result.ms).toBeLessThan(20_000);
    }
  }, 60000);
});

describe('file backend', () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'awsdir-filekeyring-')), 'keyring');
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  test('round trip; 0600 files in a 0700 directory; neither names nor values readable on disk', async () => {
    const dir = fresh();
    const keyring = createFileKeyring({ dir, passphrase: 'correct horse', scryptN: 1024 });
    await keyring.set('source/default', JSON.stringify({ secretAccessKey: SECRET }));
    await keyring.set('role/abc', '日本語 ✓');
    expect(await keyring.get('source/default')).toBe(JSON.stringify({ secretAccessKey: SECRET }));
    expect(await keyring.get('role/abc')).toBe('日本語 ✓');
    expect(await keyring.get('role/none')).toBeNull();
    expect(await keyring.list()).toEqual(['role/abc', 'source/default']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files.sort()).toEqual(expect.arrayContaining(['verifier.json']));
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      // A hash or the verifier, nothing else: a random hex name may well contain `abc` by chance.
      expect(file).toMatch(/^(?:[0-9a-f]{64}\.entry|verifier\.json)$/);
      const bytes = readFileSync(join(dir, file));
      for (const needle of [SECRET, 'secretAccessKey', 'source/default', 'role/abc', '日本語']) expect(bytes.includes(needle)).toBe(false);
    }
    expect(await keyring.delete('role/abc')).toBe(true);
    expect(await keyring.delete('role/abc')).toBe(false);
    expect(await keyring.list()).toEqual(['source/default']);
    // A new process (a new key derivation) reads what this one wrote.
    const other = createFileKeyring({ dir, passphrase: 'correct horse' });
    expect(await other.get('source/default')).toContain(SECRET);
  });

  test('a wrong passphrase is an error that touches nothing', async () => {
    const dir = fresh();
    await createFileKeyring({ dir, passphrase: 'right', scryptN: 1024 }).set('role/a', 'old');
    const before = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8'), statSync(join(dir, f)).mtimeMs]);
    const wrong = createFileKeyring({ dir, passphrase: 'wrong' });
    for (const attempt of [
      () => wrong.get('role/a'),
      () => wrong.set('role/a', 'new'),
      () => wrong.delete('role/a'),
      () => wrong.list(),
      () => wrong.probeWrite(),
    ]) {
      await expect(attempt()).rejects.toMatchObject({
        kind: 'failure',
        message: expect.stringMatching(/^file keyring: wrong passphrase for .*nothing was changed; check AWSDIR_FILE_PASSPHRASE/),
      });
    }
    expect(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8'), statSync(join(dir, f)).mtimeMs])).toEqual(before);
    expect(await createFileKeyring({ dir, passphrase: 'right' }).get('role/a')).toBe('old');
  });

  test('no passphrase and no terminal: an error naming AWSDIR_FILE_PASSPHRASE; a prompt is asked twice on creation', async () => {
    const dir = fresh();
    await expect(createFileKeyring({ dir }).get('x')).rejects.toThrow(
      /^file keyring: no passphrase and no terminal to ask for one; set AWSDIR_FILE_PASSPHRASE$/,
    );
    const prompts: string[] = [];
    const ask = async (p: string) => (prompts.push(p), 'typed');
    await createFileKeyring({ dir, promptPassphrase: ask, scryptN: 1024 }).set('a', 'b');
    expect(prompts).toEqual([expect.stringMatching(/^New passphrase/), 'Repeat the passphrase: ']);
    prompts.length = 0;
    expect(await createFileKeyring({ dir, promptPassphrase: ask }).get('a')).toBe('b');
    expect(prompts).toEqual([expect.stringMatching(/^Passphrase for the awsdir file keyring/)]);
  });

  test('a process SIGKILLed in the middle of many writes leaves every entry decryptable, old or new', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'awsdir-kill-'));
    const env = { XDG_DATA_HOME: scratch, HOME: scratch, AWSDIR_FILE_PASSPHRASE: 'pw' };
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawn(process.execPath, [keyringHarness(), 'file', 'churn', 'role/e', '20'], {
        env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 300 + attempt * 137));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
    }
    const keyring = createFileKeyring({ dir: join(scratch, 'awsdir', 'keyring'), passphrase: 'pw' });
    const names = await keyring.list();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(await keyring.get(name)).toMatch(/^value-\d+-round-\d+-x{2000}$/);
    // The temp files the killed writers left were swept when the keyring was opened.
    expect(readdirSync(join(scratch, 'awsdir', 'keyring')).filter((f) => f.startsWith('.tmp'))).toEqual([]);
  }, 60000);

  test('disk full (ENOSPC) on write: a clear error, and the old entry is intact', async () => {
    if (process.getuid?.() !== 0) {
      console.warn('skipped: mounting a tiny tmpfs to fill needs root');
      return;
    }
    const mount = mkdtempSync(join(tmpdir(), 'awsdir-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    if (mounted.status !== 0) {
      console.warn(`skipped: cannot mount tmpfs here (${mounted.stderr.toString().trim()})`);
      return;
    }
    try {
      const dir = join(mount, 'keyring');
      const keyring = createFileKeyring({ dir, passphrase: 'pw', scryptN: 1024 });
      await keyring.set('role/a', 'old value');
      let filler = 0;
      try {
        for (; ; filler++) writeFileSync(join(mount, `filler-${filler}`), Buffer.alloc(4096, 1));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      await expect(keyring.set('role/a', 'new value '.repeat(2000))).rejects.toThrow(
        /^file keyring: the disk is full \(ENOSPC\) in .*; the previous value of every entry is intact; free some space/,
      );
      expect(await keyring.get('role/a')).toBe('old value');
      expect(readdirSync(dir).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    } finally {
      spawnSync('umount', [mount]);
    }
  });

  test('auto falls back to the file keyring when the OS keychain cannot write, and records that pick', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'awsdir-auto-'));
    const env = { HOME: scratch, XDG_DATA_HOME: scratch, AWSDIR_FILE_PASSPHRASE: 'pw' };
    const picks: string[] = [];
    const keyring = await openKeyring({ env, preference: 'auto', recordPick: (b) => void picks.push(b), reporter });
    expect(keyring.backend).toBe('file');
    expect(picks).toEqual(['file']);
    // Neither works: nothing is recorded, and the message names both failures.
    const none = openKeyring({
      env: { HOME: scratch, XDG_DATA_HOME: join(scratch, 'other') },
      preference: 'auto',
      recordPick: (b) => void picks.push(b),
      reporter,
    });
    await expect(none).rejects.toThrow(/^no usable keyring: the OS keychain failed \(keychain: no D-Bus session bus.*AWSDIR_FILE_PASSPHRASE/);
    expect(picks).toEqual(['file']);
    await expect(openKeyring({ env: { AWSDIR_KEYRING: 'vault' }, preference: 'auto', recordPick: () => {}, reporter })).rejects.toMatchObject({
      kind: 'config',
    });
  });
});

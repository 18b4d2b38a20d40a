/**
 * The credential server attacked from the same machine, on the built CLI against the emulator and a
 * private gnome-keyring: `export --server` (the per-user server) and `exec --server`, used by the
 * real AWS CLI, while a poller reads /proc/<pid>/cmdline of every process; another local user
 * (`nobody`) who can reach 127.0.0.1 but has no token; and every file left behind. The token, the
 * MFA code and every session secret must be in no command line, no file and no log, and nobody
 * else may register a directory or learn a token.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, type CliResult } from '../support/cli';
import { watchCommandLines } from '../support/commandLines';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { createWorld, filesHolding, SERIAL, walk, type AwsdirWorld } from './awsdirWorld';
import { startPrivateKeychain, type PrivateKeychain } from '../support/privateKeychain';

jest.setTimeout(180_000);

const ARN = 'arn:aws:sts::222222222222:assumed-role/admin/flow';
const PROBE = join(ROOT, 'test', 'support', 'serverProbe.cjs');

let emu: TestEmulator;
let keychain: PrivateKeychain;
let world: AwsdirWorld | undefined;

beforeAll(async () => {
  emu = await startTestEmulator();
  keychain = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-server-keychain-')));
});

afterAll(async () => {
  if (world) await world.run(['server', 'stop']).catch(() => undefined);
  await keychain?.stop();
  await emu?.close();
});

// Command lines of this flow's processes, and the environment of the awsdir server.
const startPoller = (): Promise<() => Promise<Map<string, string>>> => watchCommandLines(keychain.env.DBUS_SESSION_BUS_ADDRESS!, / server run /);

/** Runs `node -e SCRIPT` as the local user nobody, with only the given environment. */
function asNobody(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, '-e', script], {
    encoding: 'utf8',
    cwd: '/',
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function exportsOf(r: CliResult): Record<string, string> {
  const vars = JSON.parse(r.stdout) as Record<string, string | null>;
  return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== null));
}

test('no token, code or secret in any command line, file or log; another local user gets 401/403 and no way in', async () => {
  const stopPoller = await startPoller();
  world = await createWorld(emu, { prefix: 'awsdir-srvhard-', source: 'known', env: { ...keychain.env, AWSDIR_DEBUG: '1' } });
  const w = world;
  const dir = w.project('flow', 'role: arn:aws:iam::222222222222:role/admin\naccount: "222222222222"\nregion: ap-northeast-1\nlabel: flow\n');
  await w.allow(dir);
  const code = await emu.totp(SERIAL);

  const exported = await w.run(['export', '--server', '--shell', 'json'], { cwd: dir, env: { AWSDIR_MFA_CODE: code } });
  expect({ exit: exported.exitCode, stderr: exported.stderr.includes('renewed by the awsdir server') }).toEqual({ exit: 0, stderr: true });
  const vars = exportsOf(exported);
  const token = vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!;
  const uri = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
  const shellEnv = { ...w.env, ...vars, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  const aws = ['sts', 'get-caller-identity', '--endpoint-url', emu.url, '--query', 'Arn', '--output', 'text'];
  const viaServer = await runProcess('/usr/bin/aws', aws, { env: shellEnv, cwd: dir, timeoutMs: 30_000 });
  expect(viaServer.stdout.trim()).toBe(ARN);
  const probe = JSON.parse((await runProcess(process.execPath, [PROBE], { env: shellEnv })).stdout) as Record<string, { status: number; body: string }>;
  expect(Object.fromEntries(Object.entries(probe).map(([k, v]) => [k, v.status]))).toEqual({
    right: 200,
    none: 401,
    wrongToken: 403,
    bearer: 403,
    wrongPath: 404,
    post: 405,
    rebound: 403,
  });
  const served = JSON.parse(probe.right!.body) as Record<string, string>;
  const execToken = await w.run(['exec', '--server', '--', 'sh', '-c', 'printf %s "$AWS_CONTAINER_AUTHORIZATION_TOKEN"'], { cwd: dir });
  const execed = await w.run(['exec', '--server', '--', '/usr/bin/aws', ...aws], {
    cwd: dir,
    env: { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    timeoutMs: 30_000,
  });
  expect(execed.stdout.trim()).toBe(ARN);

  // Another user of the machine: the path to the server's files is open to them up to its own 0700
  // directory; the port is open to anyone on 127.0.0.1.
  const stateDir = join(w.home, '.local', 'state', 'awsdir');
  for (const d of [w.home, join(w.home, '.local'), join(w.home, '.local', 'state'), stateDir]) chmodSync(d, 0o755);
  const serverDir = join(stateDir, 'server');
  const other = asNobody(
    `const fs = require('fs'); const net = require('net'); const out = {};
     for (const f of ['server.json', 'server.log']) { try { fs.readFileSync(process.env.DIR + '/' + f); out[f] = 'read'; } catch (e) { out[f] = e.code; } }
     const c = net.connect(process.env.DIR + '/server.sock');
     c.on('connect', () => { out.socket = 'connected'; c.end(); done(); });
     c.on('error', (e) => { out.socket = e.code; done(); });
     function done() {
       Promise.all([fetch(process.env.URI), fetch(process.env.URI, { headers: { Authorization: 'guess' } })])
         .then(async ([a, b]) => { out.noToken = a.status; out.guess = b.status; out.body = await b.text(); console.log(JSON.stringify(out)); });
     }`,
    { DIR: serverDir, URI: uri },
  );
  expect(other.stderr).toBe('');
  const seenByOther = JSON.parse(other.stdout) as Record<string, string | number>;
  expect(seenByOther).toMatchObject({ 'server.json': 'EACCES', 'server.log': 'EACCES', socket: 'EACCES', noToken: 401, guess: 403 });
  expect(seenByOther.body).not.toContain(served.SecretAccessKey);

  const stopped = await w.run(['server', 'stop']);
  expect(stopped.exitCode).toBe(0);
  const seen = await stopPoller();

  const secrets = new Set([token, execToken.stdout, served.SecretAccessKey!, served.Token!, emu.keys('alice').secretAccessKey]);
  expect(execToken.stdout).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  const lines = [...seen.keys()];
  // The poller saw the server start, so it was watching.
  const serverLine = lines.find((l) => / server run /.test(l));
  expect(serverLine).toMatch(/awsdir\.cjs server run --notify-fd 3$/);
  for (const line of lines) {
    for (const s of secrets) expect({ line: line.slice(0, 80), leaked: line.includes(s) }).toEqual({ line: line.slice(0, 80), leaked: false });
    expect({ line: line.slice(0, 80), code: line.split(' ').includes(code) }).toEqual({ line: line.slice(0, 80), code: false });
  }
  // The server's environment: the shell's, without the code, the passphrase, keys or a token.
  const serverEnv = seen.get(serverLine!) ?? '';
  expect(serverEnv).toContain('DBUS_SESSION_BUS_ADDRESS=');
  for (const name of ['AWSDIR_MFA_CODE', 'AWSDIR_FILE_PASSPHRASE', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'])
    expect(serverEnv).not.toContain(`${name}=`);
  for (const s of secrets) expect(serverEnv.includes(s)).toBe(false);

  // Files and logs, debug output included: the server's log, its state, stderr of every run.
  expect(filesHolding([w.home, w.tmp], secrets)).toEqual([]);
  for (const file of [...walk(w.home), ...walk(w.tmp)]) expect({ file, code: readFileSync(file, 'latin1').includes(code) }).toEqual({ file, code: false });
  expect(readFileSync(join(serverDir, 'server.log'), 'utf8')).toMatch(/refused a request .*no Authorization header/);
  for (const [what, r] of Object.entries({ exported, viaServer, execToken, execed })) {
    for (const s of secrets) expect({ what, leaked: r.stderr.includes(s) }).toEqual({ what, leaked: false });
  }
});

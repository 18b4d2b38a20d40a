/**
 * `awsdir exec` through the built CLI against the emulator and the real keychain: the child's
 * environment, its exit code, signals sent to awsdir reaching it, and a missing command.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runProcess } from '../support/cli';
import { PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld } from '../support/world';

const w = useWorld('exec', { projects: { production: PRODUCTION_PROJECT } });

/** Resolves once the command under awsdir says "ready"; if awsdir ends first, fails with what it said. */
function commandReady(child: ReturnType<typeof spawn>): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<void>((ready, failed) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
    child.once('close', (code) => failed(new Error(`awsdir exec ended (exit ${code}) before the command was ready: ${stderr}`)));
  });
}

test("the child gets the directory's credentials and region, never AWSDIR_MFA_CODE, AWSDIR_FILE_PASSPHRASE or a stale AWS_PROFILE", async () => {
  const r = await w.run(['exec', '--', 'env'], {
    env: { AWSDIR_MFA_CODE: await w.emu.totp(), AWSDIR_FILE_PASSPHRASE: 'not-for-children', AWS_PROFILE: 'someone-else', KEEP_ME: 'yes' },
    cwd: w.dirs.production,
  });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const child = Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  expect(child.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  expect(child.AWS_SECRET_ACCESS_KEY).toBeTruthy();
  expect(child.AWS_SESSION_TOKEN).toBeTruthy();
  expect(child.AWS_REGION).toBe('ap-northeast-1');
  expect(child.AWS_DEFAULT_REGION).toBe('ap-northeast-1');
  expect(child.AWSDIR_ROLE_ARN).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production');
  expect(child.AWSDIR_CONFIG).toBe(join(w.dirs.production, '.awsdir.yaml'));
  expect(child.KEEP_ME).toBe('yes');
  expect(child).not.toHaveProperty('AWSDIR_MFA_CODE');
  expect(child).not.toHaveProperty('AWSDIR_FILE_PASSPHRASE');
  expect(child).not.toHaveProperty('AWS_PROFILE');
});

test('the real AWS CLI run by exec acts as the role (from the cache: no new STS call)', async () => {
  await w.emu.clearCalls();
  const r = await w.run(['exec', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', w.emu.url, '--query', 'Arn', '--output', 'text'], {
    env: { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    cwd: w.dirs.production,
  });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice-production');
  expect(r.exitCode).toBe(0);
  expect((await w.emu.calls()).map((c) => c.action)).toEqual(['GetCallerIdentity']);
});

test("the child's exit code is awsdir's; a signal that ends it gives 128+n", async () => {
  expect((await w.run(['exec', '--', 'sh', '-c', 'exit 7'], { cwd: w.dirs.production })).exitCode).toBe(7);
  expect((await w.run(['exec', '--', 'sh', '-c', 'exit 0'], { cwd: w.dirs.production })).exitCode).toBe(0);
  expect((await w.run(['exec', '--', 'sh', '-c', 'kill -KILL $$'], { cwd: w.dirs.production })).exitCode).toBe(128 + 9);
});

test('--dir picks the project while the command runs in the current directory', async () => {
  const r = await w.run(['exec', '--dir', w.dirs.production, '--', 'sh', '-c', 'pwd; echo "$AWSDIR_LABEL"'], { cwd: w.home });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toBe(`${w.home}\nproduction\n`);
});

test('a missing command is exit 127 with a clear message, like a shell', async () => {
  const r = await w.run(['exec', '--', 'no-such-command-here', '--flag'], { cwd: w.dirs.production });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('awsdir: exec: no-such-command-here: command not found; check the name or give its full path\n');
  expect(r.exitCode).toBe(127);
});

test.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s sent to awsdir reaches the child, whose exit code comes back', async (signal) => {
  const marker = join(w.home, `got-${signal}`);
  const script = `trap 'echo ${signal} > "$MARK"; exit 42' ${signal.slice(3)}; echo ready; while :; do sleep 0.1; done`;
  const child = spawn(process.execPath, [w.cli, 'exec', '--', 'sh', '-c', script], {
    cwd: w.dirs.production,
    env: { ...w.env, MARK: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await commandReady(child);
  child.kill(signal);
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  expect(stderr).toBe('');
  expect(code).toBe(42);
  expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe(`${signal}\n`);
});

test('a second Ctrl-C does not make awsdir leave its child behind: the child decides when to stop', async () => {
  const marker = join(w.home, 'int-count');
  const script = `n=0; trap 'n=$((n+1)); echo $n > "$MARK"; [ $n -ge 2 ] && exit 42' INT; echo ready; while :; do sleep 0.1; done`;
  const child = spawn(process.execPath, [w.cli, 'exec', '--', 'sh', '-c', script], {
    cwd: w.dirs.production,
    env: { ...w.env, MARK: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await commandReady(child);
  child.kill('SIGINT');
  const deadline = Date.now() + 5000;
  while (!existsSync(marker)) {
    if (Date.now() > deadline) throw new Error('the first SIGINT never reached the child');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  expect(code).toBe(42);
  expect(readFileSync(marker, 'utf8')).toBe('2\n');
});

test('awsdir listens for the signals it passes on before it starts the command, so one that comes while the command starts cannot end awsdir and leave the command behind', async () => {
  // Preloaded into awsdir: at the moment it starts the command, say how many SIGHUP listeners it has.
  const hook = join(mkdtempSync(join(tmpdir(), 'awsdir-exec-hook-')), 'hook.cjs');
  writeFileSync(
    hook,
    `const cp = require('node:child_process');
const spawn = cp.spawn;
cp.spawn = function (file, ...rest) {
  if (file === 'true') require('node:fs').writeSync(2, 'SIGHUP listeners when the command starts: ' + process.listenerCount('SIGHUP') + '\\n');
  return spawn.call(this, file, ...rest);
};
`,
  );
  const r = await runProcess(process.execPath, ['--require', hook, CLI, 'exec', '--', 'true'], { env: w.env, cwd: w.dirs.production });
  expect(r.stderr).toBe('SIGHUP listeners when the command starts: 1\n');
  expect(r.exitCode).toBe(0);
});

/**
 * `use aws --server` through the real direnv (`direnv exec`, with AWSDIR_MFA_CODE where a code is
 * due, as in CI): one awsdir server per user, started on demand and reused, serving each directory
 * under its own token to the real AWS CLI and the JavaScript SDK v3; what a person sees when that
 * server was killed or its MFA session ended, and how the next `direnv reload` (here: the next
 * `direnv exec`) mends it; and that it stops by itself.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { quotePosix } from '../../src/shell/render';
import { CLI, makeHome, ROOT, runCli, runProcess, type CliResult } from '../support/cli';
import { DEMO_FIXTURE, startTestEmulator, type TestEmulator } from '../support/emulator';

jest.setTimeout(120_000);

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const PRODUCTION_ARN = 'arn:aws:sts::222222222222:assumed-role/admin/alice-production';
const DEVELOPMENT_ARN = 'arn:aws:sts::333333333333:assumed-role/admin/alice-development';
const SDK_CLIENT = join(ROOT, 'test', 'support', 'sdkClient.cjs');

interface World {
  emu: TestEmulator;
  home: string;
  env: Record<string, string>;
  source: string;
  production: string;
  development: string;
  serverDir: string;
}

const worlds: World[] = [];

/** A person's machine: a source in the keychain, the direnv helper, two directories whose .envrc says `use aws --server`. */
async function makeWorld(name: string, options: { fixture?: object; env?: Record<string, string> } = {}): Promise<World> {
  const emu = await startTestEmulator(options.fixture ?? DEMO_FIXTURE);
  const { home, env: homeEnv } = makeHome(`awsdir-srv-${name}-`);
  const bin = join(home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'awsdir'), `#!/bin/sh\nexec ${quotePosix(process.execPath)} ${quotePosix(CLI)} "$@"\n`);
  chmodSync(join(bin, 'awsdir'), 0o755);
  const env: Record<string, string> = {
    ...homeEnv,
    ...emu.env,
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    USER: 'alice',
    AWSDIR_KEYRING: 'os',
    DIRENV_LOG_FORMAT: '',
    // The AWS CLI reads no file of the person's; its only source is the environment direnv gives it.
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...options.env,
  };
  const source = `srv${name}${process.pid}`;
  const world: World = {
    emu,
    home,
    env,
    source,
    production: join(home, 'production'),
    development: join(home, 'development'),
    serverDir: join(home, '.local', 'state', 'awsdir', 'server'),
  };
  worlds.push(world);
  const cli = async (args: string[], extra: Record<string, string> = {}): Promise<void> => {
    const r = await runCli(args, { env: { ...env, ...extra }, cwd: home });
    if (r.exitCode !== 0) throw new Error(`awsdir ${args.join(' ')}: ${r.stderr}`);
  };
  await cli(['add', source, '--from-env'], { AWS_ACCESS_KEY_ID: emu.keys('alice').accessKeyId, AWS_SECRET_ACCESS_KEY: emu.keys('alice').secretAccessKey });
  await cli(['hook', 'direnv', '--install']);
  for (const [dir, role, region, label] of [
    [world.production, 'arn:aws:iam::222222222222:role/admin', 'ap-northeast-1', 'production'],
    [world.development, 'arn:aws:iam::333333333333:role/admin', 'eu-west-1', 'development'],
  ] as const) {
    mkdirSync(dir);
    writeFileSync(join(dir, '.awsdir.yaml'), `version: 1\nsource: ${source}\nrole: ${role}\nregion: ${region}\nlabel: ${label}\n`);
    writeFileSync(join(dir, '.envrc'), 'use aws --server\n');
    await cli(['allow', dir]);
    const allowed = spawnSync('direnv', ['allow', dir], { env: { ...env }, encoding: 'utf8' });
    if (allowed.status !== 0) throw new Error(`direnv allow: ${allowed.stderr}`);
  }
  return world;
}

afterAll(async () => {
  for (const w of worlds) {
    await runCli(['server', 'stop'], { env: w.env }).catch(() => undefined);
    const pid = serverPid(w);
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    await runCli(['remove', w.source], { env: w.env }).catch(() => undefined);
    await w.emu.close();
  }
});

/** `direnv exec DIR COMMAND...`: what a command typed in the directory gets. */
function inDirectory(w: World, dir: string, command: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return runProcess('direnv', ['exec', dir, ...command], { env: { ...w.env, ...extra }, cwd: dir, timeoutMs: 60_000 });
}

const awsCli = (w: World): string[] => ['/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', w.emu.url, '--query', 'Arn', '--output', 'text'];

function envOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function serverPid(w: World): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(w.serverDir, 'server.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

async function until(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('use aws --server', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld('main');
  }, 60_000);

  test('the first cd starts one server for the user; the shell gets its URI and a token instead of keys', async () => {
    const r = await inDirectory(w, w.production, ['env'], {
      AWSDIR_MFA_CODE: await w.emu.totp(SERIAL),
      AWS_ACCESS_KEY_ID: 'AKIAFROMANOTHERDIR00',
      AWS_SECRET_ACCESS_KEY: 'x'.repeat(40),
    });
    expect(r.exitCode).toBe(0);
    const vars = envOf(r.stdout);
    expect(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+$/);
    expect(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(vars.AWS_REGION).toBe('ap-northeast-1');
    expect(vars).not.toHaveProperty('AWS_ACCESS_KEY_ID');
    expect(vars).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(vars).not.toHaveProperty('AWS_SESSION_TOKEN');
    expect(r.stderr).toMatch(/production · admin @ 222222222222 .* · renewed by the awsdir server/);

    const pid = serverPid(w);
    expect(pid).toBeDefined();
    expect(alive(pid!)).toBe(true);
    expect(mode(w.serverDir)).toBe('700');
    expect(mode(join(w.serverDir, 'server.json'))).toBe('600');
    expect(mode(join(w.serverDir, 'server.sock'))).toBe('600');
    expect(statSync(join(w.serverDir, 'server.sock')).isSocket()).toBe(true);
    // Started with nothing secret on its command line: the token is nowhere in it.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(cmdline).toMatch(/awsdir\.cjs server run/);
    expect(cmdline).not.toContain(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(environ).not.toContain(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!);
    expect(environ).not.toMatch(/AWSDIR_MFA_CODE|AWS_SECRET_ACCESS_KEY/);
  });

  test('the real AWS CLI and the JavaScript SDK get the role from it; a second cd reuses the server and the token', async () => {
    const pid = serverPid(w);
    const before = envOf((await inDirectory(w, w.production, ['env'])).stdout);
    const cli = await inDirectory(w, w.production, awsCli(w));
    expect(cli.stdout.trim()).toBe(PRODUCTION_ARN);
    expect(cli.exitCode).toBe(0);
    const sdk = await inDirectory(w, w.production, [process.execPath, SDK_CLIENT, 'once']);
    expect(JSON.parse(sdk.stdout)).toEqual({ arn: PRODUCTION_ARN, accessKeyId: expect.stringMatching(/^ASIA/) });
    const after = envOf((await inDirectory(w, w.production, ['env'])).stdout);
    expect(serverPid(w)).toBe(pid);
    expect(after.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(before.AWS_CONTAINER_CREDENTIALS_FULL_URI);
    expect(after.AWS_CONTAINER_AUTHORIZATION_TOKEN).toBe(before.AWS_CONTAINER_AUTHORIZATION_TOKEN);
  });

  test("each directory has its own token: the same server serves development as development, and one directory's token never gets another's role", async () => {
    const dev = envOf((await inDirectory(w, w.development, ['env'])).stdout);
    const prod = envOf((await inDirectory(w, w.production, ['env'])).stdout);
    expect(dev.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(prod.AWS_CONTAINER_CREDENTIALS_FULL_URI);
    expect(dev.AWS_CONTAINER_AUTHORIZATION_TOKEN).not.toBe(prod.AWS_CONTAINER_AUTHORIZATION_TOKEN);
    expect((await inDirectory(w, w.development, awsCli(w))).stdout.trim()).toBe(DEVELOPMENT_ARN);
    // The production token, used from anywhere, is production's.
    const r = await runProcess(awsCli(w)[0]!, awsCli(w).slice(1), { env: { ...w.env, ...prod, AWS_CONFIG_FILE: '/dev/null' }, cwd: w.development });
    expect(r.stdout.trim()).toBe(PRODUCTION_ARN);
    const status = await runCli(['server', 'status', '--json'], { env: w.env });
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: serverPid(w), directories: expect.arrayContaining([w.production, w.development]) });
    expect(status.stdout).not.toContain(prod.AWS_CONTAINER_AUTHORIZATION_TOKEN!);
  });

  test('a killed server: the AWS CLI says it cannot reach it; the next cd starts a new one and all works again', async () => {
    const stale = envOf((await inDirectory(w, w.production, ['env'])).stdout);
    const pid = serverPid(w)!;
    process.kill(pid, 'SIGKILL');
    await until('the server is gone', () => !alive(pid));
    const broken = await runProcess(awsCli(w)[0]!, awsCli(w).slice(1), { env: { ...w.env, ...stale, AWS_CONFIG_FILE: '/dev/null' } });
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stderr).toContain(stale.AWS_CONTAINER_CREDENTIALS_FULL_URI!.replace(/\/awsdir.*/, ''));
    // The next cd (or `direnv reload`): a new server, a new token, and the CLI works.
    const again = await inDirectory(w, w.production, awsCli(w));
    expect(again.stdout.trim()).toBe(PRODUCTION_ARN);
    expect(serverPid(w)).not.toBe(pid);
    expect(alive(serverPid(w)!)).toBe(true);
  });

  test('nothing secret in the files of the state directory, the server log included', async () => {
    const vars = envOf((await inDirectory(w, w.production, ['env'])).stdout);
    const log = readFileSync(join(w.serverDir, 'server.log'), 'utf8');
    expect(log).toContain('registered');
    const ask =
      'fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } }).then((r) => r.text()).then((t) => process.stdout.write(t))';
    const creds = JSON.parse((await inDirectory(w, w.production, [process.execPath, '-e', ask])).stdout) as Record<string, string>;
    const secrets = [vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!, creds.SecretAccessKey!, creds.Token!, w.emu.keys('alice').secretAccessKey];
    for (const file of ['server.json', 'server.log']) {
      const text = readFileSync(join(w.serverDir, file), 'utf8');
      for (const s of secrets) expect({ file, leaked: text.includes(s) }).toEqual({ file, leaked: false });
    }
  });
});

describe('with role sessions of 60 seconds', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld('mfa', { fixture: { ...(parse(readFileSync(DEMO_FIXTURE, 'utf8')) as object), settings: { issue_seconds: { AssumeRole: 60 } } } });
  }, 60_000);

  test('a shell that stays: the AWS CLI keeps working across three role sessions that really end, with no code', async () => {
    const shell = envOf((await inDirectory(w, w.production, ['env'], { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) })).stdout);
    const world = w.emu.emulator.world;
    const used: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      await w.emu.clearCalls();
      const r = await runProcess(awsCli(w)[0]!, awsCli(w).slice(1), { env: { ...w.env, ...shell, AWS_CONFIG_FILE: '/dev/null' } });
      expect(r.stdout.trim()).toBe(PRODUCTION_ARN);
      const calls = (await w.emu.calls()).filter((c) => c.service === 'sts');
      expect(calls.map((c) => c.action).filter((a) => a !== 'AssumeRole')).toEqual(['GetCallerIdentity']);
      used.push(calls.find((c) => c.action === 'GetCallerIdentity')!.accessKeyId!);
      await w.emu.advanceClock(61);
      expect(world.sessions.get(used[round]!)!.expiresAt).toBeLessThanOrEqual(world.now());
    }
    expect(new Set(used).size).toBe(3);
  });

  test('the AWS CLI shows the error naming `direnv reload`; the next cd asks for the code and all works again', async () => {
    const first = await inDirectory(w, w.production, awsCli(w));
    expect(first.stdout.trim()).toBe(PRODUCTION_ARN);
    const shell = envOf((await inDirectory(w, w.production, ['env'])).stdout);

    // The shell stays; thirteen hours pass: the MFA session and every role session have ended.
    await w.emu.advanceClock(13 * 3600);
    await w.emu.clearCalls();
    const ended = await runProcess(awsCli(w)[0]!, awsCli(w).slice(1), { env: { ...w.env, ...shell, AWS_CONFIG_FILE: '/dev/null' } });
    expect(ended.exitCode).not.toBe(0);
    expect(ended.stderr).toMatch(/MFA session .*has ended/);
    expect(ended.stderr).toContain('direnv reload');
    expect((await w.emu.calls()).map((c) => c.action)).not.toContain('GetSessionToken');
    // The JavaScript SDK's default chain drops what the server said ("Could not load credentials
    // from any providers"); `awsdir server status` says it, and the log says it once.
    const sdk = await runProcess(process.execPath, [SDK_CLIENT, 'once'], { env: { ...w.env, ...shell } });
    expect((JSON.parse(sdk.stdout) as { error: string }).error).toContain('Could not load credentials');
    const status = await runCli(['server', 'status'], { env: w.env });
    expect(status.stdout).toContain(`${w.production}\n    awsdir server: the MFA session of source '${w.source}' has ended`);
    expect(status.stdout).toContain('direnv reload');
    const log = readFileSync(join(w.serverDir, 'server.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('could not serve'))).toHaveLength(1);

    // Without a code, the next cd says what export always says without a terminal.
    const noCode = await inDirectory(w, w.production, ['true']);
    expect(noCode.stderr).toContain('AWSDIR_MFA_CODE');
    // With one, as if typed at the prompt: the same server serves the directory again.
    const reloaded = await inDirectory(w, w.production, awsCli(w), { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
    expect(reloaded.stdout.trim()).toBe(PRODUCTION_ARN);
    const after = await runProcess(awsCli(w)[0]!, awsCli(w).slice(1), { env: { ...w.env, ...shell, AWS_CONFIG_FILE: '/dev/null' } });
    expect(after.stdout.trim()).toBe(PRODUCTION_ARN);
  });
});

describe('stopping by itself', () => {
  test('with no request for the idle time (AWSDIR_SERVER_IDLE) the server forgets its directories and exits, removing its socket', async () => {
    const w = await makeWorld('idle', { env: { AWSDIR_SERVER_IDLE: '8s' } });
    const r = await inDirectory(w, w.production, awsCli(w), { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
    expect(r.stdout.trim()).toBe(PRODUCTION_ARN);
    const pid = serverPid(w)!;
    expect(alive(pid)).toBe(true);
    await until('the idle server exits', () => !alive(pid));
    expect(existsSync(join(w.serverDir, 'server.sock'))).toBe(false);
    expect(existsSync(join(w.serverDir, 'server.json'))).toBe(false);
    expect(readFileSync(join(w.serverDir, 'server.log'), 'utf8')).toMatch(/stopping: no directory used for 8s/);
    const status = await runCli(['server', 'status'], { env: w.env });
    expect(status.stdout).toContain('not running');
  });
});

describe('refusals', () => {
  test('with keyring: file, `use aws --server` says why not and exports nothing', async () => {
    const w = await makeWorld('file');
    const r = await runCli(['export', '--server', '--shell', 'json'], {
      env: { ...w.env, AWSDIR_KEYRING: 'file', AWSDIR_FILE_PASSPHRASE: 'a passphrase' },
      cwd: w.production,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/file keyring.*use aws --credential-process/);
    expect(existsSync(join(w.serverDir, 'server.json'))).toBe(false);
  });
});

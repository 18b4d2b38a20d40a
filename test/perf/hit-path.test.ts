/**
 * The cache-hit path guard, deterministic (no timing): a cache-hit export or credential-process of
 * the BUILT CLI, run with a preload hook that records every module loaded, file read, child process
 * and keychain call, loads no AWS SDK, zod, yaml, commander, emulator or full-CLI chunk, reads
 * exactly one keychain entry, lists none, starts no process and makes no AWS call; and it prints
 * exactly what the full CLI prints. Help served from the prerendered text is byte for byte the full CLI's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, type CliResult } from '../support/cli';

const { createWorld } = require('../../bench/world.cjs') as { createWorld: (o: { dist: string }) => Promise<World> };
const { HIT_COMMANDS, hitPathViolations, bundleViolations } = require('./hitPathRules.cjs') as {
  HIT_COMMANDS: string[][];
  hitPathViolations: (log: LoadLog, o?: { keyringReads?: number }) => string[];
  bundleViolations: (dist: string) => string[];
};

interface World {
  cli: string;
  home: string;
  app: string;
  env: Record<string, string>;
  calls(): Promise<unknown[]>;
  project(name: string, o?: { envrc?: string; allow?: boolean }): Promise<string>;
  close(): Promise<void>;
}
interface LoadLog {
  modules: string[];
  reads: string[];
  children: string[];
  keyring: string[];
}

const DIST = join(ROOT, 'dist');
const HOOK = join(__dirname, 'recordLoads.cjs');
let world: World;
let scratch: string;

beforeAll(async () => {
  world = await createWorld({ dist: DIST });
  scratch = mkdtempSync(join(tmpdir(), 'awsdir-perf-'));
}, 60_000);

afterAll(async () => {
  await world?.close();
  rmSync(scratch, { recursive: true, force: true });
});

let logs = 0;
async function recorded(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult & { log: LoadLog }> {
  const file = join(scratch, `log-${(logs += 1)}.json`);
  const r = await runProcess(process.execPath, ['-r', HOOK, world.cli, ...args], {
    cwd: options.cwd ?? world.app,
    env: { ...world.env, ...options.env, AWSDIR_LOAD_LOG: file },
  });
  return { ...r, log: JSON.parse(readFileSync(file, 'utf8')) as LoadLog };
}

const loadedFullCli = (log: LoadLog): boolean => log.modules.some((m) => m.endsWith('cli.cjs'));

/** The same command through the full CLI (without the resolved-config cache the hit path cannot serve): the same exit, stdout and stderr. */
async function expectSameAsFullCli(args: string[], hit: CliResult): Promise<void> {
  const full = await recorded(args, { env: { AWSDIR_CONFIG_CACHE: '0' } });
  expect(loadedFullCli(full.log)).toBe(true);
  expect({ args, code: hit.exitCode, stdout: hit.stdout, stderr: hit.stderr }).toEqual({ args, code: full.exitCode, stdout: full.stdout, stderr: full.stderr });
}

test('dist/awsdir.cjs bundles none of the SDK, zod, yaml, commander, execa or the emulator', () => {
  expect(bundleViolations(DIST)).toEqual([]);
});

test('a cache-hit export loads nothing it must not, reads one keychain entry, lists none, calls no AWS', async () => {
  const before = (await world.calls()).length;
  const r = await recorded(['export', '--shell', 'bash']);
  const endpoint = world.env.AWS_ENDPOINT_URL_STS!.replace(/[.]/g, '\\.');
  expect(r.stderr).toMatch(new RegExp(`^awsdir: app · admin @ 222222222222 \\(acme-production\\) · eu-west-1 · (5\\dm|1h) left · endpoint ${endpoint}\\n$`));
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  expect(hitPathViolations(r.log)).toEqual([]);
  expect((await world.calls()).length).toBe(before);
});

test('every command the CI guard runs as a hit is served by the hit bundle and breaks no rule', async () => {
  for (const command of HIT_COMMANDS) {
    const r = await recorded(command);
    expect({ command, code: r.exitCode, violations: hitPathViolations(r.log) }).toEqual({ command, code: 0, violations: [] });
  }
});

test('a cache-hit credential-process loads nothing it must not, reads one keychain entry, calls no AWS, and prints what the full CLI prints', async () => {
  for (const args of [
    ['credential-process'],
    ['credential-process', '--dir', world.app],
    ['credential-process', `--dir=${world.app}`, '--mfa-code', '123456'],
  ]) {
    const before = (await world.calls()).length;
    const hit = await recorded(args);
    expect({ args, code: hit.exitCode, stderr: hit.stderr }).toEqual({ args, code: 0, stderr: '' });
    const json = JSON.parse(hit.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(json.AccessKeyId).toMatch(/^ASIA/);
    expect({ args, violations: hitPathViolations(hit.log) }).toEqual({ args, violations: [] });
    expect((await world.calls()).length).toBe(before);
    await expectSameAsFullCli(args, hit);
  }
});

test('a hit from deep below the project file reads one approval record: the levels in between cost a stat each', async () => {
  // Each level is checked for an allowed project file that is gone (it would have governed here).
  const deep = join(world.app, 'a', 'b', 'c');
  mkdirSync(deep, { recursive: true });
  const r = await recorded(['export', '--shell', 'bash'], { cwd: deep });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  expect(hitPathViolations(r.log)).toEqual([]);
  expect(r.log.reads.filter((file) => file.includes(join('awsdir', 'allow')))).toHaveLength(1);
});

test('a hit whose descriptors are character devices but no terminal (/dev/null) does not load node:tty', () => {
  // Editors and scripts run direnv with stdin on /dev/null: asking isatty there costs the cd node:tty (and node:net).
  const file = join(scratch, 'log-devnull.json');
  const r = spawnSync(process.execPath, ['-r', HOOK, world.cli, 'export', '--shell', 'bash'], {
    cwd: world.app,
    env: { ...world.env, AWSDIR_LOAD_LOG: file },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  const { modules } = JSON.parse(readFileSync(file, 'utf8')) as LoadLog;
  expect(loadedFullCli({ modules } as LoadLog)).toBe(false);
  expect(modules.filter((m) => /^(node:)?(tty|net)$/.test(m))).toEqual([]);
});

test('the hit path prints exactly what the full CLI prints, in every output form', async () => {
  for (const args of [
    ['export'],
    ['export', '--shell', 'fish'],
    ['export', '--shell=json'],
    ['export', '--direnv'],
    ['export', '--dir', world.app, '--shell', 'dotenv'],
  ]) {
    const hit = await recorded(args);
    expect(loadedFullCli(hit.log)).toBe(false);
    await expectSameAsFullCli(args, hit);
  }
});

test('anything but a hit goes to the full CLI having printed nothing of its own', async () => {
  const dir = await world.project('changed');
  writeFileSync(join(dir, '.awsdir.yaml'), `${readFileSync(join(dir, '.awsdir.yaml'), 'utf8')}# edited\n`);
  const unapproved = await recorded(['export'], { cwd: dir });
  expect(unapproved.exitCode).toBe(1);
  expect(unapproved.stdout).toBe('');
  expect(unapproved.stderr).toMatch(/^awsdir: .*awsdir allow [^\n]*\n$/);
  expect(loadedFullCli(unapproved.log)).toBe(true);

  for (const args of [
    ['export', '--shel', 'bash'],
    ['credential-process', '--shell', 'bash'],
  ]) {
    const typo = await recorded(args);
    expect({ args, code: typo.exitCode, stdout: typo.stdout }).toEqual({ args, code: 2, stdout: '' });
    expect(typo.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  }
});

test('prerendered help is byte for byte the full CLI help, without loading it', async () => {
  // The full CLI renders in a child whose stdout is a pipe, as the build does.
  const render = `
    const { runProgram } = require(process.argv[1]);
    let text = '';
    const ctx = { env: process.env, cwd: process.cwd(), now: () => Date.now(), pid: process.pid, platform: process.platform,
      io: { stdout: (t) => { text += t; }, stderr: () => undefined, stdinIsTTY: false, stderrIsTTY: false },
      self: { node: process.execPath, script: 'awsdir' }, signal: new AbortController().signal, onSignal: () => () => undefined };
    runProgram(JSON.parse(process.argv[2]), ctx).then((code) => process.stdout.write(JSON.stringify({ code, text })));`;
  for (const args of [['--help'], [], ['help', 'export'], ['export', '--help'], ['init', '-h']]) {
    const fast = await recorded(args);
    expect(loadedFullCli(fast.log)).toBe(false);
    expect(fast.log.modules.some((m) => /commander/.test(m))).toBe(false);
    const full = await runProcess(process.execPath, ['-e', render, join(DIST, 'cli.cjs'), JSON.stringify(args)], { env: world.env });
    const expected = JSON.parse(full.stdout) as { code: number; text: string };
    expect({ args, code: fast.exitCode, text: fast.stdout }).toEqual({ args, code: expected.code, text: expected.text });
  }
});

test('a cache-hit export of an IAM Identity Center directory: the same budget, one keychain read, no AWS call', async () => {
  // Last: adding a source changes the user file, which every other project's cached configuration depends on.
  // Signed in with --no-browser, the code confirmed through the emulator's hook as the person would in a browser.
  const env = { ...world.env, AWS_ENDPOINT_URL_SSO: world.env.AWS_ENDPOINT_URL!, AWS_ENDPOINT_URL_SSO_OIDC: world.env.AWS_ENDPOINT_URL! };
  const adding = runProcess(
    process.execPath,
    [world.cli, 'add', 'corp', '--sso-start-url', 'https://acme.awsapps.com/start', '--sso-region', 'eu-west-1', '--no-browser'],
    { env, timeoutMs: 60_000 },
  );
  for (let approved = false; !approved;) {
    const r = await fetch(`${world.env.AWS_ENDPOINT_URL!}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify({ user: 'alice' }) });
    approved = r.status === 200 && ((await r.json()) as { approved?: unknown[] }).approved?.length === 1;
    if (!approved) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await adding).exitCode).toBe(0);
  const dir = join(world.home, 'projects', 'sso-app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '.awsdir.yaml'),
    'version: 1\nsource: corp\nsso: { account: "222222222222", role: AdministratorAccess }\nregion: eu-west-1\nlabel: sso-app\n',
  );
  expect((await runProcess(process.execPath, [world.cli, 'allow', dir], { env })).exitCode).toBe(0);
  const first = await runProcess(process.execPath, [world.cli, 'export'], { env, cwd: dir });
  expect(first.exitCode).toBe(0);

  const before = (await world.calls()).length;
  const r = await recorded(['export', '--shell', 'bash'], { cwd: dir, env });
  expect(r.stderr).toMatch(/^awsdir: sso-app · AdministratorAccess @ 222222222222 \(acme-production\) · eu-west-1 · (5\dm|1h) left · endpoint \S+\n$/);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  expect(hitPathViolations(r.log)).toEqual([]);
  expect((await world.calls()).length).toBe(before);
});

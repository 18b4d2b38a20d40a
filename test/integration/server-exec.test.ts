/**
 * `awsdir exec --server` through the built CLI, against the emulator and the real keychain: the
 * child gets a loopback container-credentials endpoint instead of keys, and the real AWS CLI and
 * the JavaScript SDK v3 (its default chain, no credentials given) take their credentials from it.
 * The server lives as long as the child and renews role sessions from the cached MFA session; role
 * sessions really end here (short ones with the emulator's clock, or hours with every clock moved).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { baseEnv, CLI, ROOT, runCli } from '../support/cli';
import { DEMO_FIXTURE, type TestEmulator } from '../support/emulator';
import { addProject, closeWorld, makeWorld, PRODUCTION_PROJECT, type World } from '../helpers/world';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const ARN = 'arn:aws:sts::222222222222:assumed-role/admin/alice-production';
const SDK_CLIENT = join(ROOT, 'test', 'support', 'sdkClient.cjs');
const PROBE = join(ROOT, 'test', 'support', 'serverProbe.cjs');
const CLOCK = join(ROOT, 'test', 'fakes', 'clock.cjs');

type ProductionWorld = World & { production: string };

async function makeProductionWorld(name: string, fixture: string | object = DEMO_FIXTURE): Promise<ProductionWorld> {
  const w = await makeWorld(name, fixture);
  try {
    return { ...w, production: await addProject(w, 'production', PRODUCTION_PROJECT) };
  } catch (err) {
    await closeWorld(w);
    throw err;
  }
}

const withShortRoleSessions = (seconds: number): object => ({
  ...(parse(readFileSync(DEMO_FIXTURE, 'utf8')) as object),
  settings: { issue_seconds: { AssumeRole: seconds } },
});
const stsActions = async (emu: TestEmulator): Promise<string[]> => (await emu.calls()).filter((c) => c.service === 'sts').map((c) => c.action);
const envOf = (stdout: string): Record<string, string> =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
const lines = (stdout: string): Array<Record<string, string>> =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>);

/** `awsdir exec --server -- COMMAND` left running, talked to line by line through its child's stdin and stdout. */
class Running {
  private out = '';
  private err = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  constructor(args: string[], env: Record<string, string>, cwd: string) {
    const full: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, ...baseEnv(), ...env })) if (v !== undefined) full[k] = v;
    this.child = spawn(process.execPath, [CLI, ...args], { env: full, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }
  get stderr(): string {
    return this.err;
  }
  /** The next line the child prints (waits for it; fails when awsdir ends first or after 60 s). */
  async next(): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const i = this.out.indexOf('\n');
      if (i >= 0) {
        const line = this.out.slice(0, i);
        this.out = this.out.slice(i + 1);
        return line;
      }
      if (this.child.exitCode !== null) throw new Error(`awsdir exited ${this.child.exitCode}: ${this.err}`);
      if (Date.now() > deadline) throw new Error(`no line from the child; stderr: ${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }
  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

describe('the child of exec --server', () => {
  let w: ProductionWorld;
  beforeAll(async () => {
    w = await makeProductionWorld('srvexec');
  }, 60_000);
  afterAll(() => closeWorld(w));

  test('gets a loopback URI and a token instead of keys, and no profile or other container variable', async () => {
    const r = await runCli(['exec', '--server', '--', 'env'], {
      env: {
        ...w.env,
        AWSDIR_MFA_CODE: await w.emu.totp(SERIAL),
        AWS_PROFILE: 'someone-else',
        AWS_ACCESS_KEY_ID: 'AKIAOLDKEYFROMBEFORE',
        AWS_SECRET_ACCESS_KEY: 'an-old-secret-from-another-directory',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/elsewhere',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/elsewhere/token',
      },
      cwd: w.production,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const child = envOf(r.stdout);
    expect(child.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\S+$/);
    expect(child.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(child.AWS_REGION).toBe('ap-northeast-1');
    expect(child.AWSDIR_ROLE_ARN).toBe(ARN);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
      'AWSDIR_MFA_CODE',
    ]) {
      expect(child).not.toHaveProperty(name);
    }
  });

  test('the real AWS CLI acts as the role, from the cached session', async () => {
    await w.emu.clearCalls();
    const r = await runCli(
      ['exec', '--server', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', w.emu.url, '--query', 'Arn', '--output', 'text'],
      {
        env: { ...w.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        cwd: w.production,
        timeoutMs: 30_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(ARN);
    expect(r.exitCode).toBe(0);
    expect(await stsActions(w.emu)).toEqual(['GetCallerIdentity']);
  });

  test('fifty JavaScript SDK clients at once all act as the role, for at most one AssumeRole', async () => {
    await w.emu.clearCalls();
    const r = await runCli(['exec', '--server', '--', process.execPath, SDK_CLIENT, 'many', '50'], { env: w.env, cwd: w.production, timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const results = lines(r.stdout);
    expect(results).toHaveLength(50);
    expect(new Set(results.map((x) => x.arn ?? x.error))).toEqual(new Set([ARN]));
    expect(new Set(results.map((x) => x.accessKeyId)).size).toBe(1);
    const sts = await stsActions(w.emu);
    expect(sts.filter((a) => a === 'GetCallerIdentity')).toHaveLength(50);
    expect(sts.filter((a) => a !== 'GetCallerIdentity').length).toBeLessThanOrEqual(1);
  });

  test('a missing or wrong token, a wrong path, another method or Host get an error and never credentials', async () => {
    const r = await runCli(['exec', '--server', '--', process.execPath, PROBE], { env: w.env, cwd: w.production });
    expect(r.exitCode).toBe(0);
    const cases = JSON.parse(r.stdout) as Record<string, { status: number; body: string }>;
    expect(cases.right?.status).toBe(200);
    const right = JSON.parse(cases.right!.body) as Record<string, string>;
    expect(Object.keys(right)).toEqual(expect.arrayContaining(['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']));
    expect(right.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cases.none?.status).toBe(401);
    expect(cases.wrongToken?.status).toBe(403);
    expect(cases.bearer?.status).toBe(403);
    expect(cases.wrongPath?.status).toBe(404);
    expect(cases.post?.status).toBe(405);
    expect(cases.rebound?.status).toBe(403);
    for (const [name, answer] of Object.entries(cases)) {
      if (name === 'right') continue;
      for (const secret of [right.AccessKeyId!, right.SecretAccessKey!, right.Token!])
        expect({ name, leaked: answer.body.includes(secret) }).toEqual({ name, leaked: false });
    }
  });

  test('ends with the command: afterwards nothing answers on its port', async () => {
    const r = await runCli(['exec', '--server', '--', 'sh', '-c', 'echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"'], { env: w.env, cwd: w.production });
    expect(r.exitCode).toBe(0);
    const uri = r.stdout.trim();
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await expect(fetch(uri)).rejects.toThrow();
  });

  test('with keyring: file it says why not and runs nothing', async () => {
    const r = await runCli(['exec', '--server', '--', 'sh', '-c', 'echo ran'], {
      env: { ...w.env, AWSDIR_KEYRING: 'file', AWSDIR_FILE_PASSPHRASE: 'a passphrase' },
      cwd: w.production,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^awsdir: exec --server: the credential server does not work with the file keyring.*`awsdir exec` without --server/);
  });

  test('keeps the exit code of the command', async () => {
    const r = await runCli(['exec', '--server', '--', 'sh', '-c', 'exit 7'], { env: w.env, cwd: w.production });
    expect(r.exitCode).toBe(7);
  });
});

describe('with role sessions of 60 seconds', () => {
  let w: ProductionWorld;
  beforeAll(async () => {
    w = await makeProductionWorld('srvshort', withShortRoleSessions(60));
  }, 60_000);
  afterAll(() => closeWorld(w));

  test('the AWS CLI keeps working across three role sessions that really end, with no code after the first', async () => {
    const cli = `/usr/bin/aws sts get-caller-identity --endpoint-url ${w.emu.url} --query Arn --output text`;
    const run = new Running(
      ['exec', '--server', '--', 'bash', '-c', `echo ready; while read -r _; do ${cli}; echo "exit=$?"; done`],
      {
        ...w.env,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWSDIR_MFA_CODE: await w.emu.totp(SERIAL),
      },
      w.production,
    );
    const world = w.emu.emulator.world;
    const used: string[] = [];
    try {
      expect(await run.next()).toBe('ready');
      for (let round = 0; round < 4; round += 1) {
        await w.emu.clearCalls();
        run.send('go');
        expect(await run.next()).toBe(ARN);
        expect(await run.next()).toBe('exit=0');
        const calls = (await w.emu.calls()).filter((c) => c.service === 'sts');
        // A new role session from the cached MFA session: never GetSessionToken, so never a code.
        expect(calls.map((c) => c.action).filter((a) => a !== 'AssumeRole')).toEqual(['GetCallerIdentity']);
        used.push(calls.find((c) => c.action === 'GetCallerIdentity')!.accessKeyId!);
        // The session just used ends for real at the emulator before the next round.
        await w.emu.advanceClock(61);
        expect(world.sessions.get(used[round]!)!.expiresAt).toBeLessThanOrEqual(world.now());
      }
      expect(new Set(used).size).toBe(4);
    } finally {
      expect(await run.end()).toBe(0);
    }
    expect(run.stderr).toBe('');
  }, 120_000);
});

describe('a program left running for twelve hours (every clock moved)', () => {
  let w: ProductionWorld;
  let clockFile: string;
  let offsetSeconds = 0;
  beforeAll(async () => {
    w = await makeProductionWorld('srvclock');
    clockFile = join(mkdtempSync(join(tmpdir(), 'awsdir-clock-')), 'offset');
    writeFileSync(clockFile, '0');
  }, 60_000);
  afterAll(() => closeWorld(w));

  /** Hours pass for the emulator, awsdir and the SDK program alike. */
  const advance = async (seconds: number): Promise<void> => {
    offsetSeconds += seconds;
    const r = await fetch(`${w.emu.url}/__emulator/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: seconds, skewSeconds: offsetSeconds }) });
    expect(r.status).toBe(200);
    writeFileSync(clockFile, String(offsetSeconds * 1000));
  };

  test('one SDK client works across eleven role sessions with no code, then says the MFA session ended', async () => {
    const env = { ...w.env, NODE_OPTIONS: `--require ${CLOCK}`, AWSDIR_TEST_CLOCK_FILE: clockFile };
    const run = new Running(
      ['exec', '--server', '--', process.execPath, SDK_CLIENT, 'loop'],
      { ...env, AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) },
      w.production,
    );
    try {
      expect(JSON.parse(await run.next())).toEqual({ ready: true });
      await w.emu.clearCalls();
      const keys: string[] = [];
      // 61 minutes a step: each role session (one hour) has ended before the next call.
      for (let hour = 0; hour < 11; hour += 1) {
        run.send('call');
        const result = JSON.parse(await run.next()) as Record<string, string>;
        expect({ hour, ...result }).toEqual({ hour, arn: ARN, accessKeyId: expect.stringMatching(/^ASIA/) });
        keys.push(result.accessKeyId!);
        await advance(61 * 60);
      }
      expect(new Set(keys).size).toBe(11);
      const actions = await stsActions(w.emu);
      expect(actions.filter((a) => a === 'GetSessionToken')).toEqual([]);
      expect(actions.filter((a) => a === 'AssumeRole').length).toBeGreaterThanOrEqual(10);

      // Past the MFA session's twelve hours: the server cannot ask for a code while the program runs.
      await advance(2 * 3600);
      run.send('call');
      const ended = JSON.parse(await run.next()) as Record<string, string>;
      expect(ended.error).toBeDefined();
      expect(await stsActions(w.emu)).not.toContain('GetSessionToken');
    } finally {
      await run.end();
    }
    expect(run.stderr).toMatch(/MFA session .*has ended.*awsdir exec --server/);
  }, 180_000);
});

/**
 * `awsdir credential-process` driven by the real AWS CLI (/usr/bin/aws) through a profile's
 * credential_process, against the emulator and the real keychain: the JSON, the cache, a session
 * that really expires between calls, the MFA prompt on /dev/tty while the CLI hides stderr, and the
 * generated config of `use aws --credential-process`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runProcess } from '../support/cli';
import type { TestEmulator } from '../support/emulator';
import { DEMO_FIXTURE, MFA_SERIAL, PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld, type World, type WorldOptions } from '../support/world';
import { credentialProcessCommand, renderAwsConfig, shellQuote } from '../../src/credentials/credentialProcessProfile';

const ARN = 'arn:aws:sts::222222222222:assumed-role/admin/alice-production';

type ProductionWorld = World & { dirs: { production: string } };

/** The world of a describe block, with the production project allowed. */
const useProductionWorld = (name: string, options: WorldOptions = {}): ProductionWorld =>
  useWorld(`cp${name}`, { ...options, projects: { production: PRODUCTION_PROJECT } });

/** A config file with a profile as a person would write it by hand. */
function profileFile(w: ProductionWorld): string {
  const file = join(w.home, 'aws-config');
  writeFileSync(
    file,
    `[profile prod]\ncredential_process = ${credentialProcessCommand({ node: process.execPath, script: w.cli }, w.dirs.production)}\nregion = ap-northeast-1\n`,
  );
  return file;
}

function aws(w: ProductionWorld, configFile: string, extra: Record<string, string> = {}, args: string[] = ['--profile', 'prod']) {
  return runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', ...args, '--endpoint-url', w.emu.url, '--query', 'Arn', '--output', 'text'], {
    env: { ...w.env, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra },
    timeoutMs: 30_000,
  });
}

const stsActions = async (emu: TestEmulator): Promise<string[]> => (await emu.calls()).filter((c) => c.service === 'sts').map((c) => c.action);

describe('with the demo fixture', () => {
  const w = useProductionWorld('demo');

  test('prints Version 1 JSON with an RFC 3339 Expiration, and nothing on stderr', async () => {
    const r = await w.run(['credential-process', '--dir', w.dirs.production], { env: { AWSDIR_MFA_CODE: await w.emu.totp() } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(out.Version).toBe(1);
    expect(out.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(out.Expiration as string) - Date.now()).toBeGreaterThan(50 * 60_000);
  });

  test('the real AWS CLI with a credential_process profile prints the assumed-role ARN, the second call from the cache', async () => {
    const config = profileFile(w);
    const first = await aws(w, config);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe(ARN);
    await w.emu.clearCalls();
    const second = await aws(w, config);
    expect(second.stdout.trim()).toBe(ARN);
    // Only the CLI's own call: awsdir answered from the keychain.
    expect(await stsActions(w.emu)).toEqual(['GetCallerIdentity']);
  });

  test("`export --credential-process` writes a config that keeps the person's profiles and adds the directory's", async () => {
    const own = join(w.home, '.aws', 'config');
    mkdirSync(join(w.home, '.aws'), { recursive: true });
    writeFileSync(own, '# mine\n[default]\nregion = us-west-2\n\n[profile other]\nregion = eu-central-1\naws_secret_access_key = inline-secret-value\n');
    const r = await w.run(['export', '--credential-process', '--shell', 'json'], { cwd: w.dirs.production });
    expect(r.exitCode).toBe(0);
    const vars = JSON.parse(r.stdout) as Record<string, string | null>;
    expect(vars.AWS_PROFILE).toBe('awsdir-production');
    expect(vars.AWS_ACCESS_KEY_ID).toBeNull();
    expect(vars.AWS_SECRET_ACCESS_KEY).toBeNull();
    expect(vars.AWS_SESSION_TOKEN).toBeNull();
    expect(vars.AWS_REGION).toBe('ap-northeast-1');
    const file = vars.AWS_CONFIG_FILE!;
    expect(file.startsWith(join(w.home, '.local', 'state', 'awsdir'))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[profile other]\nregion = eu-central-1');
    expect(text).not.toContain('inline-secret-value');
    expect(text).toContain('[profile awsdir-production]');
    expect(r.stderr).toContain('[profile other]');

    // The AWS CLI in that environment: no keys, only the profile.
    const shellEnv = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== null));
    const cli = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', w.emu.url, '--query', 'Arn', '--output', 'text'], {
      env: { ...w.env, ...shellEnv, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      timeoutMs: 30_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.stdout.trim()).toBe(ARN);
  });
});

describe('with role sessions of 20 seconds', () => {
  const demo = parse(readFileSync(DEMO_FIXTURE, 'utf8')) as Record<string, unknown>;
  const w = useProductionWorld('short', { fixture: { ...demo, settings: { issue_seconds: { AssumeRole: 20 } } } });

  test('keeps working across role sessions that really end: each is replaced inside the refresh window, without a new MFA code', async () => {
    const config = profileFile(w);
    const first = await aws(w, config, { AWSDIR_MFA_CODE: await w.emu.totp() });
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe(ARN);
    for (let round = 1; round <= 3; round++) {
      const cached = JSON.parse((await w.run(['credential-process', '--dir', w.dirs.production])).stdout) as {
        AccessKeyId: string;
        SecretAccessKey: string;
        SessionToken: string;
      };
      // The emulator's clock past that session's end: AWS refuses it from now on. No code given below.
      await w.emu.advanceClock(30);
      const stale = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', w.emu.url], {
        env: {
          HOME: w.home,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: cached.AccessKeyId,
          AWS_SECRET_ACCESS_KEY: cached.SecretAccessKey,
          AWS_SESSION_TOKEN: cached.SessionToken,
        },
      });
      expect({ round, refused: stale.stderr.includes('ExpiredToken') }).toEqual({ round, refused: true });
      await w.emu.clearCalls();
      const later = await aws(w, config);
      expect({ round, stderr: later.stderr, arn: later.stdout.trim() }).toEqual({ round, stderr: '', arn: ARN });
      // New role sessions from the cached MFA session, no GetSessionToken (so no code). The CLI runs
      // the process more than once: what it gets ends within its own refresh window.
      const calls = await stsActions(w.emu);
      expect(calls[calls.length - 1]).toBe('GetCallerIdentity');
      expect(new Set(calls.slice(0, -1))).toEqual(new Set(['AssumeRole']));
    }
  }, 60_000);
});

describe('with role sessions of 15 minutes', () => {
  const w = useProductionWorld('quarter');

  const project = (name: string): Promise<string> =>
    w.addProject(name, `role: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\nlabel: ${name}\nduration: 15m\nsession_name: alice-${name}\n`);
  const credentials = async (dir: string, extra: Record<string, string> = {}): Promise<{ AccessKeyId: string; Expiration: string }> => {
    const r = await w.run(['credential-process', '--dir', dir], { env: extra });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    return JSON.parse(r.stdout) as { AccessKeyId: string; Expiration: string };
  };
  const minutesLeft = (c: { Expiration: string }): number => (Date.parse(c.Expiration) - Date.now()) / 60_000;

  test('a session is served from the cache on the next run: the refresh window is a quarter of the duration, not the whole of it', async () => {
    const dir = await project('served');
    const first = await credentials(dir, { AWSDIR_MFA_CODE: await w.emu.totp() });
    expect(minutesLeft(first)).toBeGreaterThan(14);
    await w.emu.clearCalls();
    const second = await credentials(dir);
    expect(second.AccessKeyId).toBe(first.AccessKeyId);
    expect(await stsActions(w.emu)).toEqual([]);
  });

  test('one AWS CLI command runs credential-process several times while the session ends within its window: one AssumeRole, the other runs are cache hits', async () => {
    const dir = await project('cli');
    // The runs the AWS CLI makes, counted by a wrapper it starts instead of awsdir.
    const runs = join(w.home, 'cli-runs');
    const wrapper = join(w.home, 'credential-process.sh');
    writeFileSync(runs, '');
    writeFileSync(wrapper, `#!/bin/sh\necho run >> ${shellQuote(runs)}\nexec ${credentialProcessCommand({ node: process.execPath, script: w.cli }, dir)}\n`, {
      mode: 0o755,
    });
    const config = join(w.home, 'aws-config-cli');
    writeFileSync(config, `[profile q]\ncredential_process = ${wrapper}\nregion = ap-northeast-1\n`);
    const arn = 'arn:aws:sts::222222222222:assumed-role/admin/alice-cli';
    const command = async (): Promise<{ runs: number; calls: string[] }> => {
      writeFileSync(runs, '');
      await w.emu.clearCalls();
      const r = await aws(w, config, {}, ['--profile', 'q']);
      expect({ stderr: r.stderr, arn: r.stdout.trim() }).toEqual({ stderr: '', arn });
      return { runs: readFileSync(runs, 'utf8').split('\n').filter(Boolean).length, calls: await stsActions(w.emu) };
    };
    const first = await command();
    expect(first.runs).toBeGreaterThan(1);
    expect(first.calls).toEqual(['AssumeRole', 'GetCallerIdentity']);
    const second = await command();
    expect(second.runs).toBeGreaterThan(1);
    expect(second.calls).toEqual(['GetCallerIdentity']);
  });

  test('a session is renewed once less than a quarter of it (3m45s) is left, and served while more is', async () => {
    // The emulator's clock set back: what it issues now ends that much sooner by this machine's clock
    // (here 4m30s after it is issued: 45 seconds for the next run to come while more than 3m45s is left).
    await w.emu.advanceClock(-630);
    const four = await project('four');
    const issued = await credentials(four);
    expect(minutesLeft(issued)).toBeGreaterThan(3.75);
    expect(minutesLeft(issued)).toBeLessThan(4.6);
    await w.emu.clearCalls();
    expect((await credentials(four)).AccessKeyId).toBe(issued.AccessKeyId);
    expect(await stsActions(w.emu)).toEqual([]);

    await w.emu.advanceClock(-60);
    const three = await project('three');
    const short = await credentials(three);
    expect(minutesLeft(short)).toBeLessThan(3.6);
    await w.emu.clearCalls();
    const renewed = await credentials(three);
    expect(renewed.AccessKeyId).not.toBe(short.AccessKeyId);
    expect(await stsActions(w.emu)).toEqual(['AssumeRole']);
    await w.emu.advanceClock(690);
  });
});

describe('the MFA prompt while the AWS CLI hides stderr', () => {
  const w = useProductionWorld('tty');
  const socket = `awsdir-cp-${process.pid}`;
  afterAll(() => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });

  test('reaches the terminal through /dev/tty; the typed code gets the CLI its credentials', async () => {
    const config = profileFile(w);
    const out = join(w.home, 'aws-out');
    const script = join(w.home, 'run.sh');
    const exports = Object.entries({ ...w.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' })
      .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
      .join('\n');
    writeFileSync(
      script,
      `${exports}\n/usr/bin/aws sts get-caller-identity --profile prod --endpoint-url ${w.emu.url} --query Arn --output text > ${shellQuote(out)} 2>&1; echo "exit=$?" >> ${shellQuote(out)}\n`,
    );
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', '200', '-y', '50', `bash ${shellQuote(script)}; sleep 30`]);
    const pane = (): string => execFileSync('tmux', ['-L', socket, 'capture-pane', '-p'], { encoding: 'utf8' });
    const deadline = Date.now() + 20_000;
    while (!pane().includes(`Enter MFA code for ${MFA_SERIAL}:`)) {
      if (Date.now() > deadline) throw new Error(`no prompt; pane:\n${pane()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    execFileSync('tmux', ['-L', socket, 'send-keys', await w.emu.totp(), 'Enter']);
    const done = Date.now() + 20_000;
    for (;;) {
      let text = '';
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        // not yet
      }
      if (text.includes('exit=')) {
        expect(text).toBe(`${ARN}\nexit=0\n`);
        break;
      }
      if (Date.now() > done) throw new Error(`the AWS CLI did not finish; pane:\n${pane()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);
});

describe('the generated profile', () => {
  test('credential_process quoting survives POSIX word splitting of awkward paths', () => {
    const dir = '/tmp/it\'s a "dir" with $HOME and `x` ;&|';
    const command = credentialProcessCommand({ node: '/usr/bin/node', script: '/opt/a b/awsdir.cjs' }, dir);
    const expected = ['/usr/bin/node', '/opt/a b/awsdir.cjs', 'credential-process', '--dir', dir];
    // /bin/sh is how the JS SDK runs it; Python's shlex is how the AWS CLI splits it.
    const bySh = execFileSync('sh', ['-c', `set -- ${command}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    expect(bySh.split('\0').slice(0, -1)).toEqual(expected);
    const byShlex = execFileSync('python3', ['-c', 'import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))', command], { encoding: 'utf8' });
    expect(JSON.parse(byShlex)).toEqual(expected);
    expect(() => credentialProcessCommand({ node: '/usr/bin/node', script: '/x' }, '/tmp/a\nb')).toThrow(/line break/);
  });

  test("a profile of the same name in the person's config is replaced, others kept", () => {
    const { text } = renderAwsConfig('[profile awsdir-x]\nregion = a\n[profile keep]\nregion = b\n', 'awsdir-x', { credentialProcess: 'cmd', region: 'c' });
    expect(text).toBe(
      '[profile keep]\nregion = b\n\n# Added by awsdir for this directory; everything above is a copy of your own AWS config.\n[profile awsdir-x]\ncredential_process = cmd\nregion = c\n',
    );
  });
});

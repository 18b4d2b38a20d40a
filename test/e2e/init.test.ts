import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { CLI, makeHome, runCli, runProcess } from '../support/cli';

// `awsdir init` through the built CLI: without a terminal (its own session, as in CI) and at a
// real terminal in tmux, answering its questions.

const { home, env } = makeHome('awsdir-init-');
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const SOCKET = `awsdir-init-${process.pid}`;
const PROD = ['--role', 'arn:aws:iam::222222222222:role/admin', '--region', 'ap-northeast-1', '--label', 'production', '--confirm'];

/** The CLI with no controlling terminal, so /dev/tty cannot be opened. */
const initNoTty = (dir: string, args: string[]) => runProcess('setsid', ['-w', process.execPath, CLI, 'init', '--dir', dir, ...args], { env, cwd: home });

function fresh(name: string): string {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
});

describe('awsdir init without a terminal', () => {
  it('names the missing flags (exit 2) and writes nothing', async () => {
    const dir = fresh('missing');
    const r = await initNoTty(dir, ['--label', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'awsdir: init needs --role and --region and there is no terminal to ask on; pass them, e.g. awsdir init --role arn:aws:iam::222222222222:role/admin --region eu-west-1\n',
    );
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(false);
    expect(existsSync(join(dir, '.envrc'))).toBe(false);
  });

  it('writes both files from the templates, allows the project file and names the next step', async () => {
    const dir = fresh('production');
    const r = await initNoTty(dir, PROD);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`awsdir: wrote ${dir}/.awsdir.yaml (production: admin @ 222222222222, ap-northeast-1) and allowed it\n`);
    expect(r.stderr).toContain(`next: run \`direnv allow ${dir}\`, then cd out and back in`);
    const yaml = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    expect(yaml).toMatch(/^role: arn:aws:iam::222222222222:role\/admin$/m);
    expect(yaml).toMatch(/^confirm: true/m);
    expect(yaml).not.toMatch(/\{\{|^mfa:|^source:/m);
    expect(readFileSync(join(dir, '.envrc'), 'utf8')).toMatch(/^use aws$/m);
    // Allowed: status reads it without the "not allowed" refusal.
    const status = await runCli(['status', '--dir', dir], { env });
    expect(status.stdout).toContain('— allowed');
  });

  it('refuses to overwrite without --force and names the file', async () => {
    const dir = fresh('production');
    const before = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    const r = await initNoTty(dir, ['--role', 'readonly', '--account', '333333333333', '--region', 'eu-west-1']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`awsdir: ${dir}/.awsdir.yaml already exists; edit it (then \`awsdir allow\`), or pass --force to replace it\n`);
    expect(readFileSync(join(dir, '.awsdir.yaml'), 'utf8')).toBe(before);
  });

  it('an .envrc without `use aws`: refused without a terminal, appended with --force', async () => {
    const dir = fresh('envrc');
    writeFileSync(join(dir, '.envrc'), 'export FOO=1');
    const refused = await initNoTty(dir, PROD);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/\.envrc exists without `use aws` and there is no terminal to ask on; pass --force/);
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(false);
    const forced = await initNoTty(dir, [...PROD, '--force']);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(dir, '.envrc'), 'utf8')).toBe('export FOO=1\nuse aws\n');
  });

  it('values that make an invalid project file: exit 3, the old file stays', async () => {
    const dir = fresh('production');
    const before = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    const r = await initNoTty(dir, ['--force', '--role', 'admin', '--account', '222222222222', '--region', 'ap-northeast-1', '--duration', '13h']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^awsdir: init: these values make an invalid project file, so nothing was written: .*\.awsdir\.yaml:\d+:\d+: key 'duration'/);
    expect(readFileSync(join(dir, '.awsdir.yaml'), 'utf8')).toBe(before);
  });

  it('--print-trust-policy prints the MFA trust policy for the account of the MFA device', async () => {
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'awsdir'), { recursive: true });
    writeFileSync(
      join(env.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'),
      'version: 1\nsources:\n  default:\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n',
    );
    const r = await runCli(['init', '--print-trust-policy', '--dir', fresh('production')], { env });
    expect(r.exitCode).toBe(0);
    const policy = JSON.parse(r.stdout) as { Statement: Array<{ Principal: { AWS: string }; Condition: unknown }> };
    expect(policy.Statement[0]?.Principal.AWS).toBe('arn:aws:iam::111111111111:root');
    expect(JSON.stringify(policy)).toContain('aws:MultiFactorAuthPresent');
    expect(r.stderr).toMatch(/update-assume-role-policy --role-name admin/);
  });
});

describe('awsdir init at a terminal', () => {
  it('asks for what is missing, offering defaults, and writes the answers', async () => {
    const dir = fresh('asked');
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'awsdir'), { recursive: true });
    const envArgs = Object.entries({ ...env, AWS_REGION: 'eu-central-1', LANG: 'C.UTF-8' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // capture-pane drops trailing spaces, so the questions are matched up to their last visible character.
    const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { env: { PATH, TERM: 'xterm-256color', HOME: home } }).stdout.toString();
    tmux('new-session', '-d', '-x', '200', '-y', '40', '-s', 'init', ...envArgs, 'sh', '-c', `${quotePosix(process.execPath)} ${quotePosix(CLI)} init --dir ${quotePosix(dir)}; echo "EXIT=$?"; sleep 30`);
    const answer = async (question: RegExp, keys: string): Promise<void> => {
      const deadline = Date.now() + 10000;
      while (!question.test(tmux('capture-pane', '-p', '-t', 'init'))) {
        if (Date.now() > deadline) throw new Error(`no ${question} on screen:\n${tmux('capture-pane', '-p', '-t', 'init')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      tmux('send-keys', '-t', 'init', '-l', keys);
      tmux('send-keys', '-t', 'init', 'Enter');
    };
    await answer(/Role ARN \(or role name\):$/m, 'readonly');
    await answer(/Account id of role readonly:$/m, '333333333333');
    await answer(/Region \[eu-central-1\]:$/m, '');
    await answer(/Session duration \[1h\]:$/m, '2h');
    await answer(/Label \[readonly\]:$/m, 'dev');
    await answer(/Ask before entering, as for production\? \[y\/N\]$/m, '');
    await answer(/EXIT=0/, '');
    const yaml = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    expect(yaml).toMatch(/^role: readonly\naccount: "333333333333"\nregion: eu-central-1\nduration: 2h\nlabel: "dev"$/m);
    expect(yaml).not.toMatch(/^confirm:/m);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Runs init in a tmux pane as a person at a terminal; `answer` waits for a question on screen and
 * types the answer. capture-pane drops trailing spaces, so questions are matched up to their last
 * visible character.
 */
function atTerminal(
  session: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): { answer: (question: RegExp, keys: string) => Promise<void>; screen: () => string } {
  const envArgs = Object.entries({ ...env, LANG: 'C.UTF-8', ...extraEnv }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const tmux = (...a: string[]): string =>
    spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...a], { env: { PATH, TERM: 'xterm-256color', HOME: home } }).stdout.toString();
  tmux(
    'new-session',
    '-d',
    '-x',
    '300',
    '-y',
    '50',
    '-s',
    session,
    ...envArgs,
    'sh',
    '-c',
    `${[process.execPath, CLI, 'init', ...args].map(quotePosix).join(' ')}; echo "EXIT=$?"; sleep 30`,
  );
  const screen = (): string => tmux('capture-pane', '-p', '-t', session);
  const answer = async (question: RegExp, keys: string): Promise<void> => {
    const deadline = Date.now() + 10000;
    while (!question.test(screen())) {
      if (Date.now() > deadline) throw new Error(`no ${question} on screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    tmux('send-keys', '-t', session, '-l', keys);
    tmux('send-keys', '-t', session, 'Enter');
  };
  return { answer, screen };
}

function writeUserFile(text: string): void {
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'awsdir'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'), text);
}

describe('awsdir init at a terminal', () => {
  it('asks for what is missing, offering defaults, and writes the answers', async () => {
    const dir = fresh('asked');
    const { answer } = atTerminal('asked', ['--dir', dir], { AWS_REGION: 'eu-central-1' });
    await answer(/Role ARN \(or role name\):$/m, 'readonly');
    await answer(/Account id of role readonly:$/m, '333333333333');
    await answer(/Region \[eu-central-1\]:$/m, '');
    await answer(/Session duration \[1h\]:$/m, '2h');
    await answer(/Label \[readonly\]:$/m, 'dev');
    await answer(/Ask before entering, as for production\? \[y\/N\]$/m, '');
    await answer(/External id \(empty for none\):$/m, '');
    await answer(/Session name \[\{user\}-\{dir\}\]:$/m, '');
    await answer(/Use MFA for this role\? .*\[Y\/n\]$/m, '');
    await answer(/Run `direnv allow` for .*asked now\? \[Y\/n\]$/m, 'n');
    await answer(/EXIT=0/, '');
    const yaml = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    expect(yaml).toMatch(/^role: readonly\naccount: "333333333333"\nregion: eu-central-1\nduration: 2h\nlabel: "dev"$/m);
    expect(yaml).not.toMatch(/^(confirm|mfa|external_id|session_name):/m);
  });

  it('asks for the source, external id, session name and MFA a role may need, and runs `direnv allow` when told to', async () => {
    const dir = fresh('partner');
    writeUserFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const { answer, screen } = atTerminal('partner', ['--dir', dir, '--region', 'eu-west-1']);
    await answer(/Role ARN \(or role name\):$/m, 'arn:aws:iam::444444444444:role/partner-deploy');
    await answer(/Session duration \[1h\]:$/m, '');
    await answer(/Source \(default, work\) \[default\]:$/m, 'work');
    await answer(/Label \[partner-deploy\]:$/m, '');
    await answer(/Ask before entering, as for production\? \[y\/N\]$/m, '');
    // A value the trust policy could never match is asked again, with what is allowed.
    await answer(/External id \(empty for none\):$/m, 'has spaces');
    await answer(/letters, digits and \+=,\.@:\/_-; try again\n.*External id \(empty for none\):$/m, 'partner-ext-7');
    await answer(/Session name \[\{user\}-\{dir\}\]:$/m, 'deploy-{user}');
    await answer(/Use MFA for this role\? \("no" only if its trust policy does not demand MFA\) \[Y\/n\]$/m, 'no');
    await answer(/Run `direnv allow` for .*partner now\? \[Y\/n\]$/m, '');
    await answer(/EXIT=0/, '');
    expect(screen()).toContain('ran `direnv allow`');
    const yaml = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    expect(yaml).toMatch(/^role: arn:aws:iam::444444444444:role\/partner-deploy\nregion: eu-west-1\nduration: 1h\nsource: work\nlabel: "partner-deploy"\n/m);
    expect(yaml).toMatch(/^mfa: false {2}#.*\nexternal_id: "partner-ext-7" {2}#.*\nsession_name: "deploy-\{user\}" {2}#/m);
    // direnv itself now loads the directory's .envrc.
    const status = await runProcess('direnv', ['status'], { env: { ...env, PATH }, cwd: dir });
    expect(status.stdout).toMatch(/^Found RC allowed (true|0)$/m);
  });
});

describe('awsdir init --profile', () => {
  // Dotted names, as SSO-generated and hand-written configs use them; acme.keys keeps its keys in a
  // keychain (the aws-vault way), acme.file in ~/.aws/credentials.
  const awsDir = join(home, '.aws');
  const credentials = join(awsDir, 'credentials');
  const awsConfig = join(awsDir, 'config');
  const KEYS = '[acme.file]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';

  beforeAll(() => {
    mkdirSync(awsDir, { recursive: true });
    writeFileSync(
      awsConfig,
      [
        '[profile acme.keys]',
        'region = us-east-1',
        '[profile acme.file]',
        '[profile prod.admin]',
        'role_arn = arn:aws:iam::222222222222:role/admin',
        'source_profile = acme.keys',
        'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
        'region = eu-west-2',
        '[profile dev.ro]',
        'role_arn = arn:aws:iam::333333333333:role/readonly',
        'source_profile = acme.file',
        'region = eu-west-1',
        '',
      ].join('\n'),
    );
    writeFileSync(credentials, KEYS);
  });

  const projectLines = (dir: string): string[] =>
    readFileSync(join(dir, '.awsdir.yaml'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/ {2}#.*/, ''));

  it('a profile whose keys are in ~/.aws/credentials: profile and label are written, the role and region come from it', async () => {
    const dir = fresh('profile-file');
    const r = await initNoTty(dir, ['--profile', 'dev.ro']);
    expect(r.stderr).toContain(`awsdir: wrote ${dir}/.awsdir.yaml (dev.ro: readonly @ 333333333333, eu-west-1) and allowed it\n`);
    expect(r.exitCode).toBe(0);
    expect(projectLines(dir)).toEqual(['version: 1', 'profile: dev.ro', 'label: "dev.ro"']);
  });

  it('keys in a keychain and one source of your own: `source:` names it; a region given is written', async () => {
    writeUserFile('version: 1\nsources:\n  work: {}\n');
    const dir = fresh('profile-vault');
    const r = await initNoTty(dir, ['--profile', 'prod.admin', '--region', 'eu-north-1']);
    expect(r.stderr).toContain(`awsdir: wrote ${dir}/.awsdir.yaml (prod.admin: admin @ 222222222222, eu-north-1) and allowed it\n`);
    expect(r.exitCode).toBe(0);
    expect(projectLines(dir)).toEqual(['version: 1', 'profile: prod.admin', 'region: eu-north-1', 'source: work', 'label: "prod.admin"']);
    const status = await runCli(['status', '--dir', dir], { env });
    expect(status.exitCode).toBe(0);
  });

  it('keys in a keychain and several sources, no terminal: names --source and the sources (exit 2), writes nothing', async () => {
    writeUserFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const dir = fresh('profile-several');
    const r = await initNoTty(dir, ['--profile', 'prod.admin']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `awsdir: init: profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${credentials} has no [acme.keys]), and there is no terminal to ask which of your sources signs in instead; pass --source with one of default, work\n`,
    );
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(false);
  });

  it('keys in a keychain and no source of your own: says to store them with `awsdir add` first (exit 3), writes nothing', async () => {
    rmSync(join(env.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'));
    rmSync(credentials);
    const dir = fresh('profile-nosource');
    const r = await initNoTty(dir, ['--profile', 'prod.admin']);
    writeFileSync(credentials, KEYS);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      `awsdir: init: profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${credentials} does not exist), and you have no source of your own; store them in the keychain with \`awsdir add acme.keys\`, then run this init again\n`,
    );
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(false);
  });

  it.each([
    ['a profile that does not exist', 'prod.adm', `no profile named 'prod.adm' in ${awsConfig}`],
    ['a profile without role_arn', 'acme.keys', `profile 'acme.keys' of ${awsConfig} has no role_arn, so it names no role to assume`],
  ])('%s: refused (exit 3), naming the profiles that have a role', async (_, name, why) => {
    const dir = fresh('profile-wrong');
    const r = await initNoTty(dir, ['--profile', name]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      `awsdir: init: ${why}; profiles with role_arn there: prod.admin, dev.ro; pass one of them to --profile, or name the role with --role instead\n`,
    );
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(false);
  });

  it('at a terminal, keys in a keychain and several sources: asks which source signs in', async () => {
    writeUserFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const dir = fresh('profile-asked');
    const { answer, screen } = atTerminal('profile', ['--dir', dir, '--profile', 'prod.admin']);
    await answer(/^Source \(default, work\) \[default\]:$/m, 'work');
    await answer(/EXIT=0/, '');
    expect(screen()).toContain(
      `profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${credentials} has no [acme.keys]); which of your sources signs in instead?`,
    );
    expect(projectLines(dir)).toEqual(['version: 1', 'profile: prod.admin', 'source: work', 'label: "prod.admin"']);
  });
});

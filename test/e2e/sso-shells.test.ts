import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { CLI, makeHome, runCli } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { installStandInBrowser, type StandInBrowser } from '../support/ssoBrowser';

// A directory of an IAM Identity Center permission set in a terminal, end to end: `awsdir init`
// picking the account and permission set from what the access portal lists, then `cd` in real
// bash, zsh and fish in tmux with the real direnv hook, the real AWS CLI behind the emulator, and
// the real keychain (run under scripts/with-keychain.sh). After a logout, `cd` signs in again
// through the (stand-in) browser, since there is a terminal to show the code on.

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const SOCKET = `awsdir-sso-e2e-${process.pid}`;
const START_URL = 'https://acme.awsapps.com/start';
const SSO_ARN = /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/;
const scratch = mkdtempSync(join(tmpdir(), 'awsdir-sso-e2e-'));

let emulator: TestEmulator;

beforeAll(async () => {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run this under scripts/with-keychain.sh: it needs the keychain');
  emulator = await startTestEmulator();
});

const worlds: World[] = [];

afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  for (const world of worlds) await runCli(['remove', 'corp'], { env: world.env }).catch(() => undefined);
  await emulator?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface World {
  home: string;
  env: Record<string, string>;
  production: string;
  out: string;
  browser: StandInBrowser;
}

function tmux(...args: string[]): string {
  return tmuxWithPath(PATH, ...args);
}

function tmuxWithPath(path: string, ...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { env: { PATH: path, TERM: 'xterm-256color', LANG: 'C.UTF-8', HOME: scratch } });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A private HOME with the direnv helper and an IAM Identity Center source `corp`, signed in. */
async function makeWorld(name: string): Promise<World> {
  const { home, env: homeEnv } = makeHome(`awsdir-sso-e2e-${name}-`);
  const browser = installStandInBrowser(home);
  writeFileSync(join(browser.bin, 'awsdir'), `#!/bin/sh\nexec ${quotePosix(process.execPath)} ${quotePosix(CLI)} "$@"\n`);
  chmodSync(join(browser.bin, 'awsdir'), 0o755);
  const env: Record<string, string> = {
    ...homeEnv,
    ...emulator.env,
    ...browser.env,
    PATH: `${browser.bin}:${PATH}`,
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS!,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '',
    DIRENV_WARN_TIMEOUT: '60s',
    AWSDIR_KEYRING: 'os',
    USER: userInfo().username,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
  };
  const cli = async (args: string[]): Promise<void> => {
    const r = await runCli(args, { env, cwd: home, timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw new Error(`awsdir ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  };
  await cli(['hook', 'direnv', '--install']);
  // Signed in with --no-browser: the code is confirmed through the emulator's hook, as on another device.
  // The keychain is shared by the worlds of this file: a sign-in of an earlier one may stand, and then there is nothing to confirm.
  let done = false;
  const adding = runCli(['add', 'corp', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1', '--no-browser'], {
    env,
    cwd: home,
    timeoutMs: 60_000,
  }).finally(() => (done = true));
  while (!done) {
    const r = await fetch(`${emulator.url}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify({ user: 'alice' }) });
    if (r.status === 200) break;
    await sleep(100);
  }
  const added = await adding;
  if (added.exitCode !== 0) throw new Error(`awsdir add corp exited ${added.exitCode}: ${added.stderr}`);
  const out = join(scratch, name);
  mkdirSync(out);
  const world = { home, env, production: join(home, 'aws', 'production'), out, browser };
  worlds.push(world);
  return world;
}

/** One interactive shell (or a command) in a tmux pane, driven by keystrokes and read back from the screen. */
class Pane {
  private mark = 0;
  private seq = 0;
  constructor(
    private readonly name: string,
    private readonly world: World,
  ) {}

  static async start(name: string, world: World, command: string[], ready = /READY/): Promise<Pane> {
    const envArgs = Object.entries(world.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    tmuxWithPath(world.env.PATH!, 'new-session', '-d', '-s', name, '-x', '220', '-y', '50', '-c', world.home, ...envArgs, ...command);
    tmux('set-option', '-t', name, 'history-limit', '10000');
    const pane = new Pane(name, world);
    await pane.waitFor(ready);
    return pane;
  }

  static shell(shell: Shell, world: World): Promise<Pane> {
    const rc = join(world.out, `rc.${shell}`);
    if (shell === 'bash') {
      writeFileSync(rc, `eval "$(direnv hook bash)"\neval "$(awsdir prompt --shell bash)"\nPS1='$(awsdir_prompt)READY\\$ '\n`);
      return Pane.start(shell, world, ['bash', '--noprofile', '--rcfile', rc, '-i']);
    }
    if (shell === 'zsh') {
      const zdot = join(world.out, 'zdot');
      mkdirSync(zdot);
      writeFileSync(
        join(zdot, '.zshrc'),
        `eval "$(direnv hook zsh)"\neval "$(awsdir prompt --shell zsh)"\nsetopt PROMPT_SUBST\nPROMPT='$(awsdir_prompt)READY%# '\n`,
      );
      return Pane.start(shell, { ...world, env: { ...world.env, ZDOTDIR: zdot } }, ['zsh', '-i']);
    }
    writeFileSync(rc, `direnv hook fish | source\nawsdir prompt --shell fish | source\nfunction fish_prompt; awsdir_prompt; echo -n 'READY> '; end\n`);
    return Pane.start(shell, world, ['fish', '--no-config', '-C', `source ${quotePosix(rc)}`]);
  }

  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name).replace(/\s+$/, '');
  }

  recent(): string {
    return this.screen().slice(this.mark);
  }

  type(text: string): void {
    this.mark = this.screen().length;
    tmux('send-keys', '-t', this.name, '-l', text);
    tmux('send-keys', '-t', this.name, 'Enter');
  }

  async waitFor(pattern: RegExp, timeoutMs = 20000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.recent();
      if (pattern.test(seen)) return seen;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${pattern} did not appear within ${timeoutMs} ms; the screen since the last command:\n${seen}`);
      await sleep(100);
    }
  }

  /** Waits for a question on screen, then types the answer. */
  async answer(question: RegExp, keys: string): Promise<void> {
    await this.waitFor(question);
    this.type(keys);
  }

  async run(line: string, timeoutMs = 20000): Promise<void> {
    const done = join(this.world.out, `done.${++this.seq}`);
    this.type(`${line}; touch ${done}`);
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(done)) {
      if (Date.now() > deadline) throw new Error(`${this.name}: \`${line}\` did not finish within ${timeoutMs} ms; the screen:\n${this.recent()}`);
      await sleep(100);
    }
    await this.waitFor(/READY[^\n]*$/);
  }

  async variables(): Promise<Record<string, string>> {
    const file = join(this.world.out, `env.${++this.seq}`);
    await this.run(`env | grep -E '^(AWS|AWSDIR)_' | sort > ${file}`);
    const vars: Record<string, string> = {};
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const eq = line.indexOf('=');
      vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
    rmSync(file);
    return vars;
  }

  async callerArn(): Promise<string> {
    const file = join(this.world.out, `arn.${++this.seq}`);
    await this.run(`/usr/bin/aws sts get-caller-identity --endpoint-url ${emulator.url} --query Arn --output text > ${file} 2>&1`, 30000);
    return readFileSync(file, 'utf8').trim();
  }
}

describe('awsdir init at a terminal, for an IAM Identity Center source', () => {
  it('offers the accounts and permission sets the portal lists, and writes the choice as sso:', async () => {
    const world = await makeWorld('init');
    const dir = join(world.home, 'development');
    mkdirSync(dir);
    const init = await Pane.start(
      'init',
      world,
      ['sh', '-c', `awsdir init --source corp --dir ${quotePosix(dir)}; echo "EXIT=$?"; sleep 30`],
      /Account \(1-2\)/,
    );
    const screen = init.screen();
    expect(screen).toMatch(/Account:\n {5}1\) acme-production \(222222222222\)\n {5}2\) acme-development \(333333333333\)/);
    init.type('2');
    await init.answer(
      /Permission set in acme-development:\n {5}1\) AdministratorAccess\n {5}2\) ReadOnlyAccess\n.*Permission set in acme-development \(1-2\):$/m,
      'ReadOnlyAccess',
    );
    await init.answer(/Region:$/m, 'eu-west-1');
    await init.answer(/Label \[acme-development\]:$/m, '');
    await init.answer(/Ask before entering, as for production\? \[y\/N\]$/m, '');
    await init.answer(/Run `direnv allow` for .*development now\? \[Y\/n\]$/m, 'n');
    await init.waitFor(/EXIT=0/);
    const yaml = readFileSync(join(dir, '.awsdir.yaml'), 'utf8');
    expect(yaml).toMatch(/^sso: \{ account: "333333333333", role: ReadOnlyAccess \} {2}#.*\nregion: eu-west-1\nsource: corp\nlabel: "acme-development"$/m);
  }, 90000);
});

describe.each(SHELLS)('cd into an IAM Identity Center directory in %s', (shell) => {
  let world: World;
  let pane: Pane;

  beforeAll(async () => {
    world = await makeWorld(shell);
    mkdirSync(world.production, { recursive: true });
    const r = await runCli(
      [
        'init',
        '--source',
        'corp',
        '--account',
        '222222222222',
        '--sso-role',
        'AdministratorAccess',
        '--region',
        'ap-northeast-1',
        '--label',
        'production',
        '--allow',
        '--dir',
        world.production,
      ],
      { env: world.env, cwd: world.home },
    );
    if (r.exitCode !== 0) throw new Error(`init exited ${r.exitCode}: ${r.stderr}`);
    pane = await Pane.shell(shell, world);
  }, 90000);

  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', shell], { stdio: 'ignore' });
  });

  it('exports the permission set session; the AWS CLI is AWSReservedSSO_AdministratorAccess_.../alice; the prompt shows the label', async () => {
    pane.type(`cd ${world.production}`);
    await pane.waitFor(/awsdir: production · AdministratorAccess @ 222222222222 \(acme-production\) · ap-northeast-1 · (59m|1h) left/);
    const vars = await pane.variables();
    expect(vars).toMatchObject({
      AWS_REGION: 'ap-northeast-1',
      AWSDIR_LABEL: 'production',
      AWSDIR_ACCOUNT: '222222222222',
      AWSDIR_CONFIG: join(world.production, '.awsdir.yaml'),
    });
    expect(vars.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(vars.AWSDIR_ROLE_ARN).toBeUndefined();
    expect(await pane.callerArn()).toMatch(SSO_ARN);
    // `!` marks a production label in the prompt segment.
    expect(pane.screen()).toMatch(/\[! production 222222222222 (59m|1h00m)\] READY/);
    expect(world.browser.openings()).toEqual([]);
    await pane.run('cd ~');
    expect((await pane.variables()).AWS_ACCESS_KEY_ID).toBeUndefined();
  }, 60000);

  it('after a logout, cd signs in again through the browser (there is a terminal) and exports', async () => {
    await pane.run('cd ~');
    await pane.run('awsdir logout corp', 30000);
    pane.type(`cd ${world.production}`);
    await pane.waitFor(/to sign in to corp, confirm the code [A-Z]{4}-[A-Z]{4} at http:\/\/127\.0\.0\.1:\d+\/device/, 30000);
    await pane.waitFor(/awsdir: production · AdministratorAccess @ 222222222222/, 30000);
    expect(world.browser.openings()).toHaveLength(1);
    expect(await pane.callerArn()).toMatch(SSO_ARN);
    await pane.run('cd ~');
  }, 90000);
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { runProcess } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_SERIAL as SERIAL } from '../support/fixture';
import { makeWorld, type World as BaseWorld } from '../support/world';
import { anyOf, segmentLeftBetween, summaryLeftBetween } from '../support/timeLeft';

// What a person sees in a terminal, end to end: real bash, zsh and fish in tmux with the real
// direnv hook, the built awsdir on PATH, the emulator behind the real AWS CLI, and the real
// keychain (run under scripts/with-keychain.sh, whose bus is handed to the tmux server).

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const SOCKET = `awsdir-e2e-${process.pid}`;
const MFA_PROMPT = `Enter MFA code for ${SERIAL}:`;
const GUARD_QUESTION = 'enter production (admin @ 222222222222)? [y/N]';
const scratch = mkdtempSync(join(tmpdir(), 'awsdir-e2e-'));

let emulator: TestEmulator;

beforeAll(async () => {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('run this under scripts/with-keychain.sh: it needs the keychain');
  emulator = await startTestEmulator();
});

const worlds: BaseWorld[] = [];

afterAll(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  for (const w of worlds) await w.close();
  await emulator?.close();
  rmSync(scratch, { recursive: true, force: true });
});

type World = BaseWorld & { dirs: { development: string; staging: string; production: string }; out: string };

/** A private HOME set up as a person would: a source in the keychain, the direnv helper, three initialised directories. */
async function makeE2eWorld(name: string): Promise<World> {
  // The keychain is shared by every test file of the run: a source of this world's own starts it
  // from a cold cache and keeps its sessions apart from everyone else's (never `clear --all`).
  const w = await makeWorld(`e2e${name}`, {
    emu: emulator,
    onPath: true,
    userFile: false,
    env: {
      DIRENV_WARN_TIMEOUT: '60s',
      AWSDIR_KEYRING: 'os',
      // The real login name: fish sets USER from the uid at start-up, and `{user}` in the session
      // name (part of the approved identity) must be the same in the shell as at `awsdir allow`.
      USER: userInfo().username,
      TERM: 'xterm-256color',
    },
  });
  worlds.push(w);
  const dirs = {
    development: join(w.home, 'development'),
    staging: join(w.home, 'staging'),
    production: join(w.home, 'production', 'yatteiki'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const cli = async (args: string[]): Promise<void> => {
    const r = await w.run(args);
    if (r.exitCode !== 0) throw new Error(`awsdir ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  };
  const { source } = w;
  await cli(['hook', 'direnv', '--install']);
  await cli([
    'init',
    '--role',
    'arn:aws:iam::333333333333:role/admin',
    '--region',
    'eu-west-1',
    '--label',
    'development',
    '--source',
    source,
    '--dir',
    dirs.development,
    '--allow',
  ]);
  await cli([
    'init',
    '--role',
    'deploy',
    '--account',
    '444444444444',
    '--region',
    'us-west-2',
    '--label',
    'staging',
    '--source',
    source,
    '--external-id',
    'staging-ext',
    '--dir',
    dirs.staging,
    '--allow',
  ]);
  await cli([
    'init',
    '--role',
    'arn:aws:iam::222222222222:role/admin',
    '--region',
    'ap-northeast-1',
    '--label',
    'production',
    '--source',
    source,
    '--confirm',
    '--dir',
    dirs.production,
    '--allow',
  ]);
  const out = join(scratch, name);
  mkdirSync(out);
  return Object.assign(w, { dirs, out });
}

/** One interactive shell in a tmux pane, driven by keystrokes and read back from the screen. */
class Pane {
  private mark = 0;
  private seq = 0;
  constructor(
    private readonly name: string,
    private readonly world: World,
  ) {}

  static async start(shell: Shell, world: World): Promise<Pane> {
    const rc = join(world.out, `rc.${shell}`);
    let command: string[];
    const extra: Record<string, string> = { AWS_PROFILE: 'preexisting' };
    if (shell === 'bash') {
      writeFileSync(rc, `eval "$(direnv hook bash)"\neval "$(awsdir prompt --shell bash)"\nPS1='$(awsdir_prompt)READY\\$ '\n`);
      command = ['bash', '--noprofile', '--rcfile', rc, '-i'];
    } else if (shell === 'zsh') {
      const zdot = join(world.out, 'zdot');
      mkdirSync(zdot);
      writeFileSync(
        join(zdot, '.zshrc'),
        `eval "$(direnv hook zsh)"\neval "$(awsdir prompt --shell zsh)"\nsetopt PROMPT_SUBST\nPROMPT='$(awsdir_prompt)READY%# '\n`,
      );
      extra.ZDOTDIR = zdot;
      command = ['zsh', '-i'];
    } else {
      writeFileSync(rc, `direnv hook fish | source\nawsdir prompt --shell fish | source\nfunction fish_prompt; awsdir_prompt; echo -n 'READY> '; end\n`);
      command = ['fish', '--no-config', '-C', `source ${quotePosix(rc)}`];
    }
    const envArgs = Object.entries({ ...world.env, ...extra }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // tmux gives a new session the PATH of the client that asks for it, whatever -e says.
    tmuxWithPath(world.env.PATH!, 'new-session', '-d', '-s', shell, '-x', '220', '-y', '50', '-c', world.home, ...envArgs, ...command);
    tmux('set-option', '-t', shell, 'history-limit', '10000');
    const pane = new Pane(shell, world);
    await pane.waitFor(/READY/);
    return pane;
  }

  /** The whole scrollback, wrapped lines joined, trailing blank space dropped. */
  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name).replace(/\s+$/, '');
  }

  /** What appeared on screen since the last `type`. */
  recent(): string {
    return this.screen().slice(this.mark);
  }

  type(text: string): void {
    this.mark = this.screen().length;
    tmux('send-keys', '-t', this.name, '-l', text);
    tmux('send-keys', '-t', this.name, 'Enter');
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  async waitFor(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.recent();
      if (pattern.test(seen)) return seen;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${pattern} did not appear within ${timeoutMs} ms; the screen since the last command:\n${seen}`);
      await sleep(100);
    }
  }

  /** Runs a command line and waits until it has finished (a file it touches last). */
  async run(line: string, timeoutMs = 15000): Promise<void> {
    const done = join(this.world.out, `done.${++this.seq}`);
    this.type(`${line}; touch ${done}`);
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(done)) {
      if (Date.now() > deadline) throw new Error(`${this.name}: \`${line}\` did not finish within ${timeoutMs} ms; the screen:\n${this.recent()}`);
      await sleep(100);
    }
    // The prompt after the command: the shell is ready for the next line.
    await this.waitFor(/READY[^\n]*$/);
  }

  /** Every AWS_* and AWSDIR_* variable of the shell right now. */
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

  /** The ARN the real AWS CLI sees with the shell's variables. */
  async callerArn(): Promise<string> {
    const file = join(this.world.out, `arn.${++this.seq}`);
    await this.run(`/usr/bin/aws sts get-caller-identity --endpoint-url ${emulator.url} --query Arn --output text > ${file} 2>&1`, 30000);
    return readFileSync(file, 'utf8').trim();
  }
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

describe.each(SHELLS)('awsdir with direnv in %s', (shell) => {
  let world: World;
  let pane: Pane;
  let before: Record<string, string>;

  beforeAll(async () => {
    world = await makeE2eWorld(shell);
    pane = await Pane.start(shell, world);
    before = await pane.variables();
  }, 60000);

  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', shell], { stdio: 'ignore' });
  });

  it('starts outside any project, with the AWS_PROFILE it was given', () => {
    expect(before.AWS_PROFILE).toBe('preexisting');
    expect(before.AWS_ACCESS_KEY_ID).toBeUndefined();
    for (const name of ['AWSDIR_LABEL', 'AWSDIR_ACCOUNT', 'AWSDIR_ROLE_ARN', 'AWSDIR_EXPIRES', 'AWSDIR_CONFIG', 'AWSDIR_CONFIRM'])
      expect(before[name]).toBeUndefined();
  });

  it('Ctrl-C at the MFA prompt changes nothing', async () => {
    pane.type(`cd ${world.dirs.development}`);
    await pane.waitFor(new RegExp(escape(MFA_PROMPT)));
    pane.keys('C-c');
    await pane.waitFor(/READY[^\n]*$/);
    expect(await pane.variables()).toEqual(before);
    await pane.run('cd ~');
  });

  it('development asks for the MFA code once, exports the role, and the AWS CLI uses it', async () => {
    pane.type(`cd ${world.dirs.development}`);
    await pane.waitFor(new RegExp(escape(MFA_PROMPT)));
    const code = await emulator.totp(SERIAL);
    const asked = Date.now();
    pane.type(code);
    const screen = await pane.waitFor(/awsdir: development · admin @ 333333333333[^\n]*· eu-west-1 · [^\n]* left/);
    const answered = Date.now();
    expect(screen).not.toMatch(/is taking a while/);
    const vars = await pane.variables();
    // A one-hour session issued by the emulator's clock while the code was on its way.
    const offset = await emulator.clockOffsetMs();
    const expires = Number(vars.AWSDIR_EXPIRES);
    expect(expires).toBeGreaterThanOrEqual(Math.floor((asked + offset) / 1000) + 3600);
    expect(expires).toBeLessThanOrEqual(Math.floor((answered + offset) / 1000) + 3600);
    expect(screen).toMatch(new RegExp(`· eu-west-1 · ${anyOf(summaryLeftBetween(expires * 1000, asked, answered))} left`));
    expect(vars).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWSDIR_LABEL: 'development',
      AWSDIR_ACCOUNT: '333333333333',
      AWSDIR_CONFIG: join(world.dirs.development, '.awsdir.yaml'),
    });
    expect(vars.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(vars.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(vars.AWS_SESSION_TOKEN).toBeTruthy();
    expect(vars.AWS_PROFILE).toBeUndefined();
    expect(vars.AWSDIR_CONFIRM).toBeUndefined();
    expect(vars.AWSDIR_ROLE_ARN).toMatch(/^arn:aws:sts::333333333333:assumed-role\/admin\//);
    expect(await pane.callerArn()).toBe(vars.AWSDIR_ROLE_ARN);
    // The prompt segment, drawn by the shell itself from the exported variables, at every prompt since.
    const shown = pane.screen();
    expect(shown).toMatch(new RegExp(`\\[development 333333333333 ${anyOf(segmentLeftBetween(expires, asked, Date.now()))}\\] READY`));
  });

  it('staging needs no second MFA code', async () => {
    pane.type(`cd ${world.dirs.staging}`);
    const screen = await pane.waitFor(/awsdir: staging · deploy @ 444444444444[^\n]*· us-west-2 ·/);
    expect(screen).not.toContain('Enter MFA code');
    const vars = await pane.variables();
    expect(vars).toMatchObject({ AWS_REGION: 'us-west-2', AWSDIR_LABEL: 'staging', AWSDIR_ACCOUNT: '444444444444' });
    expect(await pane.callerArn()).toMatch(/^arn:aws:sts::444444444444:assumed-role\/deploy\//);
  });

  it('production asks before entering; "no" exports nothing and says how to enter', async () => {
    pane.type(`cd ${world.dirs.production}`);
    await pane.waitFor(new RegExp(escape(GUARD_QUESTION)));
    pane.type('n');
    const screen = await pane.waitFor(/not entered, nothing was exported[^\n]*direnv reload/);
    expect(screen).not.toContain('Enter MFA code');
    await pane.waitFor(/READY[^\n]*$/);
    // Leaving staging undid its variables; refusing production added none.
    expect(await pane.variables()).toEqual(before);
  });

  it('production after "y" exports the admin role, marked in the prompt, and asks only once per shell', async () => {
    pane.type('direnv reload');
    await pane.waitFor(new RegExp(escape(GUARD_QUESTION)));
    const asked = Date.now();
    pane.type('y');
    const screen = await pane.waitFor(/awsdir: production · admin @ 222222222222[^\n]*· ap-northeast-1 · [^\n]* left/);
    const answered = Date.now();
    const vars = await pane.variables();
    expect(vars).toMatchObject({ AWSDIR_LABEL: 'production', AWSDIR_ACCOUNT: '222222222222', AWSDIR_CONFIRM: '1', AWS_REGION: 'ap-northeast-1' });
    const expires = Number(vars.AWSDIR_EXPIRES);
    expect(screen).toMatch(new RegExp(`· ap-northeast-1 · ${anyOf(summaryLeftBetween(expires * 1000, asked, answered))} left`));
    expect(await pane.callerArn()).toMatch(/^arn:aws:sts::222222222222:assumed-role\/admin\//);
    const shown = pane.screen();
    expect(shown).toMatch(new RegExp(`\\[! production 222222222222 ${anyOf(segmentLeftBetween(expires, asked, Date.now()))}\\] READY`));
    // On a terminal the summary is red, the colour of production.
    // eslint-disable-next-line no-control-regex -- the pane's colour sequences (ESC [ ... m) are what is checked
    expect(tmux('capture-pane', '-p', '-e', '-J', '-t', shell)).toMatch(/awsdir: (\u001b\[[0-9;]*m)*\u001b\[[0-9;]*31m(\u001b\[[0-9;]*m)*production · admin/);

    await pane.run('cd ~');
    pane.type(`cd ${world.dirs.production}`);
    const again = await pane.waitFor(/awsdir: production · admin @ 222222222222/);
    expect(again).not.toContain('enter production');
  });

  it('an edited project file asks "allow this change?" with what changes: "n" exports nothing, "y" allows it and enters', async () => {
    await pane.run('cd ~');
    const file = join(world.dirs.staging, '.awsdir.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('region: us-west-2', 'region: eu-central-1'));
    pane.type(`cd ${world.dirs.staging}`);
    const asked = await pane.waitFor(/allow this change\? \[y\/N\]/);
    expect(asked).toContain(`awsdir: ${file} has changed since you allowed it:`);
    expect(asked).toContain(`  region: us-west-2 -> eu-central-1 (from ${file})`);
    expect(asked).toMatch(/ {2}it selects role deploy @ 444444444444 [^\n]*region eu-central-1/);
    pane.type('n');
    await pane.waitFor(
      new RegExp(`${escape(file)}: not allowed, nothing was exported \\(you answered "n"\\); to allow it, run \`awsdir allow ${escape(world.dirs.staging)}\``),
    );
    await pane.waitFor(/READY[^\n]*$/);
    expect(await pane.variables()).toEqual(before);

    pane.type('direnv reload');
    await pane.waitFor(/allow this change\? \[y\/N\]/);
    pane.type('y');
    const entered = await pane.waitFor(/awsdir: staging · deploy @ 444444444444[^\n]*· eu-central-1 ·/);
    expect(entered).toContain(`awsdir: allowed ${file}`);
    expect(await pane.variables()).toMatchObject({ AWS_REGION: 'eu-central-1', AWSDIR_LABEL: 'staging' });
    // Allowed for good: the next entry asks nothing.
    await pane.run('cd ~');
    pane.type(`cd ${world.dirs.staging}`);
    expect(await pane.waitFor(/awsdir: staging · deploy/)).not.toContain('allow');
    await pane.run('cd ~');
  });

  it('a project file never allowed asks "allow FILE? it selects ..."', async () => {
    const dir = join(world.home, 'reports');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.awsdir.yaml'),
      `version: 1\nsource: e2e${shell}${process.pid}\nrole: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-2\nlabel: reports\n`,
    );
    writeFileSync(join(dir, '.envrc'), 'use aws\n');
    expect((await runProcess('direnv', ['allow', dir], { env: world.env })).exitCode).toBe(0);
    pane.type(`cd ${dir}`);
    const asked = await pane.waitFor(/\[y\/N\]/);
    expect(asked).toContain(
      `awsdir: allow ${join(dir, '.awsdir.yaml')}? it selects role readonly @ 333333333333 (arn:aws:iam::333333333333:role/readonly), region eu-west-2, label "reports"`,
    );
    pane.type('y');
    await pane.waitFor(/awsdir: reports · readonly @ 333333333333[^\n]*· eu-west-2 ·/);
    expect((await pane.variables()).AWSDIR_LABEL).toBe('reports');
    await pane.run('cd ~');
  });

  it('leaving puts every AWS_* variable back as it was, AWS_PROFILE included', async () => {
    await pane.run('cd ~');
    expect(await pane.variables()).toEqual(before);
    expect(pane.screen()).not.toMatch(/\[[^\]]*\d{12}[^\]]*\] READY[^\n]*$/);
  });
});

describe('direnv exec without a terminal', () => {
  let world: World;

  beforeAll(async () => {
    world = await makeE2eWorld('exec');
  }, 60000);

  /** `direnv exec` the way CI runs it: its own session, so /dev/tty cannot be opened. */
  const direnvExec = (dir: string, extra: Record<string, string> = {}, show = 'printf "key=%s\\n" "${AWS_ACCESS_KEY_ID:-none}"') =>
    runProcess('setsid', ['-w', 'direnv', 'exec', dir, 'sh', '-c', show], { env: { ...world.env, ...extra }, cwd: world.home, timeoutMs: 20_000 });

  it('fails without waiting for a terminal, with a message naming AWSDIR_MFA_CODE, and runs the command without credentials', async () => {
    const r = await direnvExec(world.dirs.development);
    // Ended by itself: nothing waited for a code until the kill at the timeout.
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/awsdir: no terminal to ask on[^\n]*AWSDIR_MFA_CODE/);
    expect(r.stdout).toBe('key=none\n');
  });

  it('the production guard refuses without a terminal and names AWSDIR_YES; with it and a code, the command gets the role', async () => {
    const refused = await direnvExec(world.dirs.production);
    expect(refused.stderr).toMatch(/production \(admin @ 222222222222\) asks before entering, and there is no terminal to ask on; [^\n]*AWSDIR_YES=1/);
    expect(refused.stderr).not.toContain('MFA');
    expect(refused.stdout).toBe('key=none\n');

    const code = await emulator.totp(SERIAL);
    const asked = Date.now();
    const entered = await direnvExec(
      world.dirs.production,
      { AWSDIR_YES: '1', AWSDIR_MFA_CODE: code },
      'printf "key=%s expires=%s\\n" "${AWS_ACCESS_KEY_ID:-none}" "${AWSDIR_EXPIRES:-none}"',
    );
    const answered = Date.now();
    const got = /^key=(ASIA[A-Z0-9]{16}) expires=(\d+)\n$/.exec(entered.stdout);
    expect(got).not.toBeNull();
    // Not a terminal: the summary stays plain.
    expect(entered.stderr).toMatch(/awsdir: production · admin @ 222222222222/);
    const left = anyOf(summaryLeftBetween(Number(got![2]) * 1000, asked, answered));
    expect(entered.stderr).toMatch(
      new RegExp(`^awsdir: production · admin @ 222222222222 \\(acme-production\\) · ap-northeast-1 · ${left} left · endpoint ${escape(emulator.url)}$`, 'm'),
    );
  });
});

describe('an edited project file without a terminal', () => {
  it('is refused as before, naming what changed and `awsdir allow`; the command runs without credentials', async () => {
    const world = await makeE2eWorld('noterminal');
    const file = join(world.dirs.development, '.awsdir.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('region: eu-west-1', 'region: eu-west-3'));
    const r = await runProcess('setsid', ['-w', 'direnv', 'exec', world.dirs.development, 'sh', '-c', 'printf "key=%s\\n" "${AWS_ACCESS_KEY_ID:-none}"'], {
      env: { ...world.env, AWSDIR_MFA_CODE: await emulator.totp(SERIAL) },
      cwd: world.home,
    });
    expect(r.stderr).toContain(
      `awsdir: ${file} has changed since you allowed it: region: eu-west-1 -> eu-west-3 (from ${file}); it would select role admin @ 333333333333`,
    );
    expect(r.stderr).toContain(`if that is right, run \`awsdir allow ${world.dirs.development}\``);
    expect(r.stderr).not.toContain('[y/N]');
    expect(r.stdout).toBe('key=none\n');
  }, 60000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { runCli } from '../support/cli';

// The prompt segment in real interactive shells inside tmux: bash with promptvars (its default),
// zsh with PROMPT_SUBST, fish's fish_prompt. A hostile label must show as text and run nothing.

const work = mkdtempSync(join(tmpdir(), 'awsdir-prompt-'));
const canary = join(work, 'pwned');
const socket = join(work, 'tmux.sock');
const hostileLabel = `$(touch ${canary})\`touch ${canary}\`\${HOME}\\w\\u%~%F{red}!!'"`;
const PATH = process.env.PATH ?? '/usr/bin:/bin';

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-S', socket, ...args], { env: { PATH, TERM: 'xterm-256color', HOME: work, LANG: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Starts `command` in a fresh tmux window and waits until the pane shows `until`. */
async function paneOf(name: string, env: Record<string, string>, command: string[], until: RegExp): Promise<string> {
  const envArgs = Object.entries({ PATH, TERM: 'xterm-256color', HOME: join(work, name), LANG: 'C.UTF-8', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  mkdirSync(join(work, name), { recursive: true });
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', ...envArgs, ...command);
  const deadline = Date.now() + 10000;
  let pane = '';
  while (Date.now() < deadline) {
    pane = tmux('capture-pane', '-p', '-t', name);
    if (until.test(pane)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  tmux('kill-session', '-t', name);
  return pane;
}

let scripts: Record<'bash' | 'zsh' | 'fish', string>;

beforeAll(async () => {
  scripts = { bash: '', zsh: '', fish: '' };
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const r = await runCli(['prompt', '--shell', shell]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    scripts[shell] = r.stdout;
  }
});

afterAll(() => {
  spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('awsdir prompt in real interactive shells', () => {
  it('bash with promptvars on prints a hostile label literally and runs nothing', async () => {
    const rc = join(work, 'bashrc');
    writeFileSync(rc, `${scripts.bash}\nshopt -s promptvars\nPS1='$(awsdir_prompt)READY\\$ '\n`);
    const env = { AWSDIR_LABEL: hostileLabel, AWSDIR_ACCOUNT: '222222222222', AWSDIR_EXPIRES: String(nowSeconds() + 42 * 60 + 30) };
    const pane = await paneOf('bash', env, ['bash', '--noprofile', '--rcfile', rc, '-i'], /READY/);
    expect(pane).toContain(`[${hostileLabel} 222222222222 42m] READY`);
    expect(existsSync(canary)).toBe(false);
  });

  it('zsh with PROMPT_SUBST prints a hostile label literally (% escapes too) and runs nothing', async () => {
    const zdot = join(work, 'zdot');
    mkdirSync(zdot, { recursive: true });
    writeFileSync(join(zdot, '.zshrc'), `${scripts.zsh}\nsetopt PROMPT_SUBST\nPROMPT='$(awsdir_prompt)READY%# '\n`);
    const env = {
      ZDOTDIR: zdot,
      AWSDIR_LABEL: `prod ${hostileLabel}`,
      AWSDIR_ACCOUNT: '222222222222',
      AWSDIR_EXPIRES: String(nowSeconds() + 2 * 3600 + 5 * 60 + 30),
    };
    const pane = await paneOf('zsh', env, ['zsh', '-i'], /READY/);
    expect(pane).toContain(`[! prod ${hostileLabel} 222222222222 2h05m] READY`);
    expect(existsSync(canary)).toBe(false);
  });

  it('fish says the keys expired and what to run, and shows the production mark from AWSDIR_CONFIRM, label as text', async () => {
    const init = join(work, 'init.fish');
    writeFileSync(init, `${scripts.fish}\nfunction fish_prompt; awsdir_prompt; echo -n 'READY> '; end\n`);
    const env = {
      AWSDIR_LABEL: hostileLabel,
      AWSDIR_ACCOUNT: '222222222222',
      AWSDIR_EXPIRES: String(nowSeconds() - 5),
      AWSDIR_CONFIRM: '1',
      DIRENV_DIR: `-${work}`,
    };
    const pane = await paneOf('fish', env, ['fish', '--no-config', '-C', `source ${quotePosix(init)}`], /READY/);
    expect(pane).toContain(`[! ${hostileLabel} 222222222222 expired: direnv reload] READY>`);
    expect(existsSync(canary)).toBe(false);
  });
});

describe('the time left at a fixed clock', () => {
  // The shells' clocks made to stand still: a `date` that always prints NOW first on PATH, bash's
  // EPOCHSECONDS unset (it then loses its magic) and zsh's zsh/datetime not loaded, so every
  // segment falls back to `date +%s`.
  const NOW = 1_800_000_000;
  const fakeBin = join(work, 'fixed-clock');
  // Past the end, the segment says what to run: `direnv reload` under direnv (DIRENV_DIR set).
  const cases: Array<[secondsToExpiry: number, shown: string, underDirenv?: boolean]> = [
    [3600, '59m'], // issued this very second: less than an hour is surely left, as the summary line says
    [3601, '1h00m'],
    [7500, '2h04m'],
    [61, '1m'],
    [60, '<1m'],
    [1, '<1m'],
    [0, 'expired: awsdir export'],
    [-30, 'expired: awsdir export'],
    [-30, 'expired: direnv reload', true],
  ];
  const call: Record<'bash' | 'zsh' | 'fish', (file: string) => [string, string[]]> = {
    bash: (file) => ['bash', ['-c', `unset EPOCHSECONDS; source ${quotePosix(file)}; awsdir_prompt`]],
    zsh: (file) => ['zsh', ['-f', '-c', `zmodload() { [[ "$*" == *datetime* ]] || builtin zmodload "$@"; }; source ${quotePosix(file)}; awsdir_prompt`]],
    fish: (file) => ['fish', ['--no-config', '-c', `source ${quotePosix(file)}; awsdir_prompt`]],
  };

  beforeAll(() => {
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'date'), `#!/bin/sh\necho ${NOW}\n`, { mode: 0o755 });
  });

  it.each(['bash', 'zsh', 'fish'] as const)('%s shows the whole minutes surely left', (shell) => {
    const file = join(work, `clock.${shell}`);
    writeFileSync(file, scripts[shell]);
    const [command, args] = call[shell](file);
    const shown = cases.map(([delta, , underDirenv]) => {
      const r = spawnSync(command, args, {
        env: {
          PATH: `${fakeBin}:${PATH}`,
          HOME: work,
          LANG: 'C.UTF-8',
          AWSDIR_LABEL: 'dev',
          AWSDIR_EXPIRES: String(NOW + delta),
          ...(underDirenv ? { DIRENV_DIR: `-${work}` } : {}),
        },
      });
      expect(r.stderr.toString()).toBe('');
      return [delta, r.stdout.toString()];
    });
    expect(shown).toEqual(cases.map(([delta, text]) => [delta, `[dev ${text}] `]));
  });
});

describe('awsdir prompt outside an awsdir directory and with bad variables', () => {
  it.each(['bash', 'zsh', 'fish'] as const)('%s prints nothing without AWSDIR_* and never evaluates AWSDIR_EXPIRES', (shell) => {
    const file = join(work, `segment.${shell}`);
    writeFileSync(file, scripts[shell]);
    const call =
      shell === 'fish'
        ? `source ${file}; awsdir_prompt; echo '|'; set -x AWSDIR_ACCOUNT 1; set -x AWSDIR_EXPIRES 'a[$(touch ${canary})]'; awsdir_prompt`
        : `source ${file}; awsdir_prompt; echo '|'; export AWSDIR_ACCOUNT=1 AWSDIR_EXPIRES='a[$(touch ${canary})]'; awsdir_prompt`;
    const r = spawnSync(shell, ['-c', call], { env: { PATH, HOME: work, LANG: 'C.UTF-8' } });
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe('|\n[1] ');
    expect(existsSync(canary)).toBe(false);
  });

  it('refuses an unknown shell with exit 2', async () => {
    const r = await runCli(['prompt', '--shell', 'tcsh']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^awsdir: prompt --shell "tcsh" is not supported; choose bash, zsh or fish\n$/);
    expect(r.stdout).toBe('');
  });

  it('the bash segment is shellcheck-clean', () => {
    const file = join(work, 'check.bash');
    writeFileSync(file, scripts.bash);
    const r = spawnSync('shellcheck', ['-s', 'bash', file]);
    expect(r.stdout.toString()).toBe('');
    expect(r.status).toBe(0);
  });
});

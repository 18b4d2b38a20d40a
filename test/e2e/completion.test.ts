import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, makeHome, ROOT, runCli, runProcess } from '../support/cli';

/**
 * Tab completion as each shell does it, with the scripts the built CLI prints: bash runs its
 * completion function with the words bash would hand it, fish asks its own completion machinery
 * (`complete -C`), and zsh completes a typed line on a pseudo-terminal with compinit
 * (test/helpers/zshCompletions.zsh). What they should offer comes from the CLI's help, the user
 * file and the file system, not from the scripts.
 */
jest.setTimeout(120_000);

const { home, env: homeEnv } = makeHome('awsdir-completion-');
const bin = join(home, 'bin');
const work = join(home, 'work');
const env = { ...homeEnv, PATH: `${bin}:/usr/bin:/bin` };
const SOURCES = ['ci.runner', 'default', 'work-eu'];
const bashScript = join(homeEnv.XDG_DATA_HOME!, 'bash-completion', 'completions', 'awsdir');
const zshFunctions = join(home, '.zfunc');

beforeAll(async () => {
  mkdirSync(bin);
  writeFileSync(join(bin, 'awsdir'), `#!/bin/sh\nexec ${shq(process.execPath)} ${shq(CLI)} "$@"\n`);
  chmodSync(join(bin, 'awsdir'), 0o755);
  for (const d of ['alpha/inner', 'beta', 'scripts']) mkdirSync(join(work, d), { recursive: true });
  writeFileSync(join(work, 'afile'), '');
  mkdirSync(join(homeEnv.XDG_CONFIG_HOME!, 'awsdir'), { recursive: true });
  writeFileSync(
    join(homeEnv.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'),
    `version: 1
sources:
  default:
    mfa_serial: arn:aws:iam::111111111111:mfa/alice
  work-eu:
    credentials_profile: work
  ci.runner:
    from_env: true
`,
  );
  // Where the docs say to put them (bash's is sourced below: the bash-completion package that
  // would load it from there is not needed for the function itself).
  for (const [shell, file] of [
    ['bash', bashScript],
    ['zsh', join(zshFunctions, '_awsdir')],
    ['fish', join(homeEnv.XDG_CONFIG_HOME!, 'fish', 'completions', 'awsdir.fish')],
  ] as const) {
    const r = await runCli(['completion', shell], { env });
    if (r.exitCode !== 0) throw new Error(`awsdir completion ${shell} failed: ${r.stderr}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, r.stdout);
  }
});

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The words bash hands a completion function for a line: split at blanks, and at = (COMP_WORDBREAKS). */
function bashWords(line: string): string[] {
  return line.split(' ').flatMap((w) => w.split(/(=)/).filter((part, _i, all) => part !== '' || all.length === 1));
}

async function bash(line: string): Promise<string[]> {
  const words = bashWords(line);
  const script = `source ${shq(bashScript)}
COMP_WORDS=(${words.map(shq).join(' ')})
COMP_CWORD=${words.length - 1}
COMP_LINE=${shq(line)}
COMP_POINT=\${#COMP_LINE}
_awsdir awsdir ${shq(words.at(-1) ?? '')} ${shq(words.at(-2) ?? '')}
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return offered(await runProcess('bash', ['--norc', '--noprofile', '-c', script], { env, cwd: work }));
}

/** fish loads the script from ~/.config/fish/completions by itself, as it would for a person. */
async function fish(line: string): Promise<string[]> {
  const r = await runProcess('fish', ['-c', 'complete -C $argv[1]', line], { env, cwd: work });
  return offered({ ...r, stdout: r.stdout.replace(/\t.*$/gm, '') });
}

async function zsh(line: string): Promise<string[]> {
  return offered(await runProcess('zsh', ['-f', join(ROOT, 'test', 'helpers', 'zshCompletions.zsh'), zshFunctions, line], { env, cwd: work }));
}

/** The candidates, as a person reads them: without fish's `--flag=` prefix and a directory's slash. */
function offered(r: { exitCode: number | null; stdout: string; stderr: string }): string[] {
  if (r.exitCode !== 0) throw new Error(`completion failed (${r.exitCode}): ${r.stderr}`);
  const words = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((w) => w.replace(/^--[\w-]+=/, '').replace(/\/$/, ''));
  return [...new Set(words)].sort();
}

/** The commands `awsdir --help` lists. */
async function helpCommands(): Promise<string[]> {
  const help = (await runCli(['--help'], { env })).stdout;
  return [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).sort();
}

/** The long flags `awsdir COMMAND --help` lists. */
async function helpFlags(command: string): Promise<string[]> {
  const help = (await runCli([command, '--help'], { env })).stdout;
  return [...(help.split(/^Options:$/m)[1] ?? '').matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!).sort();
}

const shells = { bash, zsh, fish };

describe.each(Object.entries(shells))('%s', (shell, complete) => {
  test('completes the commands the CLI has', async () => {
    const commands = await helpCommands();
    expect(commands).toEqual(expect.arrayContaining(['export', 'exec', 'init', 'completion', 'help']));
    expect(await complete('awsdir ')).toEqual(commands);
    expect(await complete('awsdir ex')).toEqual(['exec', 'export']);
    expect(await complete('awsdir help ')).toEqual(commands.filter((c) => c !== 'help'));
  });

  test.each(['export', 'init', 'doctor'])('completes the flags of `awsdir %s` that its help lists', async (command) => {
    const flags = await helpFlags(command);
    expect(flags.length).toBeGreaterThan(2);
    expect(await complete(`awsdir ${command} --`)).toEqual(flags);
  });

  test('completes source names from the user file', async () => {
    expect(await complete('awsdir remove ')).toEqual(SOURCES);
    expect(await complete('awsdir rotate ')).toEqual(SOURCES);
    expect(await complete('awsdir add w')).toEqual(['work-eu']);
    expect(await complete('awsdir init --role admin --source ')).toEqual(SOURCES);
    expect(await complete('awsdir doctor --json --source c')).toEqual(['ci.runner']);
    // remove takes one source: then nothing but flags.
    expect(await complete('awsdir remove work-eu --')).toEqual(['--help']);
  });

  test('completes the values of --shell', async () => {
    expect(await complete('awsdir export --shell ')).toEqual(['bash', 'dotenv', 'fish', 'json', 'zsh']);
    expect(await complete('awsdir prompt --shell ')).toEqual(['bash', 'fish', 'zsh']);
    expect(await complete('awsdir export --shell=z')).toEqual(['zsh']);
    expect(await complete('awsdir completion ')).toEqual(['bash', 'fish', 'zsh']);
  });

  test('completes directories, not files, for --dir and for allow', async () => {
    expect(await complete('awsdir export --dir ')).toEqual(['alpha', 'beta', 'scripts']);
    expect(await complete('awsdir status --json --dir al')).toEqual(['alpha']);
    expect(await complete('awsdir exec --dir ')).toEqual(['alpha', 'beta', 'scripts']);
    expect(await complete('awsdir allow ')).toEqual(['alpha', 'beta', 'scripts']);
  });

  test("completes exec's program from PATH, and the program's own arguments", async () => {
    expect(await complete('awsdir exec -- awsd')).toEqual(['awsdir']);
    expect(await complete('awsdir exec --dir alpha awsd')).toEqual(['awsdir']);
    // The program's own completion (here awsdir's) in zsh and fish; bash completes file names.
    expect(await complete('awsdir exec -- awsdir ex')).toEqual(shell === 'bash' ? [] : ['exec', 'export']);
    expect(await complete('awsdir exec -- ls al')).toEqual(['alpha']);
  });
});

test('the bash script takes a completion for awsdir', async () => {
  const r = await runProcess('bash', ['--norc', '--noprofile', '-c', `source ${shq(bashScript)} && complete -p awsdir`], { env });
  expect(r.stdout.trim()).toBe('complete -F _awsdir awsdir');
});

test('the bash script uses nothing bash 3.2 lacks', () => {
  const script = readFileSync(bashScript, 'utf8');
  const lacking: Array<[RegExp, string]> = [
    [/\b(declare|local|typeset)\s+-[a-zA-Z]*[An]/, 'associative arrays or namerefs (4.0, 4.3)'],
    [/\$\{[^}]*(,,?|\^\^?)\}/, 'case conversion (4.0)'],
    [/\$\{[^}]*@[QEPAa]\}/, 'parameter transformation (4.4)'],
    [/\b(mapfile|readarray|coproc)\b/, 'mapfile, readarray or coproc (4.0)'],
    [/&>>|\|&/, '&>> or |& (4.0)'],
    [/;;?&/, ';& or ;;& in case (4.0)'],
    [/\[-\d+\]\}/, 'negative array subscripts (4.3)'],
    [/^\s*compopt\b(?!.*\|\|)/m, 'compopt without a fallback (4.0)'],
  ];
  expect(lacking.filter(([pattern]) => pattern.test(script)).map(([, what]) => what)).toEqual([]);
});

describe('awsdir completion --list sources, which the scripts run on Tab', () => {
  const HOOK = join(ROOT, 'test', 'perf', 'recordLoads.cjs');
  interface LoadLog {
    modules: string[];
    children: string[];
    keyring: string[];
  }
  async function listed(): Promise<{ stdout: string; log: LoadLog }> {
    const file = join(home, `load-log-${Date.now()}-${Math.random()}.json`);
    const r = await runProcess(process.execPath, ['-r', HOOK, CLI, 'completion', '--list', 'sources'], { env: { ...env, AWSDIR_LOAD_LOG: file } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    return { stdout: r.stdout, log: JSON.parse(readFileSync(file, 'utf8')) as LoadLog };
  }
  const untouchable = (log: LoadLog): string[] => [
    ...log.modules.filter((m) => /@napi-rs[\\/]keyring|[\\/]aws\.cjs$|^(node:)?(https?|http2|net|tls|dns)$/.test(m)),
    ...log.keyring,
    ...log.children,
  ];

  test('never loads the keychain, the AWS SDK or the network, and starts nothing', async () => {
    const first = await listed();
    expect(first.stdout.split('\n').filter(Boolean).sort()).toEqual(SOURCES);
    expect(untouchable(first.log)).toEqual([]);
  });

  test('with the user file unchanged, answers without the argument parser or the full CLI', async () => {
    await listed();
    const again = await listed();
    expect(again.stdout.split('\n').filter(Boolean).sort()).toEqual(SOURCES);
    expect(again.log.modules.filter((m) => /[\\/](cli\.cjs|commander|yaml|zod)([\\/]|$)/.test(m))).toEqual([]);
    expect(untouchable(again.log)).toEqual([]);
  });

  test('with no user file, offers the source every awsdir has', async () => {
    const { env: fresh } = makeHome('awsdir-completion-fresh-');
    const r = await runCli(['completion', '--list', 'sources'], { env: fresh });
    expect(r.stdout).toBe('default\n');
    expect(existsSync(join(fresh.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml'))).toBe(false);
  });
});

test('an unknown shell is refused with the ones there are', async () => {
  const r = await runCli(['completion', 'tcsh'], { env });
  expect(r.exitCode).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/tcsh.*bash, zsh, fish/);
});

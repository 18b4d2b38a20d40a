/**
 * Everything awsdir hands to bash must run on bash 3.2, macOS's /bin/bash: the direnv helper, the
 * prompt segment for bash, what `awsdir export --shell bash` prints and the .envrc `awsdir init`
 * writes. No bash 3.2 can be installed here (Debian ships 5.2, the npm registry none), so:
 * - every snippet, as the built CLI prints it, is scanned for syntax that bash 3.2 does not have;
 *   each rule is shown to catch what it forbids, or it could pass for nothing;
 * - the snippets run in bash 5.2 as close to 3.2 as it gets: `bash --posix`, and BASH_COMPAT=3.2
 *   (what `shopt -s compat32` sets), with EPOCHSECONDS (bash 5) unset; the direnv helper runs
 *   inside the real direnv with its bash swapped for those.
 * The compatibility modes change behaviour (locale comparisons, posix rules), not syntax: the scan
 * is what catches a bash-4 construct. docs/troubleshooting.md says what is tested where.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderExports } from '../../src/shell/render';
import { makeHome, ROOT, runCli } from '../support/cli';

/** Syntax bash 3.2 lacks, with the bash version that brought it. */
const BASH4_ONLY: Array<[RegExp, string]> = [
  [/\$\{[#!]?\w+(\[[^\]]*\])?(,,?|\^\^?)/, 'case modification ${x,,} ${x^^} (bash 4.0)'],
  [/\$\{[^}]*@[QEPAaKkUuL]\}/, 'parameter transformation ${x@Q} (bash 4.4)'],
  [/\b(declare|local|typeset|readonly)\s+-\w*[Anlug]/, 'declare -A/-n/-l/-u/-g (bash 4.0-4.3)'],
  [/\b(mapfile|readarray)\b/, 'mapfile/readarray (bash 4.0)'],
  [/\bcoproc\b/, 'coproc (bash 4.0)'],
  [/&>>/, '&>> (bash 4.0)'],
  [/\|&/, '|& (bash 4.0)'],
  [/;;&|[^;];&/, 'case fall-through ;& and ;;& (bash 4.0)'],
  [/\$\{\w+:\s+-\d|\$\{\w+:\(-|\$\{\w+:[^}:]*:\s*-\d/, 'negative substring offset or length ${x: -1} ${x:0:-1} (bash 4.2)'],
  [/\$\{\w+\[-\d/, 'negative array index ${a[-1]} (bash 4.3)'],
  [/\bprintf\s+-v\s+\w+\[/, 'printf -v into an array element (bash 4.1)'],
  [/\{\w+\.\.\w+\.\.-?\d+\}|\{0\d+\.\./, 'brace expansion with a step or zero padding (bash 4.0)'],
  [/\[\[\s+-v\s|\btest\s+-v\s/, '-v VAR tests (bash 4.2)'],
  [/\bwait\s+-n\b/, 'wait -n (bash 4.3)'],
  [/\bexec\s+\{\w+\}[<>]/, 'exec {fd}> fd allocation (bash 4.1)'],
  [
    /\bshopt\s+-s\s+(globstar|lastpipe|autocd|checkjobs|dirspell|direxpand|globasciiranges|inherit_errexit|localvar_inherit)\b/,
    'a shell option of bash 4 or later',
  ],
  [/\$BASHPID\b|\$\{BASHPID\}/, 'BASHPID (bash 4.0)'],
  [/\$EPOCH(SECONDS|REALTIME)\b|\$\{EPOCH(SECONDS|REALTIME)\}/, 'EPOCHSECONDS without a fallback (bash 5.0)'],
  [/\bread\s+(-\w+\s+)*-\w*[iN]/, 'read -i/-N (bash 4.0)'],
];

/** Each rule, shown a line it must flag. */
const SAMPLES = [
  'x=${label,,}',
  'x=${name^^}',
  'printf %s "${v@Q}"',
  'declare -A map',
  'local -n ref=x',
  'mapfile -t lines < f',
  'readarray lines',
  'coproc cat',
  'cmd &>> log',
  'cmd |& tee',
  'a) echo;&',
  'a) echo;;&',
  'x=${s: -1}',
  'x=${s:0:-1}',
  'x=${a[-1]}',
  'printf -v a[1] %s x',
  'echo {1..9..2}',
  '[[ -v HOME ]]',
  'wait -n',
  'exec {fd}>file',
  'shopt -s globstar',
  'echo $BASHPID',
  'now=$EPOCHSECONDS',
  'read -N 1 c',
];

/** The code of a snippet: comment lines and trailing comments are words for people, not syntax. */
function code(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .map((line) => line.replace(/\s+#\s.*$/, ''));
}

function bash4Constructs(text: string): string[] {
  const found: string[] = [];
  for (const line of code(text)) for (const [rule, what] of BASH4_ONLY) if (rule.test(line)) found.push(`${what}: ${line.trim()}`);
  return found;
}

const { home, env: homeEnv } = makeHome('awsdir-bash32-');
const PATH = process.env.PATH ?? '/usr/bin:/bin';
let snippets: Record<string, string>;

beforeAll(async () => {
  const helper = await runCli(['hook', 'direnv'], { env: homeEnv });
  const prompt = await runCli(['prompt', '--shell', 'bash'], { env: homeEnv });
  expect([helper.exitCode, prompt.exitCode]).toEqual([0, 0]);
  snippets = {
    'awsdir hook direnv': helper.stdout,
    'awsdir prompt --shell bash': prompt.stdout,
    // What `awsdir export --shell bash` prints (the direnv helper evals it), watch_file included.
    'awsdir export --shell bash': renderExports({ set: { AWS_REGION: "eu-west-1 'x' ${y,,}" }, unset: ['AWS_PROFILE'], watch: ['/p/.awsdir.yaml'] }, 'bash'),
    // The .envrc `awsdir init` writes, which direnv runs in bash.
    '.envrc of awsdir init': readFileSync(join(ROOT, 'templates', '.envrc'), 'utf8'),
  };
});

describe('the bash snippets awsdir prints', () => {
  it('every rule of the scan catches what it forbids', () => {
    expect(SAMPLES.filter((sample) => bash4Constructs(sample).length === 0)).toEqual([]);
    for (const [, what] of BASH4_ONLY) expect(SAMPLES.some((s) => bash4Constructs(s).some((f) => f.startsWith(what)))).toBe(true);
    // The scan does not know quoting: a single-quoted value is data, so export output is scanned with its values blanked.
    expect(bash4Constructs("export A='${y,,}'")).toEqual([expect.stringContaining('${x,,}')]);
  });

  it('use no syntax that bash 3.2 lacks', () => {
    const found: Record<string, string[]> = {};
    for (const [name, text] of Object.entries(snippets)) {
      // The export output is data inside single quotes: only its commands are code.
      const scanned = name === 'awsdir export --shell bash' ? text.replace(/'[^']*'/g, "''") : text;
      found[name] = bash4Constructs(scanned);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(snippets).map((name) => [name, []])));
  });

  it('parse in bash --posix and with BASH_COMPAT=3.2', () => {
    for (const [name, text] of Object.entries(snippets)) {
      for (const mode of [['--posix'], []]) {
        const r = spawnSync('bash', ['--norc', ...mode, '-n'], { input: text, env: { PATH, HOME: home, BASH_COMPAT: '3.2' } });
        expect({ name, mode, status: r.status, stderr: r.stderr.toString() }).toEqual({ name, mode, status: 0, stderr: '' });
      }
    }
  });
});

describe('the bash prompt segment, run as close to bash 3.2 as bash 5.2 gets', () => {
  const run = (mode: string[], vars: Record<string, string>): string => {
    // EPOCHSECONDS is bash 5's: without it the segment falls back to date(1), as on bash 3.2.
    const script = `${snippets['awsdir prompt --shell bash']}\nunset EPOCHSECONDS\nawsdir_prompt`;
    // --norc: bash reads ~/.bashrc when its stdin is a socket, as node's pipes are.
    const r = spawnSync('bash', ['--norc', ...mode, '-c', script], { env: { PATH, HOME: home, LANG: 'C.UTF-8', BASH_COMPAT: '3.2', ...vars } });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.toString();
  };

  it.each([[['--posix']], [[]]])('marks production whatever its case, counts down, says expired (bash %j)', (mode) => {
    expect(run(mode, { AWSDIR_LABEL: 'Production', AWSDIR_ACCOUNT: '222222222222' })).toBe('[! Production 222222222222] ');
    expect(run(mode, { AWSDIR_LABEL: 'EU-PROD', AWSDIR_ACCOUNT: '222222222222', AWSDIR_EXPIRES: '1' })).toBe(
      '[! EU-PROD 222222222222 expired: awsdir export] ',
    );
    expect(run(mode, { AWSDIR_LABEL: 'dev', AWSDIR_EXPIRES: '1', DIRENV_DIR: '-/home/alice/dev' })).toBe('[dev expired: direnv reload] ');
    expect(run(mode, { AWSDIR_LABEL: 'staging', AWSDIR_ACCOUNT: '333333333333' })).toBe('[staging 333333333333] ');
    expect(run(mode, { AWSDIR_LABEL: 'staging', AWSDIR_CONFIRM: '1' })).toBe('[! staging] ');
    // Minutes left, from date(1): well inside an hour and well above a minute whatever the machine's speed.
    const expires = String(Math.floor(Date.now() / 1000) + 30 * 60);
    expect(run(mode, { AWSDIR_LABEL: 'dev', AWSDIR_EXPIRES: expires })).toMatch(/^\[dev (29|30)m\] $/);
    expect(run(mode, {})).toBe('');
  });
});

describe('the direnv helper', () => {
  const project = join(home, 'project');
  const standin = join(home, 'standin');

  beforeAll(() => {
    mkdirSync(join(project, 'sub'), { recursive: true });
    writeFileSync(join(project, '.awsdir.yaml'), 'version: 1\n');
    writeFileSync(join(project, '.envrc'), readFileSync(join(ROOT, 'templates', '.envrc'), 'utf8'));
    // `awsdir export` played by a stand-in, so this tests the helper, not the credential chain.
    const exports = renderExports(
      { set: { AWSDIR_LABEL: 'prod $(x)', AWS_REGION: 'eu-west-1' }, unset: ['AWS_PROFILE'], watch: [join(project, '.awsdir.yaml')] },
      'bash',
    );
    writeFileSync(standin, `#!/bin/sh\n[ "$STANDIN_FAIL" = 1 ] && { echo 'awsdir: the stand-in failed' >&2; exit 3; }\ncat <<'EOF'\n${exports}EOF\n`);
    chmodSync(standin, 0o755);
    const lib = join(homeEnv.XDG_CONFIG_HOME!, 'direnv', 'lib');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'awsdir.sh'), snippets['awsdir hook direnv']!);
  });

  // direnv's own stdlib does not load in posix mode (its function names hold dots), so there the
  // helper runs on its own, with watch_file and log_error recording what they are given.
  it('runs in bash --posix: exports on success, watches the project and user files, returns the failure', () => {
    const script = `${snippets['awsdir hook direnv']}
watch_file() { printf 'watch %s\\n' "$@"; }
log_error() { printf 'error %s\\n' "$*"; }
cd ${JSON.stringify(join(project, 'sub'))}
use_aws && printf 'label=%s region=%s\\n' "$AWSDIR_LABEL" "$AWS_REGION"
STANDIN_FAIL=1 use_aws; echo "status=$?"
AWSDIR_BIN=/nonexistent use_aws; echo "status=$?"`;
    const r = spawnSync('bash', ['--norc', '--posix', '-c', script], { env: { PATH, ...homeEnv, BASH_COMPAT: '3.2', AWSDIR_BIN: standin } });
    expect(r.stderr.toString()).toBe('awsdir: the stand-in failed\n');
    const userFile = join(homeEnv.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml');
    expect(r.stdout.toString().split('\n')).toEqual([
      `watch ${join(project, '.awsdir.yaml')}`,
      'label=prod $(x) region=eu-west-1',
      `watch ${join(project, '.awsdir.yaml')}`,
      `watch ${userFile}`,
      'status=3',
      'error awsdir: AWSDIR_BIN=/nonexistent is not an executable command; point it at the awsdir command or unset it',
      `watch ${join(project, '.awsdir.yaml')}`,
      `watch ${userFile}`,
      'status=1',
      '',
    ]);
  });

  it('loads the identity inside the real direnv, its bash at compatibility level 3.2', () => {
    const bash = join(home, 'bash-compat32');
    writeFileSync(bash, '#!/bin/sh\nBASH_COMPAT=3.2 exec /bin/bash "$@"\n');
    chmodSync(bash, 0o755);
    const env = { PATH, LANG: 'C.UTF-8', ...homeEnv, AWSDIR_BIN: standin, DIRENV_BASH: bash };
    expect(spawnSync('direnv', ['allow', project], { env }).status).toBe(0);
    const r = spawnSync('direnv', ['export', 'json'], { cwd: project, env });
    expect(r.stderr.toString()).not.toMatch(/syntax error|bad substitution|command not found|not a valid identifier/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ AWSDIR_LABEL: 'prod $(x)', AWS_REGION: 'eu-west-1' });
  });
});

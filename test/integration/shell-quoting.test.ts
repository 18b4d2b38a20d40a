import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { AwsdirError } from '../../src/core/errors';
import { renderExports, type ShellName } from '../../src/shell/render';

// Every value is evaluated by the real shell, then read back from `env -0` of a child process,
// so the test sees what a program started from that shell would see, byte for byte.

const work = mkdtempSync(join(tmpdir(), 'awsdir-shell-'));
const canary = join(work, 'pwned');
// fish writes its own files under HOME; keep them out of the directory the canary lives in.
const shellHome = mkdtempSync(join(tmpdir(), 'awsdir-shell-home-'));

const hostile: string[] = [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `"; touch ${canary}; "`,
  `'; touch ${canary}; '`,
  `\\'; touch ${canary}; #`,
  `a; touch ${canary} & true | true`,
  `$((1+1)) \${HOME} $HOME ~ * ? [a] {a,b} !! !$`,
  `'`,
  `''`,
  `'''`,
  `"`,
  `\\`,
  `\\\\'`,
  `ends with backslash\\`,
  `line1\nline2\n`,
  `\n`,
  `\r\n`,
  `tab\there`,
  `ünïcödé 日本語 العربية`,
  `emoji 🙂👍🏽🏳️‍🌈`,
  `-e`,
  `--`,
  `-n -e --help`,
  `%s %d %n %% %F{red}%~%#`,
  `\\n literal`,
  `\\x41\\u0041\\101`,
  '',
  ' ',
  '  leading and trailing spaces  ',
  '#not a comment',
  '=',
  'a=b=c',
  'x'.repeat(20000),
  '\u{F600}\u{F6FF}\u{FFFD}\u{FEFF}\u{200B}\u{10FFFF}',
  Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join(''),
  ...Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)),
];

type RealShell = 'bash' | 'zsh' | 'fish';

/** The command that evaluates the rendered file as a person's shell would, then lists its environment. */
function shellArgs(shell: RealShell | 'zsh-rcquotes', file: string): [string, string[]] {
  switch (shell) {
    case 'bash':
      return ['bash', ['--norc', '--noprofile', '-c', 'eval "$(cat "$1")" && exec env -0', 'bash', file]];
    case 'zsh':
      return ['zsh', ['-f', '-c', 'eval "$(<$1)" && exec env -0', 'zsh', file]];
    case 'zsh-rcquotes':
      return ['zsh', ['-f', '-o', 'rcquotes', '-c', 'eval "$(<$1)" && exec env -0', 'zsh', file]];
    case 'fish':
      return ['fish', ['--no-config', '-c', 'source $argv[1]; and exec env -0', file]];
  }
}

let counter = 0;

/** Evaluates `values` as V0..Vn in one shell process; returns what the child environment held. */
function evaluate(shell: RealShell | 'zsh-rcquotes', values: string[], unset: string[] = []): Map<string, Buffer> {
  const set: Record<string, string> = {};
  values.forEach((v, i) => (set[`V${i}`] = v));
  const rendered = renderExports({ set, unset }, shell === 'zsh-rcquotes' ? 'zsh' : shell);
  const file = join(work, `exports-${counter++}`);
  writeFileSync(file, rendered);
  const [command, args] = shellArgs(shell, file);
  const r = spawnSync(command, args, {
    cwd: work,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: shellHome, AWS_PROFILE: 'before', AWS_DEFAULT_PROFILE: 'before' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${shell} failed (${r.status}): ${r.stderr.toString()}`);
  expect(r.stderr.toString()).toBe('');
  const env = new Map<string, Buffer>();
  let start = 0;
  for (let i = 0; i < r.stdout.length; i++) {
    if (r.stdout[i] !== 0) continue;
    const entry = r.stdout.subarray(start, i);
    const eq = entry.indexOf(0x3d);
    env.set(entry.subarray(0, eq).toString(), Buffer.from(entry.subarray(eq + 1)));
    start = i + 1;
  }
  return env;
}

function expectRoundTrip(shell: RealShell | 'zsh-rcquotes', values: string[]): void {
  const env = evaluate(shell, values, ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']);
  values.forEach((value, i) => {
    const got = env.get(`V${i}`);
    if (got === undefined || !got.equals(Buffer.from(value, 'utf8'))) {
      throw new Error(
        `${shell}: V${i} did not round-trip: wanted ${JSON.stringify(value.slice(0, 200))}, got ${JSON.stringify(got?.toString().slice(0, 200))}`,
      );
    }
  });
  expect(env.has('AWS_PROFILE')).toBe(false);
  expect(env.has('AWS_DEFAULT_PROFILE')).toBe(false);
  expect(existsSync(canary)).toBe(false);
}

const shells: Array<RealShell | 'zsh-rcquotes'> = ['bash', 'zsh', 'zsh-rcquotes', 'fish'];

describe.each(shells)('exports evaluated by the real %s', (shell) => {
  it('sets every hostile value byte for byte, unsets what it must, and runs nothing', () => {
    expectRoundTrip(shell, hostile);
    expect(readdirSync(work).filter((f) => !f.startsWith('exports-'))).toEqual([]);
  });

  it('round-trips random strings (fuzz)', () => {
    const value = fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
        fc.string({ unit: fc.constantFrom("'", '"', '\\', '$', '`', '(', ')', '\n', ' ', '-', '%', '!', 'a', ';', '{', '}'), maxLength: 20 }),
      )
      .map((s) => s.replace(/\0/g, ''));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (values) => {
        expectRoundTrip(shell, values);
      }),
      { numRuns: shell === 'fish' ? 15 : 25 },
    );
  });
});

describe('values no environment can hold', () => {
  it.each<ShellName>(['bash', 'zsh', 'fish', 'json', 'dotenv'])('refuses a NUL byte for %s as a failure (exit 1)', (shell) => {
    let error: unknown;
    try {
      renderExports({ set: { AWS_SESSION_TOKEN: 'abc\0def' }, unset: [] }, shell);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsdirError);
    expect((error as AwsdirError).kind).toBe('failure');
    expect((error as AwsdirError).message).toMatch(/^AWS_SESSION_TOKEN contains a NUL byte, which no environment variable can hold/);
  });

  it('refuses a name that is not a variable name', () => {
    expect(() => renderExports({ set: { 'A;touch x': 'v' }, unset: [] }, 'bash')).toThrow(/not valid/);
    expect(() => renderExports({ set: {}, unset: ['1A'] }, 'fish')).toThrow(/not valid/);
  });
});

describe('json and dotenv', () => {
  it('json is an object of the set values with null for unset ones', () => {
    const out = renderExports({ set: { A: hostile[0]!, B: 'x\ny' }, unset: ['AWS_PROFILE'] }, 'json');
    expect(JSON.parse(out)).toEqual({ A: hostile[0], B: 'x\ny', AWS_PROFILE: null });
  });

  it('bash alone carries watch_file lines, quoted like values', () => {
    const exports = { set: { A: '1' }, unset: [], watch: [`/tmp/it's $(here)/.awsdir.yaml`] };
    expect(renderExports(exports, 'bash')).toBe(`export A='1'\nwatch_file '/tmp/it'\\''s $(here)/.awsdir.yaml'\n`);
    expect(renderExports(exports, 'zsh')).not.toContain('watch_file');
    expect(renderExports(exports, 'fish')).not.toContain('watch_file');
  });

  const python = spawnSync('python3', ['-c', 'import dotenv'], { stdio: 'ignore' });
  // python-dotenv is one of the readers the dotenv format is written for; where it is missing
  // there is nothing real to read the file with.
  (python.status === 0 ? it : it.skip)('dotenv is read back byte for byte by python-dotenv', () => {
    // python-dotenv interpolates ${...} unless told not to, and its pattern for a quoted value
    // takes a final \\" as an escaped quote, so it cannot read a value that ends in a backslash.
    const values = hostile.filter((v) => !v.includes('${') && !v.endsWith('\\')).slice(0, 40);
    const set: Record<string, string> = {};
    values.forEach((v, i) => (set[`V${i}`] = v));
    const file = join(work, 'env.dotenv');
    writeFileSync(file, renderExports({ set, unset: [] }, 'dotenv'));
    const r = spawnSync('python3', ['-c', 'import sys, json, dotenv; print(json.dumps(dotenv.dotenv_values(sys.argv[1], interpolate=False)))', file]);
    expect(r.stderr.toString()).toBe('');
    expect(JSON.parse(r.stdout.toString())).toEqual(set);
  });
});

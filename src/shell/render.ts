import { AwsdirError } from '../core/errors';

export type ShellName = 'bash' | 'zsh' | 'fish' | 'json' | 'dotenv';
export const shellNames: readonly ShellName[] = ['bash', 'zsh', 'fish', 'json', 'dotenv'];

export interface Exports {
  set: Record<string, string>;
  unset: string[];
  /** Files direnv should watch; only the bash output carries them (the direnv helper evals it). */
  watch?: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A lone surrogate has no UTF-8 form: written out it would silently become U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Renders variables for one shell so that evaluating the text sets exactly these values, byte for
 * byte, and no byte of any value can run code. Every value is quoted the same way whatever it
 * holds: quoting only "when needed" is where injection bugs live.
 */
export function renderExports(exports: Exports, shell: ShellName): string {
  for (const name of [...Object.keys(exports.set), ...exports.unset]) checkName(name);
  for (const [name, value] of Object.entries(exports.set)) checkValue(name, value);
  for (const path of exports.watch ?? []) checkValue('a watched file path', path);
  switch (shell) {
    case 'bash':
    case 'zsh':
      return renderPosix(exports, shell === 'bash' ? (exports.watch ?? []) : []);
    case 'fish':
      return renderFish(exports);
    case 'json':
      return renderJson(exports);
    case 'dotenv':
      return renderDotenv(exports);
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new AwsdirError(`environment variable name ${JSON.stringify(name)} is not valid; a name is a letter or _ followed by letters, digits or _`);
  }
}

function checkValue(name: string, value: string): void {
  if (value.includes('\0')) {
    throw new AwsdirError(`${name} contains a NUL byte, which no environment variable can hold; check where this value comes from`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new AwsdirError(`${name} contains a lone UTF-16 surrogate, which has no byte form; check where this value comes from`);
  }
}

/**
 * bash and zsh: single quotes, inside which nothing is special; a quote itself is written as \'
 * between quoted runs. Empty runs are left out so that no `''` pair ever appears inside a quoted
 * string, which zsh's RC_QUOTES option would read as a literal quote.
 */
export function quotePosix(value: string): string {
  if (value === '') return "''";
  return value
    .split("'")
    .map((run) => (run === '' ? '' : `'${run}'`))
    .join("\\'");
}

function renderPosix(exports: Exports, watch: string[]): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(exports.set)) lines.push(`export ${name}=${quotePosix(value)}`);
  if (exports.unset.length > 0) lines.push(`unset ${exports.unset.join(' ')}`);
  // One call for every file: each watch_file starts a `direnv watch` process, which a `cd` pays.
  if (watch.length > 0) lines.push(`watch_file ${watch.map(quotePosix).join(' ')}`);
  return lines.map((line) => `${line}\n`).join('');
}

/** fish: single quotes, inside which only \\ and \' are escapes. */
export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function renderFish(exports: Exports): string {
  const lines: string[] = [];
  // `--` before the name: after it, fish's `set` would take a `--` as part of the value.
  for (const [name, value] of Object.entries(exports.set)) lines.push(`set -gx -- ${name} ${quoteFish(value)}`);
  for (const name of exports.unset) lines.push(`set -e ${name}`);
  return lines.map((line) => `${line};\n`).join('');
}

function renderJson(exports: Exports): string {
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(exports.set)) out[name] = value;
  for (const name of exports.unset) out[name] = null;
  return `${JSON.stringify(out, null, 2)}\n`;
}

const DOTENV_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * dotenv: `KEY="value"` with \\ \" \n \r \t escapes, the double-quoted form that python-dotenv,
 * Docker Compose and Node's dotenv packages read, so a multi-line value stays on one line. Readers
 * that interpolate `${VAR}` in double quotes (python-dotenv and Compose by default) will do so;
 * no credential contains one. `docker run --env-file` takes values verbatim, quotes included,
 * and is not a target. Unset variables cannot be said in this format and are left out.
 */
function renderDotenv(exports: Exports): string {
  return Object.entries(exports.set)
    .map(([name, value]) => `${name}="${value.replace(/[\\"\n\r\t]/g, (c) => DOTENV_ESCAPES[c] ?? c)}"\n`)
    .join('');
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';

/**
 * `awsdir --help`, `awsdir help CMD` and `awsdir CMD --help` as the full CLI prints them, rendered
 * by scripts/build.mjs from the built CLI itself (stdout a pipe, so commander's 80 columns) into
 * dist/help.json, beside the bundle rather than in it, which every `cd` parses: help answers in the
 * time of a bare `node`, without the argument parser and every command.
 * JSON: { forms: { "<argv as JSON>": index }, texts: string[] }.
 */

/** Commander wraps at the terminal's width on a terminal, and at 80 columns otherwise. */
const WIDTH = 80;

export function prerenderedHelp(argv: readonly string[], ctx: Context): number | undefined {
  if (typeof AWSDIR_BUNDLED === 'undefined' || !AWSDIR_BUNDLED) return undefined;
  if (argv.length > 3 || !argv.every((a) => a === '--help' || a === '-h' || a === 'help' || /^[a-z][a-z-]*$/.test(a))) return undefined;
  if (ctx.io.stdoutColumns !== undefined && ctx.io.stdoutColumns !== WIDTH) return undefined;
  let help: { forms: Record<string, number>; texts: string[] };
  try {
    help = JSON.parse(readFileSync(join(__dirname, 'help.json'), 'utf8')) as typeof help;
  } catch {
    return undefined; // not rendered (see the build's warning): the full CLI answers
  }
  const text = help.texts[help.forms[JSON.stringify(argv)] ?? -1];
  if (text === undefined) return undefined;
  ctx.io.stdout(text);
  return ExitCode.ok;
}

import type { Context } from '../core/context';
import { isAwsdirError } from '../core/errors';
import { redact } from '../core/redact';
import { ExitCode, exitCodeOf } from './exitCodes';

/**
 * A command's error as one stderr line, and its exit code: the full CLI's end (runProgram.ts) and
 * that of a command the hit bundle runs to its end (a cache miss of export or credential-process).
 */
export function reportError(error: unknown, ctx: Context): number {
  if (isAwsdirError(error)) {
    ctx.io.stderr(`awsdir: ${error.message}\n`);
    if (ctx.env.AWSDIR_DEBUG === '1' && error.cause) ctx.io.stderr(`awsdir[debug]: cause: ${redact(String(causeText(error.cause)))}\n`);
    return exitCodeOf(error);
  }
  // A bug, not a situation we foresaw: say so, and keep the stack for the report.
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ctx.io.stderr(`awsdir: internal error: ${redact(text.split('\n')[0] ?? '')}; rerun with AWSDIR_DEBUG=1 and report it\n`);
  if (ctx.env.AWSDIR_DEBUG === '1') ctx.io.stderr(`${redact(text)}\n`);
  return ExitCode.failure;
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

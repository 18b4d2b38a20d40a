import { CommanderError } from 'commander';
import { onConfigWarning } from '../core/configWarnings';
import type { Context } from '../core/context';
import { isAwsdirError } from '../core/errors';
import { ExitCode, exitCodeOf } from './exitCodes';
import { createProgram, type Outcome } from './program';
import { redact } from '../core/redact';
import { createReporter } from '../core/reporter';

/**
 * Every command through the argument parser: runs it, and turns whatever came out into one stderr
 * line and an exit code. Lives in its own chunk (dist/cli.cjs) so that the cache-hit export, which
 * main.ts serves first, never parses the parser, the commands or their dependencies.
 */
export async function runProgram(argv: string[], ctx: Context): Promise<number> {
  const outcome: Outcome = { exitCode: ExitCode.ok };
  const program = createProgram(ctx, outcome);
  if (argv.length === 0) {
    ctx.io.stdout(program.helpInformation());
    return ExitCode.ok;
  }
  // What the configuration accepts only as written is said on stderr, by whichever command read it.
  const reporter = createReporter(ctx);
  const stopWarnings = onConfigWarning((message) => reporter.warn(message));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    return report(error, ctx);
  } finally {
    stopWarnings();
  }
}

function report(error: unknown, ctx: Context): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.ok; // --help, --version
    // "error: unknown command 'exprot'\n(Did you mean export?)" -> one line
    const text = error.message
      .replace(/^error: /, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    ctx.io.stderr(`awsdir: ${text}; see 'awsdir --help'\n`);
    return ExitCode.usage;
  }
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

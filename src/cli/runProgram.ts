import { CommanderError } from 'commander';
import { onConfigWarning } from '../core/configWarnings';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';
import { createProgram, type Outcome } from './program';
import { reportError } from './reportError';
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
  return reportError(error, ctx);
}

import { CommanderError } from 'commander';
import type { Context } from './context';
import { ExitCode, isAwsdirError } from './errors';
import { createProgram, type Outcome } from './program';
import { redact } from './redact';

/**
 * The only module that reads `process` or exits. It builds the Context every handler receives,
 * runs the command, and turns whatever came out into one stderr line and an exit code.
 */
export async function run(argv: string[], ctx: Context): Promise<number> {
  const outcome: Outcome = { exitCode: ExitCode.ok };
  const program = createProgram(ctx, outcome);
  if (argv.length === 0) {
    ctx.io.stdout(program.helpInformation());
    return ExitCode.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    return report(error, ctx);
  }
}

function report(error: unknown, ctx: Context): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return ExitCode.ok; // --help, --version
    // "error: unknown command 'exprot'\n(Did you mean export?)" -> one line
    const text = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
    ctx.io.stderr(`awsdir: ${text}; see 'awsdir --help'\n`);
    return ExitCode.usage;
  }
  if (isAwsdirError(error)) {
    ctx.io.stderr(`awsdir: ${error.message}\n`);
    if (ctx.env.AWSDIR_DEBUG === '1' && error.cause) ctx.io.stderr(`awsdir[debug]: cause: ${redact(String(causeText(error.cause)))}\n`);
    return error.exitCode;
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

function processContext(controller: AbortController): Context {
  return {
    env: process.env,
    cwd: process.cwd(),
    io: {
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
    },
    now: () => Date.now(),
    pid: process.pid,
    platform: process.platform,
    self: { node: process.execPath, script: process.argv[1] ?? '' },
    signal: controller.signal,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
  };
}

if (require.main === module) {
  const controller = new AbortController();
  let interrupted = 0;
  const interrupt = (): void => {
    interrupted += 1;
    // The first Ctrl-C lets the command clean up (locks, terminal modes); a second one insists.
    if (interrupted > 1) process.exit(ExitCode.cancelled);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  run(process.argv.slice(2), processContext(controller)).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (error: unknown) => {
      process.stderr.write(`awsdir: internal error: ${redact(String(error))}\n`);
      process.exit(ExitCode.failure);
    },
  );
}

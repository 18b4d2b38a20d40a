import type { Context } from './context';
import { ExitCode } from './errors';
import { loadCliChunk } from './chunks';
import { exportCacheHit } from './exportCacheHit';
import { prerenderedHelp } from './prerenderedHelp';
import { redact } from './redact';

/**
 * The only module that reads `process` or exits. It builds the Context every handler receives and
 * runs the command: the cache-hit export that every `cd` pays is served first, without loading the
 * argument parser or any other command (exportCacheHit), and so is help rendered at build time
 * (prerenderedHelp); everything else goes through the full
 * program (runProgram, in its own chunk), which prints every error as one stderr line.
 */
export async function run(argv: string[], ctx: Context): Promise<number> {
  const help = prerenderedHelp(argv, ctx);
  if (help !== undefined) return help;
  const served = await exportCacheHit(argv, ctx);
  if (served !== undefined) return served;
  return loadCliChunk().runProgram(argv, ctx);
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
      ...(process.stdout.isTTY ? { stdoutColumns: process.stdout.columns } : {}),
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
    // The first Ctrl-C lets the command clean up (locks, terminal modes); a second one insists,
    // unless a command passes signals on to a child (exec, via onSignal): then the child decides
    // when to stop, and leaving it running on the terminal without awsdir would orphan it.
    if (interrupted > 1 && process.listenerCount('SIGINT') <= 1) process.exit(ExitCode.cancelled);
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

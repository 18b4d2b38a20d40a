import { fstatSync, writeSync } from 'node:fs';
import type { Context } from '../core/context';
import { ExitCode } from './exitCodes';
import { loadCliChunk } from './loadCliChunk';
import { exportCacheHit } from './exportCacheHit';
import { completionList } from './completionList';
import { prerenderedHelp } from './prerenderedHelp';
import { redact } from '../core/redact';

/**
 * The only module that reads `process` or exits. It builds the Context every handler receives and
 * runs the command: the cache-hit export that every `cd` pays, and the cache-hit credential-process
 * the AWS CLI runs for its commands, are served first, without loading the argument parser or any
 * other command (exportCacheHit), and so are help rendered at build time
 * (prerenderedHelp) and the source names completion scripts ask for (completionList); everything
 * else goes through the full
 * program (runProgram, in its own chunk), which prints every error as one stderr line.
 */
export async function run(argv: string[], ctx: Context): Promise<number> {
  const help = prerenderedHelp(argv, ctx);
  if (help !== undefined) return help;
  const served = (await exportCacheHit(argv, ctx)) ?? (await completionList(argv, ctx));
  if (served !== undefined) return served;
  return loadCliChunk().runProgram(argv, ctx);
}

/**
 * stdout and stderr go straight to their descriptors, and whether one is a terminal is asked only
 * when a command wants to know: creating process.stdin/stdout/stderr (sockets for pipes, tty
 * streams for a terminal) costs every `cd` several milliseconds. A descriptor that cannot take a
 * write at once (a full non-blocking pipe, or any error) hands it, and every later write, to the
 * stream as before.
 */
function descriptorWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): { write(text: string): void; readonly streamed: boolean } {
  let streamed = false;
  return {
    write(text) {
      if (streamed) {
        stream().write(text);
        return;
      }
      const bytes = Buffer.from(text);
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      } catch {
        streamed = true;
        stream().write(bytes.subarray(offset));
      }
    },
    get streamed() {
      return streamed;
    },
  };
}

const out = descriptorWriter(1, () => process.stdout);
const err = descriptorWriter(2, () => process.stderr);
function isTerminal(fd: number): boolean {
  // A terminal is a character device: a pipe or a file is answered without loading node:tty,
  // which costs ~6 ms (it loads node:net).
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** Descriptor writes are done when they return; a stream that took over may still hold some. */
function exitWhenWritten(code: number): void {
  const pending = [out.streamed ? process.stdout : undefined, err.streamed ? process.stderr : undefined].filter((s) => s !== undefined);
  let left = pending.length;
  if (left === 0) process.exit(code);
  for (const stream of pending) stream.write('', () => --left === 0 && process.exit(code));
}

function processContext(controller: AbortController): Context {
  return {
    // A copy, taken before quietAwsSdkWarning: what commands read and what the programs awsdir
    // starts receive is the environment awsdir was given.
    env: { ...process.env },
    cwd: process.cwd(),
    io: {
      stdout: (text) => out.write(text),
      stderr: (text) => err.write(text),
      get stdinIsTTY() {
        return isTerminal(0);
      },
      get stderrIsTTY() {
        return isTerminal(2);
      },
      get stdoutColumns() {
        return isTerminal(1) ? process.stdout.columns : undefined;
      },
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

/**
 * The AWS SDK prints a nine-line NodeVersionSupportWarning on Node.js below 22 each time it loads:
 * on every cache miss, and once in the middle of rotate's MFA prompt. `awsdir doctor` says it once,
 * with the date and what to do; the rest of the time awsdir keeps it off the screen. Set for this
 * process alone (the SDK reads it here), after the context's copy of the environment, so no
 * program awsdir starts inherits it; a value the person set is left as it is.
 */
function quietAwsSdkWarning(): void {
  if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
  const ctx = processContext(controller);
  quietAwsSdkWarning();
  run(process.argv.slice(2), ctx).then(
    (code) => exitWhenWritten(code),
    (error: unknown) => {
      process.stderr.write(`awsdir: internal error: ${redact(String(error))}\n`);
      process.exit(ExitCode.failure);
    },
  );
}

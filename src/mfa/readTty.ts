import { closeSync, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { AwsdirError, CancelledError } from '../core/errors';

export interface ReadTtyOptions {
  prompt: string;
  /** What to echo per accepted character: '*' for MFA codes, '' for secrets, 'self' for visible input. */
  echo: string;
  /** Which characters to take; others are ignored (a code takes only digits). */
  accept: (char: string) => boolean;
  /** Stop taking input at this many characters. */
  maxLength?: number;
  signal?: AbortSignal;
  /** Says what to do instead when there is no terminal. */
  noTerminalHint: string;
  /** Path of the terminal, for tests. */
  ttyPath?: string;
}

function openTty(ttyPath: string | undefined, hint: string): number {
  try {
    return openSync(ttyPath ?? '/dev/tty', 'r+');
  } catch (error) {
    // ENXIO: no controlling terminal (`direnv exec` in CI, an IDE). Fail at once, never wait.
    throw new AwsdirError(`no terminal to ask on (${(error as NodeJS.ErrnoException).code ?? 'error'}); ${hint}`, { cause: error });
  }
}

/** Throws the no-terminal error now, before anything slow (a wait for the next code window) starts. */
export function assertTerminal(hint: string, ttyPath?: string): void {
  closeSync(openTty(ttyPath, hint));
}

/**
 * Reads one line from the controlling terminal in raw mode, editing the line itself. Raw mode
 * because under direnv's fish hook the terminal is left without echo and without line mode, so a
 * plain read would never see Enter; the prompt goes to the terminal, never to stdout.
 */
export async function readTty(options: ReadTtyOptions): Promise<string> {
  const fd = openTty(options.ttyPath, options.noTerminalHint);
  const input = new ReadStream(fd);
  const write = (text: string): void => {
    // Synchronous, so the echo is on screen before the next key is read.
    try {
      writeSync(fd, text);
    } catch {
      // A terminal that went away is reported by the read side.
    }
  };
  let raw = false;
  try {
    input.setRawMode(true);
    raw = true;
    write(options.prompt);
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const finish = (error: Error | null): void => {
        input.off('data', onData);
        input.off('end', onEnd);
        options.signal?.removeEventListener('abort', onAbort);
        write('\r\n');
        if (error) reject(error);
        else resolve(value);
      };
      const onAbort = (): void => finish(new CancelledError());
      const onEnd = (): void => finish(new CancelledError('the terminal closed before the input was complete'));
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') return finish(null);
          if (char === '\u0003') return finish(new CancelledError());
          if (char === '\u0004' && value === '') return finish(new CancelledError());
          if (char === '\u007f' || char === '\b') {
            if (value.length > 0) {
              value = value.slice(0, -1);
              if (options.echo) write('\b \b');
            }
            continue;
          }
          if (char === '\u0015') {
            if (options.echo) write('\b \b'.repeat(value.length));
            value = '';
            continue;
          }
          if (!options.accept(char)) continue;
          if (options.maxLength !== undefined && value.length >= options.maxLength) continue;
          value += char;
          write(options.echo === 'self' ? char : options.echo);
        }
      };
      if (options.signal?.aborted) return finish(new CancelledError());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      input.on('data', onData);
      input.on('end', onEnd);
    });
  } finally {
    if (raw) {
      try {
        input.setRawMode(false);
      } catch {
        // Nothing left to restore on a terminal that is gone.
      }
    }
    input.pause();
    // The stream owns the fd: destroying it closes it.
    input.destroy();
  }
}

/**
 * A short question (y/n) on /dev/tty, where the MFA prompt asks too, so it works under direnv in
 * bash, zsh and fish; undefined when there is no terminal, so the caller can refuse instead.
 */
export function terminalQuestion(signal: AbortSignal, noTerminalHint: string): ((question: string) => Promise<string>) | undefined {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
  } catch {
    return undefined;
  }
  return (question) => readTty({ prompt: question, echo: 'self', accept: (c) => /[A-Za-z]/.test(c), maxLength: 3, signal, noTerminalHint });
}

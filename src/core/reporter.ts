import type { Context } from './context';
import { redact } from './redact';

/** Messages on stderr: plain lines, optional colour, and debug lines that never carry a secret. */
export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  readonly color: boolean;
  readonly debugEnabled: boolean;
}

export function createReporter(ctx: Pick<Context, 'env' | 'io'>): Reporter {
  const color = useColor(ctx.env, ctx.io.stderrIsTTY);
  const debugEnabled = ctx.env.AWSDIR_DEBUG === '1' || ctx.env.AWSDIR_DEBUG === 'true';
  return {
    color,
    debugEnabled,
    info: (message) => ctx.io.stderr(`awsdir: ${message}\n`),
    warn: (message) => ctx.io.stderr(`awsdir: ${color ? paint('33', 'warning') : 'warning'}: ${message}\n`),
    debug: (message) => {
      if (debugEnabled) ctx.io.stderr(`awsdir[debug]: ${redact(message)}\n`);
    },
  };
}

/** NO_COLOR (any value) wins; otherwise colour only when a person is looking at stderr. */
export function useColor(env: Context['env'], stderrIsTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stderrIsTTY;
}

export function paint(code: string, text: string): string {
  return `\u001b[${code}m${text}\u001b[0m`;
}

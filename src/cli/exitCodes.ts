import type { ErrorKind } from '../core/errors';

/** Exit codes (docs/commands.md): the one place an error's kind becomes a number. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  cancelled: 130,
} as const satisfies Record<ErrorKind | 'ok', number>;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeOf(error: { readonly kind: ErrorKind }): ExitCode {
  return ExitCode[error.kind];
}

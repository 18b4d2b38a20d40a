/** Exit codes of DESIGN.md section 6. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every error meant for a person. The message leads with the subject and ends with the fix;
 * main.ts prints it as one line `awsdir: <message>` and exits with `exitCode`.
 */
export class AwsdirError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsdirError';
    this.exitCode = exitCode;
  }
}

/** Bad arguments or flags (exit 2). */
export class UsageError extends AwsdirError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

/** An invalid project or user file (exit 3). */
export class ConfigError extends AwsdirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.config, options);
    this.name = 'ConfigError';
  }
}

/** The person said no, or pressed Ctrl-C (exit 130). */
export class CancelledError extends AwsdirError {
  constructor(message = 'cancelled') {
    super(message, ExitCode.cancelled);
    this.name = 'CancelledError';
  }
}

export function isAwsdirError(error: unknown): error is AwsdirError {
  return error instanceof AwsdirError;
}

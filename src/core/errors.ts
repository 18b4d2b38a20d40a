/**
 * What kind of trouble an error reports: a command that could not do its work, bad arguments or
 * flags, an invalid project or user file, or a person who said no or pressed Ctrl-C. The CLI alone
 * turns a kind into an exit code (src/cli/exitCodes.ts).
 */
export type ErrorKind = 'failure' | 'usage' | 'config' | 'cancelled';

export interface AwsdirErrorOptions {
  /** 'failure' unless given. */
  kind?: ErrorKind;
  cause?: unknown;
}

/**
 * Marks an AwsdirError across awsdir's bundles: each chunk of dist/ holds a copy of this class, and
 * an error thrown in one (an MFA prompt of the STS chunk) is handled in another (the hit bundle),
 * where `instanceof` answers false.
 */
const AWSDIR_ERROR = Symbol.for('awsdir.error');

/**
 * Every error meant for a person. The message leads with the subject and ends with the fix;
 * the CLI prints it as one line `awsdir: <message>` and exits with the code of its kind.
 */
export class AwsdirError extends Error {
  readonly kind: ErrorKind;
  constructor(message: string, options: AwsdirErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'AwsdirError';
    this.kind = options.kind ?? 'failure';
    Object.defineProperty(this, AWSDIR_ERROR, { value: true });
  }
}

/** Bad arguments or flags. */
export class UsageError extends AwsdirError {
  constructor(message: string) {
    super(message, { kind: 'usage' });
    this.name = 'UsageError';
  }
}

/** An invalid project or user file. */
export class ConfigError extends AwsdirError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { kind: 'config', ...options });
    this.name = 'ConfigError';
  }
}

/** The person said no, or pressed Ctrl-C. */
export class CancelledError extends AwsdirError {
  constructor(message = 'cancelled') {
    super(message, { kind: 'cancelled' });
    this.name = 'CancelledError';
  }
}

export function isAwsdirError(error: unknown): error is AwsdirError {
  return error instanceof AwsdirError || (error instanceof Error && (error as unknown as Record<symbol, unknown>)[AWSDIR_ERROR] === true);
}

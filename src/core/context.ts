/**
 * What a command handler may know about the world. Only main.ts builds one from `process`;
 * everything below takes it as an argument, so tests can hand in their own.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Io {
  /** Requested output. A handler writes it once, after success. */
  stdout(text: string): void;
  /** Messages for the person; never a secret. */
  stderr(text: string): void;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The terminal's width when stdout is one; undefined when it is a pipe or a file. */
  stdoutColumns?: number;
}

export interface Context {
  env: Env;
  cwd: string;
  io: Io;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now(): number;
  pid: number;
  platform: NodeJS.Platform;
  /** How to start this very awsdir again (for credential_process profiles and exec). */
  self: { node: string; script: string };
  /** Aborted on SIGINT/SIGTERM, so waits and prompts can stop cleanly. */
  signal: AbortSignal;
  /** Listen for a signal sent to this process (exec forwards them); returns the unsubscribe. */
  onSignal(signal: NodeJS.Signals, handler: () => void): () => void;
}

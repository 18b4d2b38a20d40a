import { spawn } from 'node:child_process';
import { AwsdirError, CancelledError, ConfigError } from '../core/errors';
import type { Env } from '../core/context';
import { splitCommandLine } from '../core/splitCommandLine';
import { childEnvironment } from '../core/childEnvironment';

export interface RunMfaProcessOptions {
  command: string;
  env: Env;
  stderr: (text: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Runs the user file's `mfa_process` (e.g. `ykman oath accounts code --single aws`) and returns its
 * code. Its stderr ("Touch your YubiKey") reaches the person as it comes.
 */
export async function runMfaProcess(options: RunMfaProcessOptions): Promise<string> {
  const [file, ...args] = splitCommandLine(options.command, (quote) => new ConfigError(`mfa_process has an unclosed ${quote} quote; fix it in the user file`));
  if (!file) throw new ConfigError('mfa_process in the user file is empty; set it to a command that prints a 6-digit code');
  const env = childEnvironment(options.env);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const result = await new Promise<{ code: number | null; stdout: string; timedOut: boolean; error?: Error }>((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    let stdout = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < 4096) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => options.stderr(d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, timedOut, error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, timedOut });
    });
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ABORT_ERR') throw new CancelledError('cancelled while mfa_process was running');
    throw new AwsdirError(`mfa_process '${file}' could not start (${code ?? result.error.message}); check the command in the user file`, {
      cause: result.error,
    });
  }
  if (result.timedOut) {
    throw new AwsdirError(`mfa_process '${file}' gave no code within ${Math.round(timeoutMs / 1000)} s; check the device, or give the code with --mfa-code`);
  }
  if (result.code !== 0) {
    throw new AwsdirError(`mfa_process '${file}' exited with ${result.code}; run it by hand to see why, or give the code with --mfa-code`);
  }
  const code = result.stdout.trim();
  if (!/^\d{6}$/.test(code)) {
    throw new AwsdirError(`mfa_process '${file}' printed something other than a 6-digit code; make it print only the code`);
  }
  return code;
}

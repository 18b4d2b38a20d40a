import { AwsdirError } from '../cli/errors';
import type { Env } from '../cli/context';

export interface RunMfaProcessOptions {
  command: string;
  env: Env;
  stderr: (text: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Runs the user file's `mfa_process` (e.g. `ykman oath accounts code --single aws`) and returns its
 * code. The command line is split without a shell, so no value of the file is interpreted twice;
 * its stderr ("Touch your YubiKey") reaches the person as it comes.
 */
export async function runMfaProcess(options: RunMfaProcessOptions): Promise<string> {
  // execa is ES-module heavy: load it only when a code is actually needed.
  const { execa, parseCommandString } = await import('execa');
  const [file, ...args] = parseCommandString(options.command);
  if (!file) throw new AwsdirError('mfa_process in the user file is empty; set it to a command that prints a 6-digit code', 3);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) {
    // The child gets no code or passphrase of ours.
    if (v !== undefined && k !== 'AWSDIR_MFA_CODE' && k !== 'AWSDIR_FILE_PASSPHRASE') env[k] = v;
  }
  const child = execa(file, args, {
    env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: options.timeoutMs ?? 60_000,
    reject: false,
    stripFinalNewline: true,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  child.stderr?.on('data', (chunk: Buffer) => options.stderr(chunk.toString()));
  const result = await child;
  if (result.timedOut) {
    throw new AwsdirError(`mfa_process '${file}' gave no code within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s; check the device, or give the code with --mfa-code`);
  }
  if (result.failed || result.exitCode !== 0) {
    const why = result.exitCode !== undefined ? `exited with ${result.exitCode}` : (result.shortMessage ?? 'failed');
    throw new AwsdirError(`mfa_process '${file}' ${why}; run it by hand to see why, or give the code with --mfa-code`);
  }
  const code = String(result.stdout ?? '').trim();
  if (!/^\d{6}$/.test(code)) {
    throw new AwsdirError(`mfa_process '${file}' printed something other than a 6-digit code; make it print only the code`);
  }
  return code;
}

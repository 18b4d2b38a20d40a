import { abortableSleep } from '../core/abortableSleep';
import { AwsdirError, UsageError } from '../core/errors';
import type { Env } from '../core/context';
import type { Reporter } from '../core/reporter';
import { explainAwsError, isWrongMfaCode, type AwsErrorContext } from '../aws/errors';
import { recordLastStep, stepAt, waitForNewStep } from './lastStep';
import { assertTerminal, readTty } from './readTty';
import { runMfaProcess } from './runMfaProcess';

/** Where a code came from; only a code typed at the prompt is asked for again when refused. */
export type CodeOrigin = 'flag' | 'env' | 'process' | 'prompt';

export const MAX_PROMPT_ATTEMPTS = 3;

export interface MfaCodeProviderInit {
  /** --mfa-code */
  flagCode?: string;
  env: Env;
  stateDir: string;
  reporter: Reporter;
  stderr: (text: string) => void;
  now: () => number;
  signal?: AbortSignal;
  /** Replaces the terminal prompt (tests of the logic only). */
  readCode?: (prompt: string) => Promise<string>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface MfaCodeProvider {
  /**
   * Gets a code for `serial` and runs `call` with it. A code typed at the prompt that STS refuses
   * is asked for again (at most 3 times); a code from the flag, the environment or mfa_process is
   * not, since asking again would give the same code.
   */
  use<T>(serial: string, mfaProcess: string | undefined, call: (code: string) => Promise<T>, context: AwsErrorContext): Promise<T>;
}

export const NO_TERMINAL_HINT =
  'give the code with AWSDIR_MFA_CODE=123456 or --mfa-code, or set mfa_process for the source in the user file to a command that prints one';

export function createMfaCodeProvider(init: MfaCodeProviderInit): MfaCodeProvider {
  const given =
    init.flagCode !== undefined && init.flagCode !== ''
      ? { code: init.flagCode, origin: 'flag' as const }
      : init.env.AWSDIR_MFA_CODE
        ? { code: init.env.AWSDIR_MFA_CODE, origin: 'env' as const }
        : undefined;
  let givenUsed = false;
  const sleep = init.sleep ?? ((ms: number, signal?: AbortSignal) => abortableSleep(ms, signal, 'cancelled while waiting for a new MFA code window'));

  async function waitForWindow(serial: string): Promise<void> {
    const ms = waitForNewStep(init.stateDir, serial, init.now());
    if (ms <= 0) return;
    init.reporter.info(`waiting ${Math.ceil(ms / 1000)}s for a new MFA code window (AWS refuses a code twice)`);
    await sleep(ms, init.signal);
  }

  async function next(serial: string, mfaProcess: string | undefined): Promise<{ code: string; origin: CodeOrigin }> {
    if (given) {
      if (givenUsed) {
        const where = given.origin === 'flag' ? '--mfa-code' : 'AWSDIR_MFA_CODE';
        throw new AwsdirError(
          `MFA: a second code is needed for ${serial} in this run, and ${where} gave only one (AWS takes each code once); run again with the next code`,
        );
      }
      givenUsed = true;
      if (!/^\d{6}$/.test(given.code)) {
        throw new UsageError(`${given.origin === 'flag' ? '--mfa-code' : 'AWSDIR_MFA_CODE'} must be the 6 digits your MFA device shows`);
      }
      return given;
    }
    if (mfaProcess) {
      await waitForWindow(serial);
      return {
        code: await runMfaProcess({ command: mfaProcess, env: init.env, stderr: init.stderr, ...(init.signal ? { signal: init.signal } : {}) }),
        origin: 'process',
      };
    }
    if (!init.readCode) assertTerminal(NO_TERMINAL_HINT);
    await waitForWindow(serial);
    const prompt = `Enter MFA code for ${serial}: `;
    const code = init.readCode
      ? await init.readCode(prompt)
      : await readTty({
          prompt,
          echo: '*',
          accept: (c) => c >= '0' && c <= '9',
          maxLength: 6,
          noTerminalHint: NO_TERMINAL_HINT,
          ...(init.signal ? { signal: init.signal } : {}),
        });
    return { code, origin: 'prompt' };
  }

  return {
    async use(serial, mfaProcess, call, context) {
      for (let attempt = 1; ; attempt += 1) {
        const { code, origin } = await next(serial, mfaProcess);
        if (origin === 'prompt' && !/^\d{6}$/.test(code)) {
          if (attempt < MAX_PROMPT_ATTEMPTS) {
            init.reporter.info('an MFA code is 6 digits; try again');
            continue;
          }
          throw new AwsdirError(`MFA: no 6-digit code after ${MAX_PROMPT_ATTEMPTS} attempts; run again and type the code your device shows`);
        }
        try {
          const result = await call(code);
          recordLastStep(init.stateDir, serial, stepAt(init.now()));
          return result;
        } catch (error) {
          if (isWrongMfaCode(error) && origin === 'prompt' && attempt < MAX_PROMPT_ATTEMPTS) {
            init.reporter.info(`MFA code refused (wrong, or already used); try again (attempt ${attempt + 1} of ${MAX_PROMPT_ATTEMPTS})`);
            continue;
          }
          throw explainAwsError(error, { ...context, mfaSerial: serial });
        }
      }
    },
  };
}

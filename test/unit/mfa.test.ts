import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMfaCodeProvider, type MfaCodeProviderInit } from '../../src/mfa/createMfaCodeProvider';
import { readLastStep, recordLastStep, stepAt, waitForNewStep } from '../../src/mfa/lastStep';
import { readTty } from '../../src/mfa/readTty';
import type { Reporter } from '../../src/core/reporter';
import { MFA_SERIAL as SERIAL } from '../support/fixture';

const wrongCode = Object.assign(new Error('MultiFactorAuthentication failed with invalid MFA one time pass code. '), { name: 'AccessDenied' });

function setup(overrides: Partial<MfaCodeProviderInit> = {}) {
  const messages: string[] = [];
  const reporter: Reporter = { info: (m) => messages.push(m), warn: (m) => messages.push(m), debug: () => undefined, color: false, debugEnabled: false };
  const asked: string[] = [];
  const slept: number[] = [];
  let now = 1_700_000_000_000;
  const provider = createMfaCodeProvider({
    env: {},
    stateDir: mkdtempSync(join(tmpdir(), 'awsdir-mfa-')),
    reporter,
    stderr: () => undefined,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    ...overrides,
  });
  return { provider, messages, asked, slept, advance: (ms: number) => (now += ms) };
}

describe('MFA codes', () => {
  test('a typed code that STS refuses is asked for again, at most 3 times', async () => {
    const typed = ['111111', '222222', '333333'];
    const { provider, messages } = setup({ readCode: async () => typed.shift() ?? '' });
    const tried: string[] = [];
    await expect(
      provider.use(
        SERIAL,
        undefined,
        async (code) => {
          tried.push(code);
          throw wrongCode;
        },
        { action: 'GetSessionToken' },
      ),
    ).rejects.toThrow(/MFA code for arn:aws:iam::111111111111:mfa\/alice was refused/);
    expect(tried).toEqual(['111111', '222222', '333333']);
    expect(messages.filter((m) => m.includes('try again'))).toHaveLength(2);
  });

  test('a wrong then a right typed code succeeds', async () => {
    const typed = ['111111', '654321'];
    const { provider } = setup({ readCode: async () => typed.shift() ?? '' });
    const result = await provider.use(
      SERIAL,
      undefined,
      async (code) => {
        if (code !== '654321') throw wrongCode;
        return 'ok';
      },
      { action: 'GetSessionToken' },
    );
    expect(result).toBe('ok');
  });

  test('a code from AWSDIR_MFA_CODE is not retried, and a second one is not invented', async () => {
    const { provider } = setup({
      env: { AWSDIR_MFA_CODE: '123456' },
      readCode: async () => {
        throw new Error('must not prompt');
      },
    });
    let calls = 0;
    await expect(
      provider.use(
        SERIAL,
        undefined,
        async () => {
          calls += 1;
          throw wrongCode;
        },
        { action: 'AssumeRole' },
      ),
    ).rejects.toThrow(/refused/);
    expect(calls).toBe(1);
    await expect(provider.use(SERIAL, undefined, async () => 'x', { action: 'AssumeRole' })).rejects.toThrow(/AWSDIR_MFA_CODE gave only one/);
  });

  test('--mfa-code must be 6 digits (exit 2)', async () => {
    const { provider } = setup({ flagCode: '12345' });
    await expect(provider.use(SERIAL, undefined, async () => 'x', { action: 'GetSessionToken' })).rejects.toMatchObject({ kind: 'usage' });
  });

  test('a wrong serial is said differently from a wrong code', async () => {
    const { provider } = setup({ flagCode: '123456' });
    const wrongSerial = Object.assign(
      new Error('MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.'),
      { name: 'AccessDenied' },
    );
    await expect(
      provider.use(
        SERIAL,
        undefined,
        async () => {
          throw wrongSerial;
        },
        { action: 'GetSessionToken' },
      ),
    ).rejects.toThrow(/is not one of .* devices/);
  });

  test('asking again inside the window of our last accepted code waits for the next window and says so', async () => {
    const { provider, messages, slept } = setup({ readCode: async () => '123456' });
    await provider.use(SERIAL, undefined, async () => 'first', { action: 'GetSessionToken' });
    await provider.use(SERIAL, undefined, async () => 'second', { action: 'GetSessionToken' });
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(0);
    expect(slept[0]).toBeLessThanOrEqual(30_000);
    expect(messages.some((m) => /^waiting \d+s for a new MFA code window \(AWS refuses a code twice\)$/.test(m))).toBe(true);
  });

  test('mfa_process: its trimmed stdout is the code; anything else is refused', async () => {
    const { provider } = setup();
    const got = await provider.use(SERIAL, 'node -e "console.log(\' 424242 \')"', async (code) => code, { action: 'GetSessionToken' });
    expect(got).toBe('424242');
    const again = setup();
    await expect(again.provider.use(SERIAL, 'node -e "console.log(12)"', async (code) => code, { action: 'GetSessionToken' })).rejects.toThrow(/6-digit/);
  });

  test('no terminal: fails naming AWSDIR_MFA_CODE and mfa_process (instead of waiting: a wait would end at the test timeout)', async () => {
    await expect(
      readTty({ prompt: 'x', echo: '*', accept: () => true, noTerminalHint: 'set AWSDIR_MFA_CODE or mfa_process', ttyPath: '/nonexistent/tty' }),
    ).rejects.toThrow(/no terminal to ask on .*AWSDIR_MFA_CODE or mfa_process/);
  });

  test('the last step is remembered per serial', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsdir-step-'));
    const now = 1_700_000_010_000;
    expect(waitForNewStep(dir, SERIAL, now)).toBe(0);
    recordLastStep(dir, SERIAL, stepAt(now));
    expect(readLastStep(dir, SERIAL)).toBe(stepAt(now));
    expect(waitForNewStep(dir, SERIAL, now)).toBe((stepAt(now) + 1) * 30_000 - now);
    expect(waitForNewStep(dir, 'arn:aws:iam::111111111111:mfa/bob', now)).toBe(0);
  });

  test('a wait is never longer than one step; a recorded step from the future is forgotten, not waited for', () => {
    const base = 1_700_000_010_000;
    for (const ahead of [-2, -1, 0, 1, 2, 3, 2880, 1e9]) {
      for (const into of [0, 1, 15_000, 29_999]) {
        const dir = mkdtempSync(join(tmpdir(), 'awsdir-step-'));
        const now = stepAt(base) * 30_000 + into;
        recordLastStep(dir, SERIAL, stepAt(now) + ahead);
        const wait = waitForNewStep(dir, SERIAL, now);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(30_000);
        if (ahead === 0) expect(wait).toBe(30_000 - into);
        if (ahead >= 2) {
          // Forgotten: the next code's step is recorded as it is, not kept below the future one.
          expect({ ahead, wait, recorded: readLastStep(dir, SERIAL) }).toEqual({ ahead, wait: 0, recorded: undefined });
          recordLastStep(dir, SERIAL, stepAt(now));
          expect(readLastStep(dir, SERIAL)).toBe(stepAt(now));
        }
      }
    }
  });

  test('recording a step replaces a recorded step from the future (a code given by flag never waits first)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsdir-step-'));
    const now = 1_700_000_010_000;
    recordLastStep(dir, SERIAL, stepAt(now) + 2880);
    recordLastStep(dir, 'arn:aws:iam::111111111111:mfa/bob', stepAt(now) + 1);
    recordLastStep(dir, SERIAL, stepAt(now));
    recordLastStep(dir, 'arn:aws:iam::111111111111:mfa/bob', stepAt(now));
    expect(readLastStep(dir, SERIAL)).toBe(stepAt(now));
    // One step ahead is within what a correct clock can record; it is kept.
    expect(readLastStep(dir, 'arn:aws:iam::111111111111:mfa/bob')).toBe(stepAt(now) + 1);
  });
});

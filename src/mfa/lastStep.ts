import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/writeFileAtomic';

/** TOTP time step length; AWS virtual and hardware devices use 30 s. */
export const STEP_SECONDS = 30;

export const stepAt = (nowMs: number): number => Math.floor(nowMs / 1000 / STEP_SECONDS);

/**
 * The time step of our own last accepted code per MFA serial. AWS refuses a code whose step is not
 * newer than the last one used on the device, so before asking again in the same window awsdir
 * waits for the next one. Not secret: a step number says nothing about the seed.
 */
export function lastStepFile(stateDir: string): string {
  return join(stateDir, 'mfa-last-step.json');
}

function readAll(stateDir: string): Record<string, number> {
  try {
    const data = JSON.parse(readFileSync(lastStepFile(stateDir), 'utf8')) as unknown;
    return data && typeof data === 'object' ? (data as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export function readLastStep(stateDir: string, serial: string): number | undefined {
  const step = readAll(stateDir)[serial];
  return typeof step === 'number' && Number.isFinite(step) ? step : undefined;
}

/**
 * A step further ahead than the next one was not recorded by a clock that was right: awsdir
 * records the step of its own clock when AWS accepts a code, so a clock that ran ahead (and was
 * corrected since) leaves a step in the future. Waiting for it would hold a `cd` until then.
 */
function fromTheFuture(step: number, nowStep: number): boolean {
  return step > nowStep + 1;
}

export function recordLastStep(stateDir: string, serial: string, step: number): void {
  try {
    const all = readAll(stateDir);
    const kept = all[serial];
    all[serial] = typeof kept === 'number' && !fromTheFuture(kept, step) ? Math.max(step, kept) : step;
    writeFileAtomic(lastStepFile(stateDir), JSON.stringify(all));
  } catch {
    // Losing this memory costs at most one refused code, which is then asked again.
  }
}

function forgetLastStep(stateDir: string, serial: string): void {
  try {
    const all = readAll(stateDir);
    delete all[serial];
    writeFileAtomic(lastStepFile(stateDir), JSON.stringify(all));
  } catch {
    // Then it is ignored again next time.
  }
}

/**
 * Milliseconds to wait before a code of a new step can be asked for, or 0; never more than one
 * step. A recorded step from the future is forgotten instead of waited for.
 */
export function waitForNewStep(stateDir: string, serial: string, nowMs: number): number {
  const last = readLastStep(stateDir, serial);
  const now = stepAt(nowMs);
  if (last === undefined || now > last) return 0;
  if (fromTheFuture(last, now)) {
    forgetLastStep(stateDir, serial);
    return 0;
  }
  return Math.min((last + 1) * STEP_SECONDS * 1000 - nowMs, STEP_SECONDS * 1000);
}

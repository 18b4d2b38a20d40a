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

export function recordLastStep(stateDir: string, serial: string, step: number): void {
  try {
    const all = readAll(stateDir);
    all[serial] = Math.max(step, all[serial] ?? 0);
    writeFileAtomic(lastStepFile(stateDir), JSON.stringify(all));
  } catch {
    // Losing this memory costs at most one refused code, which is then asked again.
  }
}

/** Milliseconds to wait before a code of a new step can be asked for, or 0. */
export function waitForNewStep(stateDir: string, serial: string, nowMs: number): number {
  const last = readLastStep(stateDir, serial);
  if (last === undefined || stepAt(nowMs) > last) return 0;
  return (last + 1) * STEP_SECONDS * 1000 - nowMs;
}

import { createGuardrails, generateSync } from 'otplib';

/** RFC 6238 as AWS virtual MFA devices use it: SHA-1, 6 digits, 30-second steps. */
export const STEP_SECONDS = 30;

// Seeds such as the well-known JBSWY3DPEHPK3PXP are 10 bytes; otplib refuses under 16 by default,
// authenticator apps (and AWS) accept them.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1 });

export function totpAt(seed: string, step: number): string {
  return generateSync({ secret: seed, epoch: step * STEP_SECONDS, guardrails });
}

export function stepAt(epochMs: number): number {
  return Math.floor(epochMs / 1000 / STEP_SECONDS);
}

/**
 * The step a code belongs to, if it is one of the adjacent steps AWS accepts (-1, 0, +1) and newer
 * than the last step this device accepted; a code is never good twice.
 */
export function acceptedStep(seed: string, code: string, nowMs: number, lastAccepted: number | undefined): number | undefined {
  const current = stepAt(nowMs);
  for (const step of [current - 1, current, current + 1]) {
    if (lastAccepted !== undefined && step <= lastAccepted) continue;
    if (totpAt(seed, step) === code) return step;
  }
  return undefined;
}

/**
 * The earliest step that would be accepted now, so tests get several good codes in one window; the
 * previous step only while it stays good for 10 more seconds, because a slow client (the AWS CLI
 * takes a second or more to start) would otherwise send a code that lapsed on the way.
 */
export function nextAcceptableStep(nowMs: number, lastAccepted: number | undefined): number | undefined {
  const current = stepAt(nowMs);
  const secondsLeftInStep = (current + 1) * STEP_SECONDS - nowMs / 1000;
  const earliest = secondsLeftInStep >= 10 ? current - 1 : current;
  for (let step = earliest; step <= current + 1; step++) {
    if (lastAccepted === undefined || step > lastAccepted) return step;
  }
  return undefined;
}

/**
 * One finding of `awsdir doctor`. The ids are stable (scripts match on them) and documented in
 * the command's help; a new check gets a new id, an old id never changes meaning.
 */
export const CHECK_IDS = [
  'node-version',
  'direnv-installed',
  'direnv-hook',
  'use-aws-helper',
  'keychain',
  'user-config',
  'plaintext-credentials',
  'sso-sign-in',
  'base-user-permissions',
  'key-age',
  'mfa-device',
  'clock-skew',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  message: string;
  /** What to do about it; '' when there is nothing to do. */
  fix: string;
}

export const pass = (id: CheckId, message: string): CheckResult => ({ id, status: 'pass', message, fix: '' });
export const warn = (id: CheckId, message: string, fix: string): CheckResult => ({ id, status: 'warn', message, fix });
export const fail = (id: CheckId, message: string, fix: string): CheckResult => ({ id, status: 'fail', message, fix });

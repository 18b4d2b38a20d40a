/**
 * Unlock and MFA material for awsdir itself: no program awsdir starts (a command under exec, a
 * credential_process, mfa_process, the browser opener, direnv) has any business with either.
 */
export const NEVER_INHERITED: readonly string[] = ['AWSDIR_FILE_PASSPHRASE', 'AWSDIR_MFA_CODE'];

/**
 * The environment of every process awsdir starts: `inherited` without NEVER_INHERITED and `unset`,
 * then `set`. A value in `set` is the caller's deliberate choice (the demo unlocks its own
 * throwaway keyring so); undefined values in either are left out, as a child cannot hold them.
 */
export function childEnvironment(
  inherited: Readonly<Record<string, string | undefined>>,
  vars: { set?: Readonly<Record<string, string | undefined>>; unset?: readonly string[] } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) env[key] = value;
  for (const key of [...NEVER_INHERITED, ...(vars.unset ?? [])]) delete env[key];
  for (const [key, value] of Object.entries(vars.set ?? {})) if (value !== undefined) env[key] = value;
  return env;
}

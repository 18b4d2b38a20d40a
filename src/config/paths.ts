import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../core/context';

/** Where awsdir keeps its files, following the XDG base directories. Nothing here is secret. */
export function homeDir(env: Env): string {
  return env.HOME && env.HOME !== '' ? env.HOME : homedir();
}

function xdg(env: Env, variable: string, fallback: string[]): string {
  const value = env[variable];
  // The XDG spec says relative paths are invalid and must be ignored.
  return value && value.startsWith('/') ? value : join(homeDir(env), ...fallback);
}

export const configHome = (env: Env): string => xdg(env, 'XDG_CONFIG_HOME', ['.config']);
export const dataHome = (env: Env): string => xdg(env, 'XDG_DATA_HOME', ['.local', 'share']);
export const stateHome = (env: Env): string => xdg(env, 'XDG_STATE_HOME', ['.local', 'state']);

/** The personal user file, never committed. */
export const userConfigFile = (env: Env): string => join(configHome(env), 'awsdir', 'config.yaml');
/** The encrypted file keyring (`keyring: file`; docs/security.md). */
export const fileKeyringDir = (env: Env): string => join(dataHome(env), 'awsdir', 'keyring');
/** Approvals, locks, the last MFA time step, guard answers, the resolved-config cache. */
export const stateDir = (env: Env): string => join(stateHome(env), 'awsdir');
export const allowDir = (env: Env): string => join(stateDir(env), 'allow');
export const lockDir = (env: Env): string => join(stateDir(env), 'locks');
export const awsConfigFile = (env: Env): string => env.AWS_CONFIG_FILE || join(homeDir(env), '.aws', 'config');
export const awsCredentialsFile = (env: Env): string => env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir(env), '.aws', 'credentials');
export const direnvLibFile = (env: Env): string => join(configHome(env), 'direnv', 'lib', 'awsdir.sh');

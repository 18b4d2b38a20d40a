import type { Env } from '../core/context';
import { fingerprint, readConfigCache, writeConfigCache } from './configCache';
import { userConfigFile } from './paths';
import type { UserConfig } from './types';

export const DEFAULT_SESSION_DURATION = 12 * 3600;
export const DEFAULT_REFRESH_WINDOW = 5 * 60;
export const DEFAULT_STS_REGION = 'us-east-1';

export function defaultUserConfig(file: string): UserConfig {
  return {
    file,
    exists: false,
    sources: { default: { kind: 'keychain', name: 'default', sessionDurationSeconds: DEFAULT_SESSION_DURATION } },
    keyring: 'auto',
    refreshWindowSeconds: DEFAULT_REFRESH_WINDOW,
    stsRegion: DEFAULT_STS_REGION,
  };
}

/**
 * The person's own file, ${XDG_CONFIG_HOME:-~/.config}/awsdir/config.yaml; missing means defaults.
 * Served from the config cache while the file is unchanged, so a `cd` loads neither yaml nor zod.
 */
export async function loadUserConfig(env: Env): Promise<UserConfig> {
  const file = userConfigFile(env);
  const print = fingerprint(file);
  if (print === 'missing') return defaultUserConfig(file);
  const cached = readConfigCache<UserConfig>(env, 'user', file);
  if (cached) return cached;
  const { parseUserConfig } = require('./parseUserConfig') as typeof import('./parseUserConfig');
  const config = parseUserConfig(file);
  writeConfigCache(env, 'user', file, { [file]: print }, config);
  return config;
}

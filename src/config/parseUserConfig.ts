import { configWarning } from '../core/configWarnings';
import { ConfigError } from '../core/errors';
import { parseDuration } from './duration';
import { DEFAULT_REFRESH_WINDOW, DEFAULT_SESSION_DURATION, DEFAULT_STS_REGION } from './loadUserConfig';
import { parseUserYaml } from './parseConfigYaml';
import { readConfigFile } from './readConfigFile';
import type { UserFileData } from './schema';
import type { SourceConfig, UserConfig } from './types';

/** The slow path of loadUserConfig: read, parse, validate, and say what is accepted only as written. */
export function parseUserConfig(file: string): UserConfig {
  const { text } = readConfigFile(file);
  return userConfigFromText(file, text, configWarning);
}

export function userConfigFromText(file: string, text: string, warn: (message: string) => void = () => undefined): UserConfig {
  const parsed = parseUserYaml(file, text);
  for (const warning of parsed.warnings) warn(warning);
  const data: UserFileData = parsed.data;
  const sources: Record<string, SourceConfig> = {};
  for (const [name, raw] of Object.entries(data.sources ?? {})) {
    const s = raw ?? {};
    const common = {
      name,
      ...(s.mfa_serial !== undefined && { mfaSerial: s.mfa_serial }),
      ...(s.mfa_process !== undefined && { mfaProcess: s.mfa_process }),
      sessionDurationSeconds: s.session_duration !== undefined ? parseDuration(s.session_duration) : DEFAULT_SESSION_DURATION,
    };
    if (s.credentials_profile !== undefined && s.from_env) {
      throw new ConfigError(
        `${parsed.where(['sources', name, 'from_env'], 'key')}: key 'from_env': a source takes its keys from one place, and this one also names credentials_profile; allowed: one of credentials_profile, from_env, or neither (the keychain)`,
      );
    }
    if (s.access_key_id !== undefined && (s.credentials_profile !== undefined || s.from_env)) {
      throw new ConfigError(
        `${parsed.where(['sources', name, 'access_key_id'], 'key')}: key 'access_key_id': only a keychain source records its access key id; allowed: access_key_id without credentials_profile or from_env`,
      );
    }
    if (s.credentials_profile !== undefined) sources[name] = { ...common, kind: 'credentials-profile', profile: s.credentials_profile };
    else if (s.from_env) sources[name] = { ...common, kind: 'env' };
    else sources[name] = { ...common, kind: 'keychain', ...(s.access_key_id !== undefined && { accessKeyId: s.access_key_id }) };
  }
  if (Object.keys(sources).length === 0) sources.default = { kind: 'keychain', name: 'default', sessionDurationSeconds: DEFAULT_SESSION_DURATION };
  return {
    file,
    exists: true,
    sources,
    keyring: data.keyring ?? 'auto',
    refreshWindowSeconds: data.refresh_window !== undefined ? parseDuration(data.refresh_window) : DEFAULT_REFRESH_WINDOW,
    stsRegion: data.sts_region ?? DEFAULT_STS_REGION,
  };
}

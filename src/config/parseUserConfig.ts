import { configWarning } from '../core/configWarnings';
import { ConfigError } from '../core/errors';
import { parseDuration } from './duration';
import { DEFAULT_REFRESH_WINDOW, DEFAULT_SESSION_DURATION, DEFAULT_STS_REGION } from './loadUserConfig';
import { parseUserYaml } from './parseConfigYaml';
import { readConfigFile } from './readConfigFile';
import type { UserFileData } from './schema';
import type { Path } from './parseConfigYaml';
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
    const sso = ssoSource(name, s, (path, part) => parsed.where(path, part));
    if (sso) {
      sources[name] = { ...common, kind: 'sso', ...sso };
      continue;
    }
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

type SourceData = NonNullable<NonNullable<UserFileData['sources']>[string]>;
const SSO_KEYS = ['sso_start_url', 'sso_region', 'sso_session'] as const;
const SSO_ALLOWED = 'sso_start_url with sso_region, or sso_session alone';

/**
 * The IAM Identity Center settings of a source, or undefined for a source of keys. Such a source
 * signs in through the browser: keys, and MFA settings (Identity Center asks for MFA itself), are
 * errors, as is a half of the settings.
 */
function ssoSource(
  name: string,
  s: SourceData,
  where: (path: Path, part?: 'key' | 'value') => string,
): { startUrl: string; region: string } | { ssoSession: string } | undefined {
  const present = SSO_KEYS.filter((key) => s[key] !== undefined);
  if (present.length === 0) return undefined;
  const fail = (key: string, what: string, allowed = SSO_ALLOWED): never => {
    throw new ConfigError(`${where(['sources', name, key], 'key')}: key '${key}': ${what}; allowed: ${allowed}`);
  };
  for (const key of Object.keys(s) as Array<keyof SourceData>) {
    if (s[key] === undefined || (SSO_KEYS as readonly string[]).includes(key)) continue;
    const why = key === 'mfa_serial' || key === 'mfa_process' || key === 'session_duration' ? 'and asks for MFA itself' : 'and holds no keys';
    fail(key, `an IAM Identity Center source signs in through the browser ${why}`, `${SSO_ALLOWED}; keys go in a source of their own`);
  }
  if (s.sso_session !== undefined) {
    if (s.sso_start_url !== undefined || s.sso_region !== undefined) fail('sso_session', 'an sso_session already names the start URL and region');
    return { ssoSession: s.sso_session };
  }
  if (s.sso_start_url === undefined) return fail('sso_region', 'sso_start_url is missing');
  if (s.sso_region === undefined) return fail('sso_start_url', 'sso_region is missing');
  return { startUrl: s.sso_start_url, region: s.sso_region };
}

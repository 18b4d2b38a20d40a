import type { Env } from '../core/context';
import { ConfigError } from '../core/errors';
import { readAwsConfig, valueOf, type AwsConfigFile } from './awsSharedFiles';
import { awsConfigFile } from './paths';

/** The keys of an ~/.aws/config profile that `profile:` in a project file reuses. */
export interface AwsProfile {
  /** `FILE [profile NAME]`, for messages and `awsdir status`. */
  origin: string;
  /** `profile NAME` (or `default`), the header of its section. */
  section: string;
  /** `FILE:LINE` of a key of the profile (of its header when the key is absent), for messages. */
  where: (key: string) => string;
  /** `FILE:LINE:COL` of a key's value, for messages about the value. */
  whereValue: (key: string) => string;
  roleArn?: string;
  sourceProfile?: string;
  mfaSerial?: string;
  durationSeconds?: number;
  region?: string;
  externalId?: string;
  credentialProcess?: string;
}

/** The config file for `profile:`; one that exists but cannot be read is a configuration error. */
export function loadAwsConfig(env: Env): AwsConfigFile {
  try {
    return readAwsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `${awsConfigFile(env)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); allowed: a readable AWS config file`,
      { cause: error },
    );
  }
}

export function readAwsProfile(config: AwsConfigFile, name: string): AwsProfile | undefined {
  const section = config.profiles.get(name);
  if (!section) return undefined;
  const get = (key: string): string | undefined => valueOf(section, key);
  const origin = `${config.file} [${section.header}]`;
  const where = (key: string): string => `${config.file}:${section.lines[key] ?? section.line}`;
  const duration = get('duration_seconds');
  let durationSeconds: number | undefined;
  if (duration !== undefined) {
    durationSeconds = Number(duration);
    if (!/^\d+$/.test(duration) || durationSeconds < 900 || durationSeconds > 43200) {
      throw new ConfigError(
        `${where('duration_seconds')}: key 'duration_seconds' of [${section.header}]: ${JSON.stringify(duration)} is out of range; allowed: whole seconds from 900 to 43200`,
      );
    }
  }
  const whereValue = (key: string): string => (section.columns[key] === undefined ? where(key) : `${where(key)}:${section.columns[key]}`);
  const profile: AwsProfile = { origin, section: section.header, where, whereValue };
  const set = <K extends keyof AwsProfile>(key: K, value: AwsProfile[K] | undefined): void => {
    if (value !== undefined) profile[key] = value;
  };
  set('roleArn', get('role_arn'));
  set('sourceProfile', get('source_profile'));
  set('mfaSerial', get('mfa_serial'));
  set('durationSeconds', durationSeconds);
  set('region', get('region'));
  set('externalId', get('external_id'));
  set('credentialProcess', get('credential_process'));
  return profile;
}

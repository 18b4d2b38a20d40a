import { ConfigError } from '../cli/errors';
import { readRegularFile } from './readConfigFile';

/** Generated configs (one profile per account and role) grow large; far above any by hand. */
const MAX_AWS_CONFIG_BYTES = 4 * 1024 * 1024;

/** The keys of an ~/.aws/config profile that `profile:` in a project file reuses. */
export interface AwsProfile {
  /** `FILE [profile NAME]`, for messages and `awsdir status`. */
  origin: string;
  roleArn?: string;
  sourceProfile?: string;
  mfaSerial?: string;
  durationSeconds?: number;
  region?: string;
  externalId?: string;
  credentialProcess?: string;
}

export function readAwsProfile(file: string, name: string): AwsProfile | undefined {
  const { parse } = require('ini') as typeof import('ini');
  let text: string;
  try {
    text = readRegularFile(file, MAX_AWS_CONFIG_BYTES).toString('utf8');
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
  // The ini package nests sections on dots; profile names may contain them.
  const escaped = text.replace(/^(\s*\[)([^\]\n]*)(\])/gm, (_, open: string, section: string, close: string) => `${open}${section.trim().replace(/\./g, '\\.')}${close}`);
  const sections = parse(escaped) as Record<string, unknown>;
  const sectionName = name === 'default' && !sections['profile default'] ? 'default' : `profile ${name}`;
  const section = sections[sectionName];
  if (section === null || typeof section !== 'object') return undefined;
  const get = (key: string): string | undefined => {
    const value = (section as Record<string, unknown>)[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const origin = `${file} [${sectionName}]`;
  const duration = get('duration_seconds');
  let durationSeconds: number | undefined;
  if (duration !== undefined) {
    durationSeconds = Number(duration);
    if (!/^\d+$/.test(duration) || durationSeconds < 900 || durationSeconds > 43200) {
      throw new ConfigError(`${origin}: key 'duration_seconds': ${JSON.stringify(duration)} is out of range; allowed: whole seconds from 900 to 43200`);
    }
  }
  const profile: AwsProfile = { origin };
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

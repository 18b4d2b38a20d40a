import type { Env } from '../core/context';
import { readAwsCredentials, valueOf } from './awsSharedFiles';
import { SOURCE_NAME } from './schema';
import type { UserConfig } from './types';

/**
 * Why the credentials file holds no keys for `profile` (a source_profile), or undefined when it
 * does. Tools such as aws-vault keep those keys in a keychain, so the file lacks them, or is not
 * there at all. A file that cannot be read decides nothing here: reading the keys says why.
 */
export function keysNotInFile(env: Env, profile: string): string | undefined {
  let credentials;
  try {
    credentials = readAwsCredentials(env);
  } catch {
    return undefined;
  }
  if (!credentials.exists) return `${credentials.file} does not exist`;
  const section = credentials.profiles.get(profile);
  if (!section) return `${credentials.file} has no [${profile}]`;
  if (valueOf(section, 'aws_access_key_id') === undefined) return `[${profile}] of ${credentials.file} has no aws_access_key_id`;
  return undefined;
}

/**
 * The user file's sources to sign in with instead of `profile`'s keys: one named like it first,
 * then `default`, then the rest; never an IAM Identity Center source, which holds no keys. None
 * without a user file: its implicit `default` has no keys until `awsdir add` stores them (which
 * writes the file).
 */
export function sourcesInsteadOf(userConfig: UserConfig, profile: string): string[] {
  if (!userConfig.exists) return [];
  const rank = (name: string): number => (name === profile ? 0 : name === 'default' ? 1 : 2);
  return Object.values(userConfig.sources)
    .filter((s) => s.kind !== 'sso')
    .map((s) => s.name)
    .sort((a, b) => rank(a) - rank(b));
}

/** The fix for a `profile:` whose source_profile has no keys in a file: which `source:` to add, or which source to create first. */
export function sourceToAdd(userConfig: UserConfig, profile: string): string {
  const [first, ...others] = sourcesInsteadOf(userConfig, profile);
  if (first === undefined) {
    const name = sourceNameFor(profile);
    return `store them in the keychain with \`${addCommand(name)}\`, then add \`source: ${name}\` to .awsdir.yaml`;
  }
  const keys = userConfig.sources[first]?.kind === 'keychain' ? 'the keys awsdir keeps in the keychain' : `the keys of your source '${first}'`;
  return `add \`source: ${first}\` to .awsdir.yaml to use ${keys}${others.length ? ` (or another of your sources: ${others.join(', ')})` : ''}`;
}

/** The source to store a profile's keys as: named like it, when that is a source name. */
export function sourceNameFor(profile: string): string {
  return SOURCE_NAME.test(profile) ? profile : 'default';
}

export const addCommand = (source: string): string => (source === 'default' ? 'awsdir add' : `awsdir add ${source}`);

import type { Partition } from './roleArn';

/** Where a source's long-lived keys come from, or where it signs in (the `sources:` of the user file). */
interface SourceCommon {
  name: string;
  mfaSerial?: string;
  /** A command printing a code; only ever read from the user file, never from a project file. */
  mfaProcess?: string;
  /** Lifetime of the MFA session (GetSessionToken); default 12h. */
  sessionDurationSeconds: number;
}
export type SourceConfig =
  | (SourceCommon & { kind: 'keychain'; accessKeyId?: string })
  | (SourceCommon & { kind: 'credentials-profile'; profile: string })
  | (SourceCommon & { kind: 'env' })
  /**
   * IAM Identity Center: no keys, a sign-in in the browser whose tokens live in the keychain. Its
   * start URL and region are its own, or those of an [sso-session] of ~/.aws/config, read when used
   * (config/ssoConfig.ts). It has no MFA settings of its own: Identity Center asks for MFA itself.
   */
  | (SourceCommon & { kind: 'sso' } & ({ startUrl: string; region: string } | { ssoSession: string }));

export type KeyringPreference = 'auto' | 'os' | 'file';

export interface UserConfig {
  file: string;
  exists: boolean;
  sources: Record<string, SourceConfig>;
  keyring: KeyringPreference;
  refreshWindowSeconds: number;
  stsRegion: string;
}

/**
 * A permission set in an account, through an IAM Identity Center sign-in: what `sso:` (or an SSO
 * profile of ~/.aws/config) names. GetRoleCredentials gives its role sessions.
 */
export interface SsoRole {
  startUrl: string;
  /** The region of the IAM Identity Center instance (not the project's region). */
  region: string;
  accountId: string;
  /** The permission set's name (ListAccountRoles calls it roleName). */
  roleName: string;
}

export interface ResolvedProject {
  /** The directory holding the project file (the project's root), not necessarily where the search began. */
  dir: string;
  projectFile: string;
  /** The project file and its `extends` chain, nearest first: what direnv must watch. */
  files: string[];
  userFile: string;
  /**
   * The IAM role. For an IAM Identity Center project, whose role AWS names AWSReservedSSO_SET_<suffix>
   * with a suffix only AWS knows, `arn` is the pattern of that name and `name` the permission set.
   */
  role: { arn: string; account: string; name: string; partition: Partition };
  account: string;
  /** Set for a project of an IAM Identity Center source: its role sessions come from GetRoleCredentials. */
  sso?: SsoRole;
  region: string;
  durationSeconds: number;
  sourceName: string;
  source: SourceConfig;
  label: string;
  confirm: boolean;
  sessionName: string;
  externalId?: string;
  sourceIdentity?: string;
  mfa: boolean;
  mfaSerial?: string;
  /** Which file (or `~/.aws/config [profile x]`, or `default`) each value came from, for `awsdir status`. */
  origins: Record<string, string>;
  /** sha256 of each file in `files` as it was read; the approval check compares against these. */
  fileHashes: Record<string, string>;
}

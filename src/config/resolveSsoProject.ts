import { dirname } from 'node:path';
import { ConfigError } from '../core/errors';
import type { AwsProfile } from './awsProfile';
import { fingerprint, type Fingerprint } from './configCache';
import { awsConfigFile } from './paths';
import { describeRegion } from './regions';
import type { ResolveDeps } from './resolveProject';
import { ALLOWED, type ProjectFileData } from './schema';
import { sameSignIn, ssoSettingsOf, type SsoProfile, type SsoSourceConfig } from './ssoConfig';
import type { ResolvedProject } from './types';
import type { Partition } from './roleArn';

type Key = keyof ProjectFileData;

/** What resolveProjectFile has read and merged, for a project of an IAM Identity Center source. */
export interface SsoProjectInput {
  projectFile: string;
  files: string[];
  fileHashes: Record<string, string>;
  data: ProjectFileData;
  where: (k: Key, part?: 'key' | 'value') => string;
  fail: (k: Key, what: string, allowed?: string) => never;
  origins: Record<string, string>;
  profile: AwsProfile | undefined;
  ssoProfile: SsoProfile | undefined;
  inputs: Record<string, Fingerprint>;
  warnings: string[];
  deps: ResolveDeps;
}

/** What a role to assume needs and a permission set has no use for: GetRoleCredentials takes none of it. */
const ROLE_ONLY: Array<[Key, string]> = [
  ['role', 'the permission set is `role:` inside `sso:`'],
  ['duration', "the permission set's session duration, set in IAM Identity Center, decides"],
  ['session_name', 'the session is named after the person who signed in'],
  ['external_id', 'IAM Identity Center takes no external id'],
  ['source_identity', 'GetRoleCredentials sets no source identity'],
  ['mfa', 'IAM Identity Center asks for MFA itself, at sign-in'],
];

function partitionOf(region: string): Partition {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/**
 * The pattern of the role a permission set provisions in an account: AWS names it
 * AWSReservedSSO_SET_<suffix> under the aws-reserved/sso.amazonaws.com/ path, with a suffix only
 * AWS knows. IAM policies match it this way; awsdir records and compares it as the role.
 */
export function ssoRolePattern(partition: Partition, account: string, permissionSet: string): string {
  return `arn:${partition}:iam::${account}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${permissionSet}_*`;
}

/**
 * A project whose role sessions come from IAM Identity Center: `source:` an SSO source and
 * `sso: { account, role }`, or `profile:` an SSO profile of ~/.aws/config (whose sign-in must be one
 * of the user file's SSO sources, so `awsdir login` can name it).
 */
export function resolveSsoProject(input: SsoProjectInput): ResolvedProject {
  const { data, where, fail, origins, profile, ssoProfile, deps } = input;
  const { env, userConfig } = deps;
  const ssoSources = Object.values(userConfig.sources).filter((s): s is SsoSourceConfig => s.kind === 'sso');
  const ssoNames = ssoSources.map((s) => s.name).join(', ');
  const addOne = 'add one with `awsdir add NAME --sso-start-url URL --sso-region REGION`';

  for (const [k, why] of ROLE_ONLY) {
    if (data[k] !== undefined)
      fail(
        k,
        `not with ${ssoProfile ? `an IAM Identity Center profile (${data.profile})` : '`sso:`'}: ${why}`,
        `no \`${k}:\` in a project of an IAM Identity Center source`,
      );
  }
  if (ssoProfile && data.sso !== undefined) {
    fail('sso', `profile '${data.profile}' already names the account and permission set (sso_account_id, sso_role_name)`, 'either `profile:` or `sso:`');
  }
  if (!ssoProfile && data.sso === undefined) {
    throw new ConfigError(
      `${where('source')}: key 'source': '${data.source}' is an IAM Identity Center source, which gives role credentials for its own permission sets, not keys to assume \`role:\` with; allowed: \`sso: { account: "222222222222", role: AdministratorAccess }\` naming an account and permission set of it (\`awsdir login ${data.source} --json\` lists them)`,
    );
  }

  // The source: named, else the one the profile's sign-in is, else `default`.
  let source: SsoSourceConfig;
  if (data.source !== undefined) {
    const named = userConfig.sources[data.source];
    if (!named) fail('source', `no source named '${data.source}' in ${userConfig.file}`, `${ssoNames || 'an IAM Identity Center source'} (or ${addOne})`);
    if (named!.kind !== 'sso') {
      fail(
        'source',
        `'${data.source}' holds keys, and ${ssoProfile ? `profile '${data.profile}'` : '`sso:`'} needs an IAM Identity Center source`,
        `${ssoNames ? `an IAM Identity Center source (${ssoNames})` : `an IAM Identity Center source; ${addOne}`}`,
      );
    }
    source = named as SsoSourceConfig;
  } else if (ssoProfile) {
    const matching = ssoSources.find((s) => {
      try {
        return sameSignIn(ssoSettingsOf(s, env, userConfig.file), ssoProfile);
      } catch {
        return false;
      }
    });
    if (!matching) {
      const add =
        ssoProfile.ssoSession !== undefined
          ? `--sso-session ${ssoProfile.ssoSession}`
          : `--sso-start-url ${ssoProfile.startUrl} --sso-region ${ssoProfile.region}`;
      throw new ConfigError(
        `${where('profile')}: key 'profile': profile '${data.profile}' signs in to IAM Identity Center at ${ssoProfile.startUrl} (${ssoProfile.region}), and no source of ${userConfig.file} does; add it with \`awsdir add NAME ${add}\`, or name such a source with \`source:\``,
      );
    }
    source = matching;
    origins.source = userConfig.file;
  } else {
    const fallback = userConfig.sources.default;
    if (fallback?.kind !== 'sso') {
      throw new ConfigError(
        `${where('sso', 'key')}: key 'source': missing, and \`sso:\` needs an IAM Identity Center source${fallback ? " ('default' holds keys)" : ''}; allowed: \`source:\` naming ${ssoNames ? `one of ${ssoNames}` : `one (${addOne})`}`,
      );
    }
    source = fallback;
    origins.source = userConfig.exists ? userConfig.file : 'default';
  }
  if ('ssoSession' in source) {
    const file = awsConfigFile(env);
    input.inputs[file] = fingerprint(file);
  }
  const settings = ssoSettingsOf(source, env, userConfig.file);
  if (ssoProfile && !sameSignIn(settings, ssoProfile)) {
    fail(
      'source',
      `'${source.name}' signs in at ${settings.startUrl} (${settings.region}), and profile '${data.profile}' at ${ssoProfile.startUrl} (${ssoProfile.region})`,
      `an IAM Identity Center source of the same start URL and region${ssoNames ? ` (${ssoNames})` : ''}`,
    );
  }

  const accountId = ssoProfile ? ssoProfile.accountId : String(data.sso!.account);
  const roleName = ssoProfile ? ssoProfile.roleName : data.sso!.role;
  origins.sso = ssoProfile ? profile!.origin : (origins.sso ?? input.projectFile);
  // The permission set decides these too.
  origins.role = origins.duration = origins.mfa = origins.sso;
  origins.sso_start_url = settings.origin;
  origins.sso_region = settings.origin;
  if (data.account !== undefined && String(data.account) !== accountId) {
    fail(
      'account',
      `"${String(data.account)}" is not the account ${ssoProfile ? `profile '${data.profile}' names` : '`sso:` names'} (${accountId})`,
      'the same account id, or no `account:`',
    );
  }
  origins.account = data.account !== undefined ? (origins.account ?? input.projectFile) : origins.sso;

  const region = data.region ?? profile?.region;
  if (region === undefined) {
    throw new ConfigError(
      `${input.projectFile}:1:1: key 'region': missing; a directory names its region, because falling back to the AWS CLI's default region is how changes land in the wrong region; allowed: ${ALLOWED.region}`,
    );
  }
  if (data.region === undefined) {
    origins.region = profile!.origin;
    const { problem, warning } = describeRegion(region);
    const at = `${profile!.whereValue('region')}: key 'region' of [${profile!.section}]`;
    if (problem) throw new ConfigError(`${at}: ${problem}`);
    if (warning) input.warnings.push(`${at}: ${warning}`);
  }

  const partition = partitionOf(region);
  return {
    dir: dirname(input.projectFile),
    projectFile: input.projectFile,
    files: input.files,
    userFile: userConfig.file,
    role: { arn: ssoRolePattern(partition, accountId, roleName), account: accountId, name: roleName, partition },
    account: accountId,
    sso: { startUrl: settings.startUrl, region: settings.region, accountId, roleName },
    region,
    // Set by the permission set: GetRoleCredentials takes no duration.
    durationSeconds: 0,
    sourceName: source.name,
    source,
    label: data.label ?? roleName,
    confirm: data.confirm ?? false,
    sessionName: '',
    mfa: false,
    origins,
    fileHashes: input.fileHashes,
  };
}

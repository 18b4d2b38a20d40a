import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { configWarning } from '../core/configWarnings';
import { ConfigError } from '../core/errors';
import { loadAwsConfig, readAwsProfile, type AwsProfile } from './awsProfile';
import type { AwsConfigFile } from './awsSharedFiles';
import { fingerprint, writeConfigCache, type Fingerprint } from './configCache';
import { DEFAULT_SESSION_DURATION } from './loadUserConfig';
import { parseDuration } from './duration';
import { parseProjectYaml, type ParsedConfig } from './parseConfigYaml';
import { awsConfigFile, awsCredentialsFile } from './paths';
import { keysNotInFile, sourceToAdd } from './profileSource';
import { readConfigFile } from './readConfigFile';
import { resolveSsoProject } from './resolveSsoProject';
import { readSsoProfile, type SsoProfile } from './ssoConfig';
import { describeRegion } from './regions';
import type { ResolveDeps } from './resolveProject';
import { buildRoleArn, parseRoleArn } from './roleArn';
import { ALLOWED, PROJECT_KEYS, type ProjectFileData } from './schema';
import { DEFAULT_SESSION_NAME, expandSessionName } from './sessionName';
import type { ResolvedProject, SourceConfig } from './types';

const MAX_EXTENDS = 16;
const DEFAULT_DURATION = 3600;

type Key = keyof ProjectFileData;
interface Layer {
  file: string;
  parsed: ParsedConfig<ProjectFileData>;
  sha256: string;
}

/** The slow path of resolveProject: read, validate and merge the files, then cache the result. */
export function resolveProjectFile(projectFile: string, deps: ResolveDeps, key: string): ResolvedProject {
  const { env, userConfig } = deps;
  const inputs: Record<string, Fingerprint> = {};
  const layers = readChain(projectFile, userConfig.file, inputs);

  // Nearest file wins, key by key.
  const merged: Partial<Record<Key, unknown>> = {};
  const from: Partial<Record<Key, Layer>> = {};
  for (const layer of [...layers].reverse()) {
    for (const [k, v] of Object.entries(layer.parsed.data) as [Key, unknown][]) {
      if (k === 'extends' || v === undefined) continue;
      merged[k] = v;
      from[k] = layer;
    }
  }
  const data = merged as ProjectFileData;
  const origins: Record<string, string> = {};
  for (const k of PROJECT_KEYS) if (from[k as Key]) origins[k] = from[k as Key]!.file;
  const nearest = layers[0]!;
  const where = (k: Key, part: 'key' | 'value' = 'value'): string => {
    const layer = from[k];
    return layer ? layer.parsed.where([k], part) : `${nearest.file}:1:1`;
  };
  const fail = (k: Key, what: string, allowed = ALLOWED[k] ?? ''): never => {
    throw new ConfigError(`${where(k)}: key '${k}': ${what}; allowed: ${allowed}`);
  };

  let profile: AwsProfile | undefined;
  // Read once: the profile and its source_profile come from the same text.
  let awsConfig: AwsConfigFile | undefined;
  let ssoProfile: SsoProfile | undefined;
  if (data.profile !== undefined) {
    const file = awsConfigFile(env);
    inputs[file] = fingerprint(file);
    awsConfig = loadAwsConfig(env);
    profile = readAwsProfile(awsConfig, data.profile);
    if (!profile) fail('profile', `no profile named '${data.profile}' in ${file}`);
    ssoProfile = readSsoProfile(awsConfig, data.profile);
    if (profile!.credentialProcess && !profile!.roleArn && !ssoProfile)
      fail('profile', `profile '${data.profile}' uses credential_process, which awsdir does not run`, 'a profile with role_arn and source_profile');
  }
  const fromProfile = (k: string, value: unknown): void => {
    if (value !== undefined && origins[k] === undefined) origins[k] = profile!.origin;
  };
  const warnings = layers.flatMap((l) => l.parsed.warnings);

  // An IAM Identity Center project: a permission set of an account instead of a role to assume.
  const namedSource = data.source !== undefined ? userConfig.sources[data.source] : undefined;
  if (data.sso !== undefined || ssoProfile || (namedSource?.kind === 'sso' && data.role === undefined && !profile?.roleArn)) {
    const project = resolveSsoProject({
      projectFile,
      files: layers.map((l) => l.file),
      fileHashes: Object.fromEntries(layers.map((l) => [l.file, l.sha256])),
      data,
      where,
      fail,
      origins,
      profile,
      ssoProfile,
      inputs,
      warnings,
      deps,
    });
    for (const warning of warnings) configWarning(warning);
    writeConfigCache(env, 'project', key, inputs, project);
    return project;
  }

  // The role: a full ARN, a name with `account:`, or the profile's role_arn.
  let roleText: string;
  if (data.role !== undefined) {
    if (data.role.startsWith('arn:')) roleText = data.role;
    else if (data.account !== undefined) roleText = buildRoleArn(data.role, String(data.account), data.region ?? profile?.region);
    else
      return fail(
        'role',
        `'${data.role}' is a role name, and no \`account:\` says in which account`,
        'a full role ARN, or a role name together with `account: "222222222222"`',
      );
  } else if (profile?.roleArn) {
    roleText = profile.roleArn;
    fromProfile('role', roleText);
  } else {
    throw new ConfigError(`${nearest.file}:1:1: key 'role': missing; allowed: ${ALLOWED.role}, or \`profile:\` naming an ~/.aws/config profile with role_arn`);
  }
  let role;
  try {
    role = parseRoleArn(roleText);
  } catch (error) {
    const why = (error as Error).message.replace(/^role "[^"]*": /, '');
    if (data.role !== undefined) throw new ConfigError(`${where('role')}: key 'role': ${why}`);
    throw new ConfigError(`${profile!.where('role_arn')}: key 'role_arn' of [${profile!.section}]: ${why}`);
  }

  const account = data.account !== undefined ? String(data.account) : role.account;
  if (account !== role.account) {
    fail(
      'account',
      `"${account}" is not the account of the role (${role.arn} is in ${role.account})`,
      'the account id that the role ARN names; check which one is right',
    );
  }
  if (data.account === undefined) origins.account = origins.role ?? nearest.file;

  const region = data.region ?? profile?.region;
  if (region === undefined) {
    throw new ConfigError(
      `${nearest.file}:1:1: key 'region': missing; a directory names its region, because falling back to the AWS CLI's default region is how changes land in the wrong region; allowed: ${ALLOWED.region}`,
    );
  }
  fromProfile('region', data.region === undefined ? region : undefined);
  if (data.region === undefined) {
    // The profile's region is checked like the project file's, where it is written.
    const { problem, warning } = describeRegion(region);
    const at = `${profile!.whereValue('region')}: key 'region' of [${profile!.section}]`;
    if (problem) throw new ConfigError(`${at}: ${problem}`);
    if (warning) warnings.push(`${at}: ${warning}`);
  }

  let durationSeconds = DEFAULT_DURATION;
  if (data.duration !== undefined) durationSeconds = parseDuration(data.duration);
  else if (profile?.durationSeconds !== undefined) {
    durationSeconds = profile.durationSeconds;
    fromProfile('duration', durationSeconds);
  }

  // The source of long-lived keys: named, or the profile's source_profile, or `default`.
  let sourceName: string;
  let source: SourceConfig | undefined;
  if (data.source !== undefined) {
    sourceName = data.source;
    source = userConfig.sources[sourceName];
    if (!source) {
      fail(
        'source',
        `no source named '${sourceName}' in ${userConfig.file}`,
        `${Object.keys(userConfig.sources).join(', ')} (or add one with \`awsdir add ${sourceName}\`)`,
      );
    }
    if (source!.kind === 'sso') {
      const keyed = Object.values(userConfig.sources)
        .filter((s) => s.kind !== 'sso')
        .map((s) => s.name);
      fail(
        'source',
        `'${sourceName}' is an IAM Identity Center source, which gives role credentials for its own permission sets, not keys to assume \`role:\` with`,
        `a source with keys${keyed.length ? ` (${keyed.join(', ')})` : ''}, added with \`awsdir add NAME\``,
      );
    }
  } else if (profile?.sourceProfile) {
    sourceName = `aws-profile:${profile.sourceProfile}`;
    const sourceProfile = readAwsProfile(awsConfig!, profile.sourceProfile);
    if (sourceProfile?.roleArn) {
      fail(
        'profile',
        `profile '${data.profile}' chains through '${profile.sourceProfile}', which assumes a role itself`,
        'a profile whose source_profile holds keys in ~/.aws/credentials',
      );
    }
    // Said here, at the line that chose these keys, rather than when they are read: the fix is a line of this file.
    const credentialsFile = awsCredentialsFile(env);
    inputs[credentialsFile] = fingerprint(credentialsFile);
    const noKeys = keysNotInFile(env, profile.sourceProfile);
    if (noKeys) {
      throw new ConfigError(
        `${where('profile')}: key 'profile': profile '${data.profile}' takes its keys from source_profile '${profile.sourceProfile}', which has none in a file (${noKeys}); ${sourceToAdd(userConfig, profile.sourceProfile)}`,
      );
    }
    source = {
      kind: 'credentials-profile',
      name: sourceName,
      profile: profile.sourceProfile,
      ...(profile.mfaSerial !== undefined && { mfaSerial: profile.mfaSerial }),
      sessionDurationSeconds: DEFAULT_SESSION_DURATION,
    };
    origins.source = profile.origin;
  } else {
    sourceName = 'default';
    source = userConfig.sources.default;
    if (!source) {
      throw new ConfigError(
        `${nearest.file}:1:1: key 'source': missing, and ${userConfig.file} has no source named 'default'; allowed: ${Object.keys(userConfig.sources).join(', ')}`,
      );
    }
    origins.source = userConfig.exists ? userConfig.file : 'default';
  }

  const label = data.label ?? role.name;
  const values = { user: deps.user, dir: basename(dirname(projectFile)), label, host: deps.host ?? '' };
  const sessionName = expandSessionName(data.session_name ?? DEFAULT_SESSION_NAME, values);
  const externalId = data.external_id ?? profile?.externalId;
  fromProfile('external_id', data.external_id === undefined ? externalId : undefined);
  const mfaSerial = profile?.mfaSerial ?? source!.mfaSerial;
  if (profile?.mfaSerial !== undefined) origins.mfa_serial = profile.origin;
  else if (source!.mfaSerial !== undefined) origins.mfa_serial = userConfig.file;

  const project: ResolvedProject = {
    dir: dirname(projectFile),
    projectFile,
    files: layers.map((l) => l.file),
    userFile: userConfig.file,
    role: { arn: role.arn, account: role.account, name: role.name, partition: role.partition },
    account,
    region,
    durationSeconds,
    sourceName,
    source: source!,
    label,
    confirm: data.confirm ?? false,
    sessionName,
    ...(externalId !== undefined && { externalId }),
    ...(data.source_identity !== undefined && { sourceIdentity: expandSessionName(data.source_identity, values) }),
    mfa: data.mfa ?? true,
    ...(mfaSerial !== undefined && { mfaSerial }),
    origins,
    fileHashes: Object.fromEntries(layers.map((l) => [l.file, l.sha256])),
  };
  // Said now, while computing; the cached result is not checked again, so a hit says nothing.
  for (const warning of warnings) configWarning(warning);
  writeConfigCache(env, 'project', key, inputs, project);
  return project;
}

/** The project file and the files it extends, nearest first. */
function readChain(projectFile: string, userFile: string, inputs: Record<string, Fingerprint>): Layer[] {
  const layers: Layer[] = [];
  const seen = new Map<string, string>();
  let file = projectFile;
  let via: { layer: Layer } | undefined;
  for (;;) {
    inputs[file] = fingerprint(file);
    if (inputs[file] === 'missing' && via) {
      throw new ConfigError(`${via.layer.parsed.where(['extends'])}: key 'extends': ${file} does not exist; allowed: ${ALLOWED.extends}`);
    }
    // Only the nearest file is confined: a parent is named on purpose by an approved file.
    const { text, sha256 } = readConfigFile(file, file === projectFile ? { confineTo: dirname(file) } : {});
    const real = realpathSync(file);
    if (seen.has(real)) {
      const chain = [...seen.values(), file].join(' -> ');
      throw new ConfigError(`${via!.layer.parsed.where(['extends'])}: key 'extends': makes a loop (${chain}); allowed: a chain of files that ends`);
    }
    seen.set(real, file);
    if (layers.length >= MAX_EXTENDS) {
      throw new ConfigError(`${via!.layer.parsed.where(['extends'])}: key 'extends': more than ${MAX_EXTENDS} files deep; allowed: a shorter chain`);
    }
    const layer: Layer = { file, parsed: parseProjectYaml(file, text, userFile), sha256 };
    layers.push(layer);
    const parent = layer.parsed.data.extends;
    if (parent === undefined) return layers;
    via = { layer };
    file = resolve(dirname(file), parent);
  }
}

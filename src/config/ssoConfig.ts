import type { Env } from '../core/context';
import { ConfigError } from '../core/errors';
import { type AwsConfigFile, type AwsFileSection, valueOf } from './awsSharedFiles';
import { loadAwsConfig } from './awsProfile';
import { userConfigFile } from './paths';
import { describeRegion } from './regions';
import { normaliseStartUrl } from './startUrl';
import { SSO_REGION_HELP, START_URL_HELP, startUrlProblem } from './schema';
import type { SourceConfig } from './types';

/**
 * IAM Identity Center settings, from a source of the user file or from ~/.aws/config (an
 * [sso-session NAME] section, or a profile in either form the AWS CLI writes). Only where to sign
 * in lives here; endpoints never come from these files.
 */
export interface SsoSettings {
  /** The AWS access portal URL, as written. */
  startUrl: string;
  /** The region of the IAM Identity Center instance. */
  region: string;
  /** Where the settings were read, for messages. */
  origin: string;
}

/** An ~/.aws/config profile that signs in through IAM Identity Center and uses one permission set of one account. */
export interface SsoProfile extends SsoSettings {
  accountId: string;
  roleName: string;
  /** The [sso-session] it names, when it names one (the legacy form has none). */
  ssoSession?: string;
}

export type SsoSourceConfig = Extract<SourceConfig, { kind: 'sso' }>;

const ACCOUNT = /^\d{12}$/;
const PERMISSION_SET = /^[\w+=,.@-]{1,64}$/;

export { startUrlProblem };

/** Whether two settings sign in to the same IAM Identity Center instance. */
export function sameSignIn(a: Pick<SsoSettings, 'startUrl' | 'region'>, b: Pick<SsoSettings, 'startUrl' | 'region'>): boolean {
  return normaliseStartUrl(a.startUrl) === normaliseStartUrl(b.startUrl) && a.region === b.region;
}

/** Where an SSO source of the user file signs in: its own settings, or the [sso-session] it names. */
export function ssoSettingsOf(source: SsoSourceConfig, env: Env, userFile?: string): SsoSettings {
  if (!('ssoSession' in source))
    return { startUrl: source.startUrl, region: source.region, origin: `${userFile ?? userConfigFile(env)} (source ${source.name})` };
  const config = loadAwsConfig(env);
  const section = config.ssoSessions.get(source.ssoSession);
  if (!section) {
    throw new ConfigError(
      `source '${source.name}' names sso_session '${source.ssoSession}', and ${config.file} has no [sso-session ${source.ssoSession}]; add the section (sso_start_url and sso_region), or give the source sso_start_url and sso_region in ${userFile ?? userConfigFile(env)}`,
    );
  }
  return readSsoSession(config, source.ssoSession, section);
}

/** The start URL and region of an [sso-session NAME] section, checked. */
export function readSsoSession(config: AwsConfigFile, name: string, section: AwsFileSection): SsoSettings {
  const at = place(config, section);
  const startUrl = valueOf(section, 'sso_start_url');
  if (startUrl === undefined) throw new ConfigError(`${at('sso_start_url')}: key 'sso_start_url' of [${section.header}]: missing; allowed: ${START_URL_HELP}`);
  const problem = startUrlProblem(startUrl);
  if (problem) throw new ConfigError(`${at('sso_start_url')}: key 'sso_start_url' of [${section.header}]: ${problem}; allowed: ${START_URL_HELP}`);
  const region = valueOf(section, 'sso_region');
  if (region === undefined) throw new ConfigError(`${at('sso_region')}: key 'sso_region' of [${section.header}]: missing; allowed: ${SSO_REGION_HELP}`);
  const regionProblem = describeRegion(region).problem;
  if (regionProblem) throw new ConfigError(`${at('sso_region')}: key 'sso_region' of [${section.header}]: ${regionProblem}`);
  return { startUrl, region, origin: `${config.file} [sso-session ${name}]` };
}

/**
 * An SSO profile of ~/.aws/config as {start URL, region, account, role}: `sso_session` naming an
 * [sso-session] (its own sso_start_url or sso_region, if written, must agree with the session's, as
 * the AWS CLI demands), or the legacy form with all four sso_ keys. Undefined for a profile that
 * has no sso_ key at all (or does not exist); an incomplete one is a ConfigError naming its line.
 */
export function readSsoProfile(config: AwsConfigFile, name: string): SsoProfile | undefined {
  const section = config.profiles.get(name);
  if (!section) return undefined;
  const keys = ['sso_session', 'sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name'];
  if (!keys.some((key) => valueOf(section, key) !== undefined)) return undefined;
  const at = place(config, section);
  const fail = (key: string, what: string, allowed: string): never => {
    throw new ConfigError(`${at(key)}: key '${key}' of [${section.header}]: ${what}; allowed: ${allowed}`);
  };

  let settings: SsoSettings;
  const session = valueOf(section, 'sso_session');
  if (session !== undefined) {
    const sessionSection = config.ssoSessions.get(session);
    if (!sessionSection)
      return fail('sso_session', `there is no [sso-session ${session}] in ${config.file}`, 'the name of an [sso-session NAME] section of that file');
    settings = readSsoSession(config, session, sessionSection);
    const ownStartUrl = valueOf(section, 'sso_start_url');
    const problem = ownStartUrl === undefined ? undefined : startUrlProblem(ownStartUrl);
    if (problem) fail('sso_start_url', problem, START_URL_HELP);
    for (const key of ['sso_start_url', 'sso_region'] as const) {
      const own = valueOf(section, key);
      const theirs = key === 'sso_start_url' ? settings.startUrl : settings.region;
      if (own !== undefined && own !== theirs) {
        fail(
          key,
          `${own} differs from the ${key} of [sso-session ${session}] (${theirs})`,
          `the same ${key === 'sso_start_url' ? 'URL' : 'region'}, or no ${key} beside sso_session`,
        );
      }
    }
  } else {
    const startUrl =
      valueOf(section, 'sso_start_url') ?? fail('sso_start_url', 'missing', `${START_URL_HELP} (or sso_session naming an [sso-session] that has it)`);
    const problem = startUrlProblem(startUrl);
    if (problem) fail('sso_start_url', problem, START_URL_HELP);
    const region = valueOf(section, 'sso_region') ?? fail('sso_region', 'missing', `${SSO_REGION_HELP} (or sso_session naming an [sso-session] that has it)`);
    const regionProblem = describeRegion(region).problem;
    if (regionProblem) throw new ConfigError(`${at('sso_region')}: key 'sso_region' of [${section.header}]: ${regionProblem}`);
    settings = { startUrl, region, origin: `${config.file} [${section.header}]` };
  }

  const accountId = valueOf(section, 'sso_account_id') ?? fail('sso_account_id', 'missing', 'the 12-digit id of an account you are assigned to');
  if (!ACCOUNT.test(accountId))
    fail('sso_account_id', `${JSON.stringify(accountId)} is not a 12-digit account id`, 'the 12-digit id of an account you are assigned to');
  const roleName =
    valueOf(section, 'sso_role_name') ?? fail('sso_role_name', 'missing', 'the name of a permission set assigned to you, such as AdministratorAccess');
  if (!PERMISSION_SET.test(roleName))
    fail(
      'sso_role_name',
      `${JSON.stringify(roleName)} is not a permission set name`,
      'the name of a permission set assigned to you, such as AdministratorAccess',
    );
  return { ...settings, accountId, roleName, ...(session !== undefined ? { ssoSession: session } : {}) };
}

/** `FILE:LINE` of a key of the section, or of its header when the key is absent. */
function place(config: AwsConfigFile, section: AwsFileSection): (key: string) => string {
  return (key) => `${config.file}:${section.lines[key] ?? section.line}`;
}

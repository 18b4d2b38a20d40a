import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { Env } from '../core/context';
import { AwsdirError, ConfigError, UsageError } from '../core/errors';
import { linkTarget } from '../core/writeFileAtomic';
import { loadBundledText } from '../core/bundledText';
import { parseDuration } from '../config/duration';
import { PROJECT_FILE_NAME } from '../config/findProjectFile';
import { loadAwsConfig, readAwsProfile } from '../config/awsProfile';
import { valueOf } from '../config/awsSharedFiles';
import { loadUserConfig } from '../config/loadUserConfig';
import { addCommand, keysNotInFile, sourceNameFor, sourcesInsteadOf } from '../config/profileSource';
import type { UserConfig } from '../config/types';
import { DEFAULT_SESSION_NAME, templateProblem } from '../config/sessionName';
import { shellQuote } from '../credentials/credentialProcessProfile';
import type { SsoAssignments } from '../credentials/ssoSignIn';
import { gatherSsoValues, ssoSourceOf } from './ssoValues';

export interface InitFlags {
  profile?: string;
  role?: string;
  account?: string;
  region?: string;
  duration?: string;
  source?: string;
  label?: string;
  confirm?: boolean;
  mfa?: boolean;
  force?: boolean;
  allow?: boolean;
  externalId?: string;
  sessionName?: string;
  /** With an IAM Identity Center source: the permission set, beside --account. */
  ssoRole?: string;
}

/** Asks one question on the terminal; the answer, or `fallback` when the person just presses Enter. */
export interface Ask {
  (question: string, fallback?: string): Promise<string>;
  /** A line on the terminal, e.g. why an answer was not taken. */
  say(text: string): Promise<void>;
}

export interface PlanInitDeps {
  env: Env;
  /** Undefined when no terminal is there: missing flags are then a usage error. */
  ask: Ask | undefined;
  /** What IAM Identity Center assigns through a source, for the pick lists (signs in when needed). */
  ssoAssignments?: (sourceName: string) => SsoAssignments;
}

/** What to do with the directory's .envrc: write the template, add `use aws`, leave it (as it has `use aws`, or as the person said). */
export type EnvrcAction = 'create' | 'append' | 'keep' | 'skip';

/** Everything `awsdir init` will write, decided before the first byte is written. */
export interface InitPlan {
  projectFile: string;
  /** The new .awsdir.yaml, rendered from templates/.awsdir.yaml. */
  projectText: string;
  /** The file it replaces (with --force), to put back when the new one is refused. */
  oldProject: string | undefined;
  envrc: string;
  envrcAction: EnvrcAction;
  /** The .envrc as it is, undefined when there is none. */
  oldEnvrc: string | undefined;
  userConfig: UserConfig;
  /** Run `direnv allow` once written: --allow, or the person said so. */
  allow: boolean;
}

export interface ProjectValues {
  /** An ~/.aws/config profile; the role, region and duration may then come from it. */
  profile?: string;
  role?: string;
  account?: string;
  region?: string;
  duration?: string;
  source?: string;
  label: string;
  confirm?: boolean;
  mfa?: boolean;
  externalId?: string;
  sessionName?: string;
  /** An account and permission set of an IAM Identity Center source, instead of a role. */
  sso?: { account: string; role: string };
}

const ENVRC = '.envrc';
const USE_AWS = /^[ \t]*use[ \t]+aws\b/m;

/**
 * Decides what `awsdir init` writes in `dir`: refuses links that leave the directory and a project
 * file that exists without --force, takes the values from the flags or asks for the missing ones,
 * renders the project file and decides about .envrc. Writes nothing.
 */
export async function planInit(dir: string, flags: InitFlags, deps: PlanInitDeps): Promise<InitPlan> {
  const projectFile = join(dir, PROJECT_FILE_NAME);
  const envrc = join(dir, ENVRC);
  refuseLinkOutside(projectFile, dir, 'remove the link (`rm LINK`) and run `awsdir init` again; to share settings, use `extends:` in a real .awsdir.yaml');
  refuseLinkOutside(envrc, dir, 'add the line `use aws` to TARGET yourself, or remove the link (`rm LINK`) and run `awsdir init` again');
  if (existsSync(projectFile) && !flags.force) {
    throw new AwsdirError(`${projectFile} already exists; edit it (then \`awsdir allow\`), or pass --force to replace it`);
  }
  const userConfig = await loadUserConfig(deps.env);
  const { values, interactive } = await gatherValues(flags, userConfig, deps);

  const oldEnvrc = existsSync(envrc) ? readFileSync(envrc, 'utf8') : undefined;
  const envrcAction = await planEnvrc(envrc, oldEnvrc, flags, deps);
  let allow = Boolean(flags.allow);
  if (!allow && interactive && deps.ask && envrcAction !== 'skip') allow = await askDirenvAllow(dir, envrc, envrcAction, deps.ask);

  const oldProject = existsSync(projectFile) ? readFileSync(projectFile, 'utf8') : undefined;
  return { projectFile, projectText: await renderProjectFile(values), oldProject, envrc, envrcAction, oldEnvrc, userConfig, allow };
}

/**
 * A link that leaves the directory would make init change a file elsewhere (a dotfiles
 * repository, another project); refused before anything is written. `fix` may name LINK and TARGET.
 */
function refuseLinkOutside(file: string, dir: string, fix: string): void {
  try {
    if (!lstatSync(file).isSymbolicLink()) return;
  } catch {
    return;
  }
  let target: string;
  try {
    target = linkTarget(file);
  } catch {
    throw new AwsdirError(
      `${file} is a symbolic link that leads to no file (a loop of links); nothing was written; remove it (\`rm ${shellQuote(file)}\`) and run \`awsdir init\` again`,
    );
  }
  if (isInside(target, dir)) return;
  throw new AwsdirError(
    `${file} is a symbolic link to ${target}, outside ${dir}; init writes only inside the directory it sets up, so nothing was written; ${fix.replace('LINK', shellQuote(file)).replace('TARGET', target)}`,
  );
}

function isInside(path: string, dir: string): boolean {
  let real: string;
  try {
    real = existsSync(path) ? realpathSync(path) : join(realpathSync(dirname(path)), basename(path));
  } catch {
    return false;
  }
  const base = realpathSync(dir);
  return real.startsWith(base.endsWith(sep) ? base : base + sep);
}

async function gatherValues(flags: InitFlags, userConfig: UserConfig, deps: PlanInitDeps): Promise<{ values: ProjectValues; interactive: boolean }> {
  if (flags.profile !== undefined) return { values: await gatherProfileValues(flags.profile, flags, userConfig, deps), interactive: false };
  const ssoSource = ssoSourceOf(flags, userConfig);
  if (ssoSource) {
    return gatherSsoValues(ssoSource, flags, {
      ask: deps.ask,
      assignments: (name) => {
        if (!deps.ssoAssignments) throw new UsageError(`init: pass --account and --sso-role for IAM Identity Center source '${name}'`);
        return deps.ssoAssignments(name);
      },
      ...(regionDefault(deps.env) ? { regionDefault: regionDefault(deps.env)! } : {}),
      regionProblem,
      askUntil,
    });
  }
  if (flags.ssoRole !== undefined) {
    throw new UsageError(
      `init: --sso-role names a permission set of an IAM Identity Center source, and ${flags.source !== undefined ? `'${flags.source}' is not one` : 'no --source names one'}; pass --source with such a source (added with \`awsdir add NAME --sso-start-url URL --sso-region REGION\`), or --role for a role`,
    );
  }
  const roleIsName = (role: string): boolean => !role.startsWith('arn:');
  const missing: string[] = [];
  if (!flags.role) missing.push('--role');
  else if (roleIsName(flags.role) && !flags.account) missing.push('--account');
  if (!flags.region) missing.push('--region');
  const ask = deps.ask;
  if (missing.length > 0 && !ask) {
    throw new UsageError(
      `init needs ${missing.join(' and ')} and there is no terminal to ask on; pass them, e.g. awsdir init --role arn:aws:iam::222222222222:role/admin --region eu-west-1`,
    );
  }

  const role = flags.role ?? (await askUntil(ask!, 'Role ARN (or role name): ', undefined, (v) => (v ? undefined : 'a role is needed')));
  let account = flags.account;
  if (!account && roleIsName(role)) {
    account = await askUntil(ask!, `Account id of role ${role}: `, undefined, (v) => (/^\d{12}$/.test(v) ? undefined : 'an account id is 12 digits'));
  }
  const region = flags.region ?? (await askUntil(ask!, 'Region', regionDefault(deps.env), regionProblem));

  // Asked only when a person is there anyway; a flagless run in CI takes the defaults.
  const interactive = missing.length > 0 && ask !== undefined;
  const durationOk = (v: string): string | undefined => {
    try {
      parseDuration(v);
      return undefined;
    } catch {
      return 'a duration like 15m, 1h or 1h30m';
    }
  };
  const duration = flags.duration ?? (interactive ? await askUntil(ask, 'Session duration', '1h', durationOk) : '1h');

  const sources = Object.keys(userConfig.sources);
  let source = flags.source;
  if (!source && interactive && sources.length > 1) {
    const first = sources.includes('default') ? 'default' : sources[0];
    source = await askUntil(ask, `Source (${sources.join(', ')})`, first, (v) => (sources.includes(v) ? undefined : `one of ${sources.join(', ')}`));
  }
  if (source === 'default' && !flags.source) source = undefined;
  if (!source && !sources.includes('default') && sources.length === 1) source = sources[0];

  const roleName = role.split('/').pop() ?? role;
  const label = flags.label ?? (interactive ? await askUntil(ask, 'Label', roleName, () => undefined) : roleName);
  let confirm = flags.confirm;
  if (confirm === undefined && interactive) {
    const likelyProduction = /prod/i.test(label);
    const answer = await askUntil(ask, `Ask before entering, as for production? [${likelyProduction ? 'Y/n' : 'y/N'}]`, likelyProduction ? 'y' : 'n', yesOrNo);
    confirm = /^y/i.test(answer);
  }
  const { externalId, sessionName, mfa } = interactive ? await askRoleNeeds(ask, flags) : flags;
  const values: ProjectValues = {
    role,
    ...(account ? { account } : {}),
    region,
    duration,
    ...(source ? { source } : {}),
    label,
    ...(confirm ? { confirm: true } : {}),
    ...(mfa === false ? { mfa: false } : {}),
    ...(externalId ? { externalId } : {}),
    ...(sessionName ? { sessionName } : {}),
  };
  return { values, interactive };
}

/**
 * What some roles need besides their ARN, asked when not given as flags: an empty answer or the
 * offered default writes no line, so the project file keeps following awsdir's defaults.
 */
async function askRoleNeeds(ask: Ask, flags: InitFlags): Promise<Pick<InitFlags, 'externalId' | 'sessionName' | 'mfa'>> {
  // The schema carries zod; loaded only when these questions are asked.
  const { ALLOWED, EXTERNAL_ID } = require('../config/schema') as typeof import('../config/schema');
  let externalId = flags.externalId;
  if (externalId === undefined) {
    externalId =
      (await askUntil(ask, 'External id (empty for none): ', undefined, (v) =>
        v === '' || EXTERNAL_ID.test(v) ? undefined : `an external id is ${ALLOWED.external_id}`,
      )) || undefined;
  }
  let sessionName = flags.sessionName;
  if (sessionName === undefined) {
    const answer = await askUntil(ask, 'Session name', DEFAULT_SESSION_NAME, (v) => {
      const problem = templateProblem(v);
      return problem && `${problem}; allowed: ${ALLOWED.session_name}`;
    });
    if (answer !== DEFAULT_SESSION_NAME) sessionName = answer;
  }
  let mfa = flags.mfa;
  if (mfa === undefined) {
    const answer = await askUntil(ask, 'Use MFA for this role? ("no" only if its trust policy does not demand MFA) [Y/n]', 'y', yesOrNo);
    mfa = /^y/i.test(answer);
  }
  return { externalId, sessionName, mfa };
}

const regionDefault = (env: Env): string | undefined => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
const regionProblem = (v: string): string | undefined => (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(v) ? undefined : 'not an AWS region, e.g. eu-west-1');
const yesOrNo = (v: string): string | undefined => (/^(y|yes|n|no)$/i.test(v) ? undefined : 'y or n');

/**
 * `direnv allow` approves the whole .envrc: offered by default only for one init wrote itself, as
 * an existing one may hold more than `use aws` (a cloned repository's, say).
 */
async function askDirenvAllow(dir: string, envrc: string, action: EnvrcAction, ask: Ask): Promise<boolean> {
  const question =
    action === 'create'
      ? `Run \`direnv allow\` for ${dir} now? [Y/n]`
      : `Run \`direnv allow\` for ${dir} now? It approves all of ${envrc}, not only \`use aws\` [y/N]`;
  const answer = await askUntil(ask, question, action === 'create' ? 'y' : 'n', yesOrNo);
  return /^y/i.test(answer);
}

/**
 * `init --profile NAME`: the profile gives the role, and the region and duration unless flags do.
 * Its source_profile's keys are read from ~/.aws/credentials; when they are in none (a keychain,
 * the aws-vault way), one of the person's own sources signs in instead, written as `source:`.
 */
async function gatherProfileValues(name: string, flags: InitFlags, userConfig: UserConfig, deps: PlanInitDeps): Promise<ProjectValues> {
  const awsConfig = loadAwsConfig(deps.env);
  const profile = readAwsProfile(awsConfig, name);
  if (!profile?.roleArn) {
    const withRole = [...awsConfig.profiles].filter(([, section]) => valueOf(section, 'role_arn') !== undefined).map(([n]) => n);
    const why = !awsConfig.exists
      ? `${awsConfig.file} does not exist`
      : profile
        ? `profile '${name}' of ${awsConfig.file} has no role_arn, so it names no role to assume`
        : `no profile named '${name}' in ${awsConfig.file}`;
    const fix = withRole.length
      ? `profiles with role_arn there: ${withRole.join(', ')}; pass one of them to --profile, or name the role with --role instead`
      : `${awsConfig.exists ? 'it has no profile with role_arn; add one' : 'add the profile there'}, or name the role with --role instead`;
    throw new ConfigError(`init: ${why}; ${fix}`);
  }
  let region = flags.region;
  if (region === undefined && profile.region === undefined) {
    if (!deps.ask)
      throw new UsageError(
        `init: profile '${name}' of ${awsConfig.file} has no region, and there is no terminal to ask on; pass --region, e.g. --region eu-west-1`,
      );
    region = await askUntil(deps.ask, 'Region', regionDefault(deps.env), regionProblem);
  }
  let source = flags.source;
  const noKeys = source === undefined && profile.sourceProfile !== undefined ? keysNotInFile(deps.env, profile.sourceProfile) : undefined;
  if (noKeys) {
    const choices = sourcesInsteadOf(userConfig, profile.sourceProfile!);
    const lacking = `profile '${name}' takes its keys from source_profile '${profile.sourceProfile}', which has none in a file (${noKeys})`;
    if (choices.length === 0) {
      throw new ConfigError(
        `init: ${lacking}, and you have no source of your own; store them in the keychain with \`${addCommand(sourceNameFor(profile.sourceProfile!))}\`, then run this init again`,
      );
    }
    if (choices.length === 1) source = choices[0];
    else if (!deps.ask)
      throw new UsageError(
        `init: ${lacking}, and there is no terminal to ask which of your sources signs in instead; pass --source with one of ${choices.join(', ')}`,
      );
    else {
      await deps.ask.say(`${lacking}; which of your sources signs in instead?`);
      source = await askUntil(deps.ask, `Source (${choices.join(', ')})`, choices[0], (v) =>
        choices.includes(v) ? undefined : `one of ${choices.join(', ')}`,
      );
    }
  }
  return {
    profile: name,
    ...(flags.role ? { role: flags.role } : {}),
    ...(flags.account ? { account: flags.account } : {}),
    ...(region ? { region } : {}),
    ...(flags.duration ? { duration: flags.duration } : {}),
    ...(source ? { source } : {}),
    label: flags.label ?? name,
    ...(flags.confirm ? { confirm: true } : {}),
    ...(flags.mfa === false ? { mfa: false } : {}),
    ...(flags.externalId ? { externalId: flags.externalId } : {}),
    ...(flags.sessionName ? { sessionName: flags.sessionName } : {}),
  };
}

async function askUntil(ask: Ask, question: string, fallback: string | undefined, problem: (value: string) => string | undefined): Promise<string> {
  for (let tries = 0; tries < 5; tries++) {
    const value = (await ask(question, fallback)).trim();
    const wrong = problem(value);
    if (!wrong) return value;
    await ask.say(`${wrong}; try again`);
  }
  throw new UsageError(`init: no usable answer to "${question.replace(/[:\s]+$/, '')}"; pass it as a flag instead`);
}

async function planEnvrc(envrc: string, old: string | undefined, flags: InitFlags, deps: PlanInitDeps): Promise<EnvrcAction> {
  if (old === undefined) return 'create';
  if (USE_AWS.test(old)) return 'keep';
  if (flags.force) return 'append';
  if (!deps.ask) {
    throw new AwsdirError(
      `${envrc} exists without \`use aws\` and there is no terminal to ask on; pass --force to append \`use aws\` to it, or add the line yourself`,
    );
  }
  const answer = await deps.ask(`${envrc} exists; append \`use aws\` to it? [y/N]`, 'n');
  return /^y(es)?$/i.test(answer.trim()) ? 'append' : 'skip';
}

/** The project file from templates/.awsdir.yaml: a line whose value was not chosen is left out. */
export async function renderProjectFile(values: ProjectValues): Promise<string> {
  const template = await loadBundledText('templates/.awsdir.yaml');
  const text: Record<string, string | undefined> = {
    profile: values.profile,
    role: values.role,
    sso: values.sso === undefined ? undefined : `{ account: ${JSON.stringify(values.sso.account)}, role: ${values.sso.role} }`,
    // Quoted, so a leading zero survives YAML.
    account: values.account === undefined ? undefined : JSON.stringify(values.account),
    region: values.region,
    duration: values.duration,
    source: values.source,
    label: values.label === undefined ? undefined : JSON.stringify(values.label),
    confirm: values.confirm ? 'true' : undefined,
    mfa: values.mfa === false ? 'false' : undefined,
    external_id: values.externalId === undefined ? undefined : JSON.stringify(values.externalId),
    session_name: values.sessionName === undefined ? undefined : JSON.stringify(values.sessionName),
  };
  return template
    .split('\n')
    .filter((line) => {
      const key = /\{\{(\w+)\}\}/.exec(line)?.[1];
      return key === undefined || text[key] !== undefined;
    })
    .map((line) => line.replace(/\{\{(\w+)\}\}/g, (_, key: string) => text[key] ?? ''))
    .join('\n');
}

import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context, Env } from '../context';
import { AwsdirError, CancelledError, ConfigError, UsageError } from '../errors';
import type { RegisterCommand } from '../program';
import { createReporter, type Reporter } from '../reporter';
import { recordApproval } from '../../config/approval';
import { parseDuration } from '../../config/duration';
import { PROJECT_FILE_NAME } from '../../config/findProjectFile';
import { loadUserConfig } from '../../config/loadUserConfig';
import { direnvLibFile } from '../../config/paths';
import { loginName, resolveProject, shortHostName } from '../../config/resolveProject';
import type { ResolvedProject, UserConfig } from '../../config/types';
import { readTty } from '../../mfa/readTty';
import { loadTemplate } from '../../templates/loadTemplate';

export interface InitFlags {
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
}

/** Asks one question on the terminal; the answer, or `fallback` when the person just presses Enter. */
export interface Ask {
  (question: string, fallback?: string): Promise<string>;
  /** A line on the terminal, e.g. why an answer was not taken. */
  say(text: string): Promise<void>;
}

export interface InitDeps {
  env: Env;
  reporter: Reporter;
  now: () => number;
  /** Undefined when no terminal is there: missing flags are then a usage error. */
  ask: Ask | undefined;
  /** Runs `direnv allow DIR`; throws with direnv's own words on failure. */
  direnvAllow: (dir: string) => Promise<void>;
}

const ENVRC = '.envrc';
const USE_AWS = /^[ \t]*use[ \t]+aws\b/m;

/**
 * Writes .awsdir.yaml and .envrc for `dir`, allows the project file it wrote, and says what to do
 * next. Everything that could refuse is checked before the first byte is written.
 */
export async function init(dir: string, flags: InitFlags, deps: InitDeps): Promise<ResolvedProject> {
  const projectFile = join(dir, PROJECT_FILE_NAME);
  const envrc = join(dir, ENVRC);
  if (existsSync(projectFile) && !flags.force) {
    throw new AwsdirError(`${projectFile} already exists; edit it (then \`awsdir allow\`), or pass --force to replace it`);
  }
  const userConfig = await loadUserConfig(deps.env);
  const values = await gatherValues(flags, userConfig, deps);

  const oldEnvrc = existsSync(envrc) ? readFileSync(envrc, 'utf8') : undefined;
  const envrcAction = await planEnvrc(envrc, oldEnvrc, flags, deps);

  const oldProject = existsSync(projectFile) ? readFileSync(projectFile, 'utf8') : undefined;
  writeFileSync(projectFile, await renderProjectFile(values));
  let project: ResolvedProject;
  try {
    project = await resolveProject(dir, { env: deps.env, userConfig, user: loginName(deps.env), host: shortHostName() });
  } catch (error) {
    // Leave the directory as it was: a file awsdir itself refuses helps nobody.
    if (oldProject === undefined) rmSync(projectFile, { force: true });
    else writeFileSync(projectFile, oldProject);
    if (error instanceof ConfigError) throw new ConfigError(`init: these values make an invalid project file, so nothing was written: ${error.message}`, { cause: error });
    throw error;
  }
  recordApproval(project, deps.env, new Date(deps.now()));
  deps.reporter.info(`wrote ${projectFile} (${project.label}: ${project.role.name} @ ${project.account}, ${project.region}) and allowed it`);

  if (envrcAction === 'create') {
    writeFileSync(envrc, await loadTemplate('envrc'));
    deps.reporter.info(`wrote ${envrc} (use aws)`);
  } else if (envrcAction === 'append') {
    writeFileSync(envrc, `${oldEnvrc}${oldEnvrc?.endsWith('\n') || oldEnvrc === '' ? '' : '\n'}use aws\n`);
    deps.reporter.info(`added \`use aws\` to ${envrc}`);
  } else if (envrcAction === 'skip') {
    deps.reporter.info(`left ${envrc} as it was; add the line \`use aws\` to it yourself`);
  }

  const hint = existsSync(direnvLibFile(deps.env)) ? '' : ' (once per machine first: `awsdir hook direnv --install`)';
  if (flags.allow && envrcAction !== 'skip') {
    await deps.direnvAllow(dir);
    deps.reporter.info(`ran \`direnv allow\`; next: cd out and back in (or run \`direnv reload\`) to load it${hint}`);
  } else {
    deps.reporter.info(`next: run \`direnv allow ${dir}\`, then cd out and back in${hint}`);
  }
  return project;
}

interface ProjectValues {
  role: string;
  account?: string;
  region: string;
  duration: string;
  source?: string;
  label: string;
  confirm?: boolean;
  mfa?: boolean;
  externalId?: string;
  sessionName?: string;
}

async function gatherValues(flags: InitFlags, userConfig: UserConfig, deps: InitDeps): Promise<ProjectValues> {
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
  const regionDefault = deps.env.AWS_REGION || deps.env.AWS_DEFAULT_REGION || undefined;
  const region = flags.region ?? (await askUntil(ask!, 'Region', regionDefault, (v) => (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(v) ? undefined : 'not an AWS region, e.g. eu-west-1')));

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
  const duration = flags.duration ?? (interactive ? await askUntil(ask!, 'Session duration', '1h', durationOk) : '1h');

  const sources = Object.keys(userConfig.sources);
  let source = flags.source;
  if (!source && interactive && sources.length > 1) {
    const first = sources.includes('default') ? 'default' : sources[0];
    source = await askUntil(ask!, `Source (${sources.join(', ')})`, first, (v) => (sources.includes(v) ? undefined : `one of ${sources.join(', ')}`));
  }
  if (source === 'default' && !flags.source) source = undefined;
  if (!source && !sources.includes('default') && sources.length === 1) source = sources[0];

  const roleName = role.split('/').pop() ?? role;
  const label = flags.label ?? (interactive ? await askUntil(ask!, 'Label', roleName, () => undefined) : roleName);
  let confirm = flags.confirm;
  if (confirm === undefined && interactive) {
    const likelyProduction = /prod/i.test(label);
    const answer = await askUntil(ask!, `Ask before entering, as for production? [${likelyProduction ? 'Y/n' : 'y/N'}]`, likelyProduction ? 'y' : 'n', (v) =>
      /^(y|yes|n|no)$/i.test(v) ? undefined : 'y or n',
    );
    confirm = /^y/i.test(answer);
  }
  return {
    role,
    ...(account ? { account } : {}),
    region,
    duration,
    ...(source ? { source } : {}),
    label,
    ...(confirm ? { confirm: true } : {}),
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

type EnvrcAction = 'create' | 'append' | 'keep' | 'skip';

async function planEnvrc(envrc: string, old: string | undefined, flags: InitFlags, deps: InitDeps): Promise<EnvrcAction> {
  if (old === undefined) return 'create';
  if (USE_AWS.test(old)) return 'keep';
  if (flags.force) return 'append';
  if (!deps.ask) {
    throw new AwsdirError(`${envrc} exists without \`use aws\` and there is no terminal to ask on; pass --force to append \`use aws\` to it, or add the line yourself`);
  }
  const answer = await deps.ask(`${envrc} exists; append \`use aws\` to it? [y/N]`, 'n');
  return /^y(es)?$/i.test(answer.trim()) ? 'append' : 'skip';
}

/** The project file from templates/.awsdir.yaml: a line whose value was not chosen is left out. */
export async function renderProjectFile(values: ProjectValues): Promise<string> {
  const template = await loadTemplate('awsdir.yaml');
  const text: Record<string, string | undefined> = {
    role: values.role,
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

/** Prints the trust policy that the role of `dir`'s project needs, for the account of the person's MFA device. */
export async function printTrustPolicy(dir: string, deps: Pick<InitDeps, 'env' | 'reporter'>): Promise<string> {
  const userConfig = await loadUserConfig(deps.env);
  const project = await resolveProject(dir, { env: deps.env, userConfig, user: loginName(deps.env), host: shortHostName() });
  const serial = project.mfaSerial ?? project.source.mfaSerial;
  const account = serial ? /^arn:[\w-]+:iam::(\d{12}):mfa\//.exec(serial)?.[1] : undefined;
  if (!account) {
    throw new ConfigError(
      `trust policy: source '${project.sourceName}' has no MFA device recorded in ${userConfig.file}, so the account of your IAM user is unknown; run \`awsdir add ${project.sourceName}\` first`,
    );
  }
  const { renderTrustPolicy } = await import('../../security/renderTrustPolicy');
  deps.reporter.info(
    `trust policy for ${project.role.arn} (${project.label}); apply it with: /usr/bin/aws iam update-assume-role-policy --role-name ${project.role.name} --policy-document file://trust.json`,
  );
  return renderTrustPolicy({ account });
}

/** A terminal to ask on, or undefined (opening /dev/tty fails at once with ENXIO in CI and IDEs). */
function terminalAsk(ctx: Context): Ask | undefined {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
  } catch {
    return undefined;
  }
  const ask = async (question: string, fallback?: string): Promise<string> => {
    const prompt = question.endsWith(': ') ? question : question.endsWith(']') ? `${question} ` : `${question}${fallback ? ` [${fallback}]` : ''}: `;
    const answer = await readTty({ prompt, echo: 'self', accept: (c) => c >= ' ', signal: ctx.signal, noTerminalHint: 'pass the values as flags' });
    return answer.trim() === '' && fallback !== undefined ? fallback : answer;
  };
  return Object.assign(ask, { say: async (text: string) => ctx.io.stderr(`  ${text}\n`) });
}

async function runDirenvAllow(dir: string, env: Env): Promise<void> {
  const { execa } = await import('execa');
  try {
    await execa('direnv', ['allow', dir], { env: { ...env }, extendEnv: false, stdin: 'ignore', timeout: 15000 });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') throw new AwsdirError(`direnv is not on PATH; install it (https://direnv.net), then run \`direnv allow ${dir}\``);
    throw new AwsdirError(`direnv allow ${dir} failed: ${(e.stderr || e.shortMessage || String(error)).trim()}; run it yourself to see why`);
  }
}

export const registerInit: RegisterCommand = (program: Command, ctx: Context) => {
  program
    .command('init')
    .description('write .awsdir.yaml and an .envrc with `use aws` for a directory, and allow them')
    .option('--role <role>', 'role ARN, or a role name with --account')
    .option('--account <account>', 'the 12-digit account of the role')
    .option('--region <region>', 'exported as AWS_REGION and AWS_DEFAULT_REGION')
    .option('--duration <duration>', 'role session length, 15m..12h (default 1h)')
    .option('--source <source>', 'which source of your user file signs in (default: default)')
    .option('--label <label>', 'shown in messages and the prompt (default: the role name)')
    .option('--confirm', 'ask once per shell before entering (for production)')
    .option('--mfa', 'use MFA for this role (the default)')
    .option('--no-mfa', "skip MFA: only for a role whose trust policy does not demand it")
    .option('--external-id <id>', "sts:ExternalId, when the role's trust policy demands one")
    .option('--session-name <template>', 'RoleSessionName template, e.g. "{user}-{dir}" (the default)')
    .option('--force', 'replace an existing .awsdir.yaml; append `use aws` to an .envrc without asking')
    .option('--allow', 'also run `direnv allow` for the directory')
    .option('--dir <dir>', 'the directory to set up (default: the current one)')
    .option('--print-trust-policy', "print the trust policy the directory's role needs, and write nothing")
    .addHelpText(
      'after',
      `
Missing values are asked on the terminal (with your sources and defaults offered); without a
terminal, --role and --region are required. The project file is allowed for awsdir at once;
.envrc still needs direnv's own approval (--allow runs \`direnv allow\`).

Example:
  $ cd ~/production/app
  $ awsdir init --role arn:aws:iam::222222222222:role/admin --region ap-northeast-1 \\
      --label production --confirm --allow
  $ awsdir init --role readonly --account 333333333333 --region eu-west-1 --dir ~/development
  $ awsdir init --role deploy --account 444444444444 --region us-east-1 --external-id staging-ext
  $ awsdir init --print-trust-policy > trust.json`,
    )
    .action(async (opts: InitFlags & { dir?: string; printTrustPolicy?: boolean }) => {
      const dir = resolve(ctx.cwd, opts.dir ?? '.');
      const reporter = createReporter(ctx);
      if (opts.printTrustPolicy) {
        ctx.io.stdout(await printTrustPolicy(dir, { env: ctx.env, reporter }));
        return;
      }
      if (!existsSync(dir)) throw new UsageError(`init: ${dir} does not exist; create it first (mkdir -p ${dir})`);
      const ask = terminalAsk(ctx);
      try {
        await init(dir, opts, { env: ctx.env, reporter, now: () => ctx.now(), ask, direnvAllow: (d) => runDirenvAllow(d, ctx.env) });
      } catch (error) {
        if (error instanceof CancelledError) throw new CancelledError('init cancelled; nothing was written');
        throw error;
      }
    });
};

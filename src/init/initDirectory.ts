import { existsSync, rmSync } from 'node:fs';
import type { Env } from '../core/context';
import { CancelledError, ConfigError, UsageError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { loadBundledText } from '../core/bundledText';
import { recordApproval } from '../config/approval';
import { direnvLibFile } from '../config/paths';
import { resolveDirectoryProject } from '../config/resolveProject';
import type { ResolvedProject } from '../config/types';
import type { SsoAssignments } from '../credentials/ssoSignIn';
import { planInit, type Ask, type InitFlags } from './planInit';

export interface InitDeps {
  env: Env;
  reporter: Reporter;
  now: () => number;
  /** Undefined when no terminal is there: missing flags are then a usage error. */
  ask: Ask | undefined;
  /** Runs `direnv allow DIR`; throws with direnv's own words on failure. */
  direnvAllow: (dir: string) => Promise<void>;
  /** What IAM Identity Center assigns through a source, for init's pick lists. */
  ssoAssignments?: (sourceName: string) => SsoAssignments;
}

/** The directory's files are the person's: a link (inside the directory) stays a link; a new file gets 0666 less the umask. */
const PERSONAL = { mode: 0o666, personal: true } as const;

/**
 * Writes .awsdir.yaml and .envrc for `dir`, allows the project file it wrote, and says what to do
 * next. Everything that could refuse is checked before the first byte is written (planInit).
 */
export async function initDirectory(dir: string, flags: InitFlags, deps: InitDeps): Promise<ResolvedProject> {
  if (!existsSync(dir)) throw new UsageError(`init: ${dir} does not exist; create it first (mkdir -p ${dir})`);
  try {
    return await writeAndAllow(dir, flags, deps);
  } catch (error) {
    if (error instanceof CancelledError) throw new CancelledError('init cancelled; nothing was written');
    throw error;
  }
}

async function writeAndAllow(dir: string, flags: InitFlags, deps: InitDeps): Promise<ResolvedProject> {
  const plan = await planInit(dir, flags, deps);
  const { projectFile, envrc, envrcAction, oldEnvrc } = plan;
  const written = writeFileAtomic(projectFile, plan.projectText, PERSONAL);
  let project: ResolvedProject;
  try {
    project = await resolveDirectoryProject(dir, deps.env, plan.userConfig);
  } catch (error) {
    // Leave the directory as it was: a file awsdir itself refuses helps nobody.
    if (plan.oldProject === undefined) rmSync(written, { force: true });
    else writeFileAtomic(projectFile, plan.oldProject, PERSONAL);
    if (error instanceof ConfigError)
      throw new ConfigError(`init: these values make an invalid project file, so nothing was written: ${error.message}`, { cause: error });
    throw error;
  }
  recordApproval(project, deps.env, new Date(deps.now()));
  deps.reporter.info(`wrote ${projectFile} (${project.label}: ${project.role.name} @ ${project.account}, ${project.region}) and allowed it`);

  if (envrcAction === 'create') {
    writeFileAtomic(envrc, await loadBundledText('templates/.envrc'), PERSONAL);
    deps.reporter.info(`wrote ${envrc} (use aws)`);
  } else if (envrcAction === 'append') {
    writeFileAtomic(envrc, `${oldEnvrc}${oldEnvrc?.endsWith('\n') || oldEnvrc === '' ? '' : '\n'}use aws\n`, PERSONAL);
    deps.reporter.info(`added \`use aws\` to ${envrc}`);
  } else if (envrcAction === 'skip') {
    deps.reporter.info(`left ${envrc} as it was; add the line \`use aws\` to it yourself`);
  }

  const hint = existsSync(direnvLibFile(deps.env)) ? '' : ' (once per machine first: `awsdir hook direnv --install`)';
  if (plan.allow && envrcAction !== 'skip') {
    await deps.direnvAllow(dir);
    deps.reporter.info(`ran \`direnv allow\`; next: cd out and back in (or run \`direnv reload\`) to load it${hint}`);
  } else {
    deps.reporter.info(`next: run \`direnv allow ${dir}\`, then cd out and back in${hint}`);
  }
  return project;
}

import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { formatDuration } from './duration';
import { findProjectFile } from './findProjectFile';
import { loadUserConfig } from './loadUserConfig';
import { allowDir } from './paths';
import { loginName, resolveProject, shortHostName } from './resolveProject';
import type { ResolvedProject, UserConfig } from './types';
import { writeFileAtomic } from './writeFileAtomic';

/**
 * Like direnv with .envrc: a project file is used only once the person has allowed its exact
 * content (and that of every file it extends), so a pulled commit that changes the role never
 * switches a shell's account silently.
 */
interface ApprovalRecord {
  v: 1;
  projectFile: string;
  files: Array<{ path: string; sha256: string }>;
  allowedAt: string;
}

const recordFile = (env: Env, projectFile: string): string =>
  join(allowDir(env), `${createHash('sha256').update(projectFile).digest('hex')}.json`);

function readRecord(env: Env, projectFile: string): ApprovalRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(env, projectFile), 'utf8')) as ApprovalRecord;
    return record?.v === 1 && record.projectFile === projectFile && Array.isArray(record.files) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** True when the project file and its whole `extends` chain are exactly what was allowed. */
export function isAllowed(project: ResolvedProject, env: Env): boolean {
  const record = readRecord(env, project.projectFile);
  if (!record || record.files.length !== project.files.length) return false;
  return project.files.every((path, i) => record.files[i]?.path === path && record.files[i]?.sha256 === project.fileHashes[path]);
}

/** Throws the refusal of DESIGN.md section 3 (an AwsdirError) unless the project is allowed. */
export function assertAllowed(project: ResolvedProject, env: Env): void {
  if (isAllowed(project, env)) return;
  const seen = readRecord(env, project.projectFile) !== undefined;
  throw new AwsdirError(
    `${project.projectFile} ${seen ? 'has changed since you allowed it' : 'is not allowed yet'}; it would select ${describeSelection(project)}; if that is right, run \`awsdir allow ${project.dir}\``,
  );
}

/**
 * The project of a directory as every command that uses credentials sees it, refused unless
 * allowed. The cache-hit path and the full CLI both go through here, so a `cd` can never accept a
 * file that `awsdir export` would refuse.
 */
export async function resolveAllowedProject(dir: string, env: Env, userConfig: UserConfig): Promise<ResolvedProject> {
  const project = await resolveProject(dir, { env, userConfig, user: loginName(env), host: shortHostName() });
  assertAllowed(project, env);
  return project;
}

export function describeSelection(project: ResolvedProject): string {
  return `role ${project.role.name} @ ${project.account} (${project.role.arn}), region ${project.region}, label ${JSON.stringify(project.label)}, ${formatDuration(project.durationSeconds)} sessions${project.mfa ? '' : ', no MFA'}`;
}

/** Records the exact content of an already validated project; see allowProject in the command. */
export function recordApproval(project: ResolvedProject, env: Env, now: Date): void {
  const record: ApprovalRecord = {
    v: 1,
    projectFile: project.projectFile,
    files: project.files.map((path) => ({ path, sha256: project.fileHashes[path] ?? '' })),
    allowedAt: now.toISOString(),
  };
  writeFileAtomic(recordFile(env, project.projectFile), `${JSON.stringify(record, null, 2)}\n`);
}

/** Forgets the approval of the project file that `dir` uses; false when there was none. */
export function denyProject(dir: string, env: Env): { projectFile: string; removed: boolean } {
  const projectFile = findProjectFile(dir);
  if (!projectFile) throw new AwsdirError(`no .awsdir.yaml in ${dir} or any parent; nothing to deny`);
  const file = recordFile(env, projectFile);
  const removed = readRecord(env, projectFile) !== undefined;
  rmSync(file, { force: true });
  return { projectFile, removed };
}

/**
 * Validates the project `dir` uses (an invalid file is refused with a ConfigError and nothing recorded),
 * then records its exact content.
 */
export async function allowProject(dir: string, env: Env, deps: { user?: string; host?: string; now?: Date } = {}): Promise<ResolvedProject> {
  const userConfig = await loadUserConfig(env);
  const project = await resolveProject(dir, { env, userConfig, user: deps.user ?? loginName(env), ...(deps.host !== undefined && { host: deps.host }) });
  recordApproval(project, env, deps.now ?? new Date());
  return project;
}

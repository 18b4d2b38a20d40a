import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { formatDuration } from './duration';
import { findProjectFile, PROJECT_FILE_NAME } from './findProjectFile';
import { loadUserConfig } from './loadUserConfig';
import { allowDir } from './paths';
import { loginName, resolveDirectoryProject, resolveProject, shortHostName } from './resolveProject';
import type { ResolvedProject, SourceConfig, UserConfig } from './types';
import { writeFileAtomic } from '../core/writeFileAtomic';

/**
 * Like direnv with .envrc: a project file is used only once the person has allowed its exact
 * content (and that of every file it extends) together with the identity it resolves to, so that
 * neither a pulled commit nor an edited ~/.aws/config profile or user-file source switches a
 * shell's account silently; and only for the directories it governed when it was allowed, so that
 * deleting a nearer project file does not hand a directory to a parent's role.
 */
interface FileHash {
  path: string;
  sha256: string;
}

/** What a project resolves to, under the names of the keys that set it. */
interface Identity {
  role: string;
  account: string;
  region: string;
  source: string;
  mfa_serial: string;
  external_id: string;
  duration: string;
  session_name: string;
  /** Only for a project of an IAM Identity Center source: where it signs in. */
  sso_start_url?: string;
  sso_region?: string;
}

interface ApprovalRecord {
  v: 2;
  projectFile: string;
  files: FileHash[];
  identity: Identity;
  allowedAt: string;
}

/** Written before the identity was recorded: content hashes only. */
interface LegacyRecord {
  v: 1;
  projectFile: string;
  files: FileHash[];
  allowedAt: string;
}

/** Named by a hash of the project file's path, so "was a file here ever allowed?" is one stat. */
const recordFile = (env: Env, projectFile: string): string => join(allowDir(env), `${createHash('sha256').update(projectFile).digest('hex')}.json`);

function readRecord(env: Env, projectFile: string): ApprovalRecord | LegacyRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(env, projectFile), 'utf8')) as ApprovalRecord | LegacyRecord;
    if (record?.projectFile !== projectFile || !Array.isArray(record.files)) return undefined;
    if (record.v === 2 && record.identity !== null && typeof record.identity === 'object') return record;
    return record.v === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

const NONE = 'none';

function describeSource(source: SourceConfig): string {
  if (source.kind === 'credentials-profile') return `${source.name} (credentials profile ${source.profile})`;
  if (source.kind === 'sso')
    return `${source.name} (IAM Identity Center ${'ssoSession' in source ? `sso-session ${source.ssoSession}` : `${source.startUrl} ${source.region}`})`;
  // Not the keychain source's access key id: `awsdir rotate` changes it, and the person stays who they are.
  return `${source.name} (${source.kind === 'env' ? 'environment' : 'keychain'})`;
}

function identityOf(project: ResolvedProject): Identity {
  return {
    role: project.role.arn,
    account: project.account,
    region: project.region,
    source: describeSource(project.source),
    mfa_serial: project.mfaSerial ?? NONE,
    external_id: project.externalId ?? NONE,
    duration: project.sso ? "the permission set's" : formatDuration(project.durationSeconds),
    session_name: project.sso ? NONE : project.sessionName,
    ...(project.sso ? { sso_start_url: project.sso.startUrl, sso_region: project.sso.region } : {}),
  };
}

/** `role: A -> B (from FILE)` for every field that differs from what was allowed. */
function identityChanges(allowed: Identity, project: ResolvedProject): string[] {
  const now = identityOf(project);
  return (Object.keys(now) as Array<keyof Identity>)
    .filter((key) => allowed[key] !== now[key])
    .map((key) => {
      const origin = project.origins[key];
      return `${key}: ${allowed[key] ?? NONE} -> ${now[key]}${origin ? ` (from ${origin})` : ''}`;
    });
}

const sameFiles = (record: { files: FileHash[] }, project: ResolvedProject): boolean =>
  record.files.length === project.files.length &&
  project.files.every((path, i) => record.files[i]?.path === path && record.files[i]?.sha256 === project.fileHashes[path]);

/**
 * Project files once allowed in the directories from `dir` up to (not including) the one that
 * governs it: all gone, since the governing file is the nearest there is. One stat per level.
 */
function vanishedBelow(dir: string, governing: string, env: Env): string[] {
  const vanished: string[] = [];
  for (let current = resolve(dir); current !== dirname(governing);) {
    const file = join(current, PROJECT_FILE_NAME);
    if (statSync(recordFile(env, file), { throwIfNoEntry: false })) vanished.push(file);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return vanished;
}

/** Why a project may not be used yet: a file never allowed, one changed since, or an allowed one gone. */
export type ApprovalKind = 'new' | 'changed' | 'vanished';

type Refused = { allowed: false; why: string; allowIn: string; short?: string; kind: ApprovalKind; changes: string[] };
type Verdict = { allowed: true; upgrade?: LegacyRecord } | Refused;

/** Whether the project file itself may be used as it resolves now, and why not. */
function judgeFile(project: ResolvedProject, env: Env): Verdict {
  const record = readRecord(env, project.projectFile);
  const changes = record?.v === 2 ? identityChanges(record.identity, project) : [];
  const refuse = (why: string, short: string, kind: ApprovalKind): Verdict => ({
    allowed: false,
    why: `${project.projectFile} ${why}`,
    short,
    allowIn: project.dir,
    kind,
    changes,
  });
  if (!record) return refuse('is not allowed yet', 'is not allowed yet', 'new');
  const listed = changes.length > 0 ? `: ${changes.join(', ')}` : '';
  if (!sameFiles(record, project)) return refuse(`has changed since you allowed it${listed}`, 'has changed since you allowed it', 'changed');
  if (changes.length > 0)
    return refuse(`selects another identity than the one you allowed${listed}`, 'selects another identity than the one you allowed', 'changed');
  if (record.v === 2) return { allowed: true };
  // A record from before the identity was recorded vouches for the files it hashed. When those
  // decide the identity (no ~/.aws/config profile; the source is the person's own user file),
  // it is accepted and upgraded with the identity of today, so a later change is caught without
  // asking everyone to allow every directory again. A profile's content was never vouched for,
  // and it is the one part that may already have changed: that project is allowed once more.
  if (project.origins.profile === undefined) return { allowed: true, upgrade: record };
  return refuse(
    'was allowed before awsdir recorded what its ~/.aws/config profile selects',
    'was allowed before awsdir recorded what its profile selects',
    'changed',
  );
}

function judge(project: ResolvedProject, env: Env, dir: string): Verdict {
  const vanished = vanishedBelow(dir, project.projectFile, env);
  const file = judgeFile(project, env);
  if (vanished.length === 0) return file;
  // The nearest vanished file governed `dir`; allowing where it was covers every level above it.
  const where = dirname(vanished[0]!);
  const gone = vanished.length === 1 ? `${vanished[0]}, which you allowed, is gone` : `${vanished.join(' and ')}, which you allowed, are gone`;
  const other = file.allowed ? '' : ` (which ${file.short ?? 'is not allowed'})`;
  return {
    allowed: false,
    why: `${gone}; ${project.projectFile}${other} would govern ${where} in ${vanished.length === 1 ? 'its' : 'their'} place`,
    allowIn: where,
    kind: 'vanished',
    changes: [],
  };
}

/** True when `dir` may use the project that governs it (by default its own directory) as it resolves now. */
export function isAllowed(project: ResolvedProject, env: Env, dir: string = project.dir): boolean {
  return judge(project, env, dir).allowed;
}

/** What stands between `dir` and the project that governs it, for a refusal or a question. */
export interface PendingApproval {
  kind: ApprovalKind;
  /** The whole reason, changes included, leading with the file. */
  why: string;
  /** The reason without the changes. */
  headline: string;
  /** `role: A -> B (from FILE)`, one per field of the identity that differs from what was allowed. */
  changes: string[];
  /** Where `awsdir allow` covers it. */
  allowIn: string;
}

/** Undefined when `dir` may use the project as it resolves now (upgrading a record from before identities); else why not. */
export function pendingApproval(project: ResolvedProject, env: Env, dir: string = project.dir): PendingApproval | undefined {
  const verdict = judge(project, env, dir);
  if (verdict.allowed) {
    if (verdict.upgrade) upgradeRecord(project, env, verdict.upgrade);
    return undefined;
  }
  const headline = verdict.kind === 'vanished' || !verdict.short ? verdict.why : `${project.projectFile} ${verdict.short}`;
  return { kind: verdict.kind, why: verdict.why, headline, changes: verdict.changes, allowIn: verdict.allowIn };
}

/** The refusal (a failure): what the file would select, and the command that allows it. */
export function approvalRefusal(project: ResolvedProject, pending: PendingApproval): AwsdirError {
  return new AwsdirError(`${pending.why}; it would select ${describeSelection(project)}; if that is right, run \`awsdir allow ${pending.allowIn}\``);
}

/** Throws the refusal that names what changed and `awsdir allow` (a failure) unless `dir` may use the project. */
export function assertAllowed(project: ResolvedProject, env: Env, dir: string = project.dir): void {
  const pending = pendingApproval(project, env, dir);
  if (pending) throw approvalRefusal(project, pending);
}

/**
 * Allows exactly the project a person was shown (`dir`'s, as resolved then), like `awsdir allow`:
 * its content and identity, and forgets the approvals of allowed files below it that are gone.
 */
export function allowShownProject(project: ResolvedProject, env: Env, dir: string, now: Date): void {
  recordApproval(project, env, now);
  for (const file of vanishedBelow(dir, project.projectFile, env)) rmSync(recordFile(env, file), { force: true });
}

function upgradeRecord(project: ResolvedProject, env: Env, legacy: LegacyRecord): void {
  try {
    recordApproval(project, env, new Date(legacy.allowedAt));
  } catch {
    // Still accepted: the next run tries again.
  }
}

/**
 * The project of a directory, refused unless allowed, for commands that act on its sessions without
 * handing out credentials (clear). Those that hand them out go through enterDirectory, which judges
 * with pendingApproval too and may ask on a terminal instead of refusing.
 */
export async function resolveAllowedProject(dir: string, env: Env, userConfig: UserConfig): Promise<ResolvedProject> {
  const project = await resolveDirectoryProject(dir, env, userConfig);
  assertAllowed(project, env, dir);
  return project;
}

export function describeSelection(project: ResolvedProject): string {
  if (project.sso) {
    return `permission set ${project.sso.roleName} @ ${project.account} through IAM Identity Center ${project.sso.startUrl} (source ${project.sourceName}), region ${project.region}, label ${JSON.stringify(project.label)}`;
  }
  return `role ${project.role.name} @ ${project.account} (${project.role.arn}), region ${project.region}, label ${JSON.stringify(project.label)}, ${formatDuration(project.durationSeconds)} sessions${project.mfa ? '' : ', no MFA'}`;
}

/** Records the exact content and identity of an already validated project; see allowProject. */
export function recordApproval(project: ResolvedProject, env: Env, now: Date): void {
  const record: ApprovalRecord = {
    v: 2,
    projectFile: project.projectFile,
    files: project.files.map((path) => ({ path, sha256: project.fileHashes[path] ?? '' })),
    identity: identityOf(project),
    allowedAt: now.toISOString(),
  };
  writeFileAtomic(recordFile(env, project.projectFile), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Forgets an approval. When approved project files between `dir` and the one that governs it now
 * are gone, those are what `dir` was allowed with, so those are forgotten, and the file that
 * governs now keeps its approval; otherwise the governing file's approval is forgotten.
 */
export function denyProject(dir: string, env: Env): { projectFile: string; removed: boolean; vanished: string[] } {
  const projectFile = findProjectFile(dir);
  if (!projectFile) throw new AwsdirError(`no .awsdir.yaml in ${dir} or any parent; nothing to deny`);
  const vanished = vanishedBelow(dir, projectFile, env);
  if (vanished.length > 0) {
    for (const file of vanished) rmSync(recordFile(env, file), { force: true });
    return { projectFile, removed: false, vanished };
  }
  const removed = readRecord(env, projectFile) !== undefined;
  rmSync(recordFile(env, projectFile), { force: true });
  return { projectFile, removed, vanished };
}

/**
 * Validates the project `dir` uses (an invalid file is refused with exit 3 and nothing recorded),
 * then records its exact content and identity. Approved project files below it that are gone are
 * forgotten: their approval only stood between `dir` and the file that governs it now, which the
 * person accepts here; a file that comes back is a new file to allow.
 */
export async function allowProject(
  dir: string,
  env: Env,
  deps: { user?: string; host?: string; now?: Date } = {},
): Promise<{ project: ResolvedProject; replaced: string[] }> {
  const userConfig = await loadUserConfig(env);
  const project = await resolveProject(dir, { env, userConfig, user: deps.user ?? loginName(env), host: deps.host ?? shortHostName() });
  recordApproval(project, env, deps.now ?? new Date());
  const replaced = vanishedBelow(dir, project.projectFile, env);
  for (const file of replaced) rmSync(recordFile(env, file), { force: true });
  return { project, replaced };
}

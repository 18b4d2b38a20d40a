import { resolve } from 'node:path';
import type { Context } from '../../core/context';
import { isAwsdirError } from '../../core/errors';
import { createReporter, type Reporter } from '../../core/reporter';
import type { RegisterCommand } from '../program';
import { formatDuration } from '../../config/duration';
import { findProjectFile } from '../../config/findProjectFile';
import { loadUserConfig } from '../../config/loadUserConfig';
import { resolveDirectoryProject } from '../../config/resolveProject';
import { isAllowed } from '../../config/approval';
import type { ResolvedProject, UserConfig } from '../../config/types';
import { openWorkspace, type Workspace } from '../../credentials/workspace';
import { ssoSignInState } from '../../credentials/sso';
import { ssoTargetOf } from '../../credentials/ssoSignIn';
import { projectEntryNames, type CacheEntry } from '../../credentials/sessionStore';
import { endpointOverrides, type EndpointOverride, type EndpointService } from '../../aws/endpoints';

export interface StatusSession {
  name: string;
  kind: CacheEntry['kind'];
  sourceName?: string;
  mfaSerial?: string;
  roleArn?: string;
  assumedRoleArn?: string;
  issuedAt?: string;
  expiration?: string;
  secondsLeft?: number;
  /** The STS endpoint that issued it, when not AWS's. */
  endpoint?: string;
  malformed?: true;
  /** This directory's role session, or the MFA session it assumes the role from. */
  usedHere: boolean;
}

export interface StatusReport {
  directory: string;
  project: (Omit<ResolvedProject, 'fileHashes' | 'source'> & { source: { name: string; kind: string }; allowed: boolean }) | null;
  userFile: { path: string; exists: boolean };
  keyring: { backend?: string; error?: string };
  /** Services whose calls go elsewhere than AWS, and the variable that says so; empty for AWS. */
  endpoints: Partial<Record<EndpointService, EndpointOverride>>;
  sessions: StatusSession[];
  /** The IAM Identity Center sources and their sign-ins (no token). */
  signIns: StatusSignIn[];
}

export interface StatusSignIn {
  source: string;
  startUrl?: string;
  region?: string;
  signedIn?: boolean;
  /** When the access token ends; a refreshable sign-in outlasts it. */
  expiresAt?: string;
  secondsLeft?: number;
  refreshable?: boolean;
  /** Why the sign-in could not be looked at (an [sso-session] that is gone, a keyring that is not open). */
  error?: string;
}

/** Everything `status` shows, without a secret: the project, its approval, and the cached sessions. */
export async function status(ctx: Context, dir: string, reporter: Reporter): Promise<StatusReport> {
  let userConfig: UserConfig;
  let entries: CacheEntry[] = [];
  let workspace: Workspace | undefined;
  const keyring: StatusReport['keyring'] = {};
  try {
    workspace = await openWorkspace(ctx);
    userConfig = workspace.userConfig;
    keyring.backend = workspace.keyring.backend;
    entries = await workspace.sessions.entries();
  } catch (error) {
    // A keychain that cannot be opened should not hide the configuration, which needs none.
    if (!isAwsdirError(error) || error.kind === 'config') throw error;
    reporter.debug(`keyring: ${error.message}`);
    keyring.error = error.message;
    userConfig = await loadUserConfig(ctx.env);
  }

  let project: ResolvedProject | null = null;
  if (findProjectFile(dir)) {
    // The same inputs as enterDirectory's (the session name is part of what is
    // approved), minus its approval check: status reports approval.
    project = await resolveDirectoryProject(dir, ctx.env, userConfig);
  }
  const here = new Set(project ? projectEntryNames(project, ctx.env) : []);
  const now = ctx.now();
  const sessions = entries.map((e): StatusSession => {
    const expiresMs = e.expiration ? Date.parse(e.expiration) : NaN;
    return {
      name: e.name,
      kind: e.kind,
      ...(e.sourceName ? { sourceName: e.sourceName } : {}),
      ...(e.mfaSerial ? { mfaSerial: e.mfaSerial } : {}),
      ...(e.roleArn ? { roleArn: e.roleArn } : {}),
      ...(e.assumedRoleArn ? { assumedRoleArn: e.assumedRoleArn } : {}),
      ...(e.issuedAt ? { issuedAt: e.issuedAt } : {}),
      ...(e.expiration ? { expiration: e.expiration } : {}),
      ...(Number.isFinite(expiresMs) ? { secondsLeft: Math.max(0, Math.floor((expiresMs - now) / 1000)) } : {}),
      ...(e.endpoint ? { endpoint: e.endpoint } : {}),
      ...(e.malformed ? { malformed: true as const } : {}),
      usedHere: here.has(e.name),
    };
  });

  let projectOut: StatusReport['project'] = null;
  if (project) {
    const { fileHashes: _hashes, source, ...rest } = project;
    projectOut = { ...rest, source: { name: source.name, kind: source.kind }, allowed: isAllowed(project, ctx.env, dir) };
  }
  return {
    directory: dir,
    project: projectOut,
    userFile: { path: userConfig.file, exists: userConfig.exists },
    keyring,
    endpoints: endpointOverrides(ctx.env),
    sessions,
    signIns: await signIns(userConfig, workspace, ctx),
  };
}

async function signIns(userConfig: UserConfig, workspace: Workspace | undefined, ctx: Context): Promise<StatusSignIn[]> {
  const out: StatusSignIn[] = [];
  for (const source of Object.values(userConfig.sources)) {
    if (source.kind !== 'sso') continue;
    try {
      const target = ssoTargetOf(source, ctx, userConfig.file);
      const where = { source: source.name, startUrl: target.startUrl, region: target.region };
      if (!workspace) {
        out.push({ ...where, error: 'the keyring is unavailable' });
        continue;
      }
      const state = await ssoSignInState(target, { keyring: workspace.keyring, env: ctx.env, now: () => ctx.now() });
      const expiresMs = state.expiresAt ? Date.parse(state.expiresAt) : NaN;
      out.push({
        ...where,
        signedIn: state.signedIn,
        ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
        ...(Number.isFinite(expiresMs) ? { secondsLeft: Math.max(0, Math.floor((expiresMs - ctx.now()) / 1000)) } : {}),
        refreshable: state.refreshable,
      });
    } catch (error) {
      out.push({ source: source.name, error: (error as Error).message });
    }
  }
  return out;
}

const PROJECT_ROWS: Array<[string, (p: NonNullable<StatusReport['project']>) => string | undefined, string]> = [
  ['role', (p) => (p.sso ? `permission set ${p.sso.roleName} (${p.role.arn})` : p.role.arn), 'role'],
  ['sign-in', (p) => (p.sso ? `IAM Identity Center ${p.sso.startUrl} (${p.sso.region})` : undefined), 'sso_start_url'],
  ['account', (p) => p.account, 'account'],
  ['region', (p) => p.region, 'region'],
  ['duration', (p) => (p.sso ? "the permission set's session duration" : formatDuration(p.durationSeconds)), 'duration'],
  ['source', (p) => `${p.source.name} (${p.source.kind})`, 'source'],
  ['label', (p) => p.label, 'label'],
  ['confirm', (p) => String(p.confirm), 'confirm'],
  ['session name', (p) => (p.sso ? undefined : p.sessionName), 'session_name'],
  ['external id', (p) => p.externalId, 'external_id'],
  ['source identity', (p) => p.sourceIdentity, 'source_identity'],
  ['mfa', (p) => (p.sso ? 'asked by IAM Identity Center at sign-in' : p.mfa ? `yes${p.mfaSerial ? ` (${p.mfaSerial})` : ''}` : 'no'), 'mfa'],
];

const ENDPOINT_ROWS: Array<[EndpointService, string]> = [
  ['sts', 'sts endpoint'],
  ['iam', 'iam endpoint'],
  ['federation', 'console sign-in'],
];

function roleLabel(arn: string | undefined): string {
  if (!arn) return '';
  const m = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  // A permission set's role is recorded as the pattern of its name: its permission set is what the person knows.
  return m ? `${m[2]!.replace(/^\*AWSReservedSSO_(.+)_\*$/, '$1')} @ ${m[1]}` : arn;
}

export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  const row = (k: string, v: string, from?: string): void => void lines.push(`${k.padEnd(15)} ${v}${from ? `   (from ${from})` : ''}`);
  row('directory', report.directory);
  const p = report.project;
  if (!p) {
    row('project file', `none: no .awsdir.yaml here or in any parent (create one with \`awsdir init\`)`);
  } else {
    row('project file', `${p.projectFile} — ${p.allowed ? 'allowed' : `NOT allowed: run \`awsdir allow ${report.directory}\``}`);
    for (const extra of p.files.slice(1)) row('extends', extra);
    for (const [key, value, originKey] of PROJECT_ROWS) {
      const v = value(p);
      if (v !== undefined) row(key, v, p.origins[originKey] ?? 'default');
    }
  }
  row('user file', `${report.userFile.path}${report.userFile.exists ? '' : ' (absent: defaults)'}`);
  row('keyring', report.keyring.backend ?? `unavailable: ${report.keyring.error ?? 'unknown'}`);
  for (const [service, name] of ENDPOINT_ROWS) {
    const endpoint = report.endpoints[service];
    if (endpoint) row(name, endpoint.url, endpoint.from);
  }
  if (report.signIns.length) {
    lines.push('');
    lines.push('IAM Identity Center sign-ins:');
    for (const s of report.signIns) {
      const where = s.startUrl ? `${s.startUrl} (${s.region})` : '';
      let state: string;
      if (s.error) state = `unknown: ${s.error}`;
      else if (!s.signedIn) state = `not signed in (\`awsdir login ${s.source}\`)`;
      else {
        const left = s.secondsLeft ? `${formatDuration(s.secondsLeft)} left` : 'expired';
        const until = `token until ${s.expiresAt!.replace(/\.\d{3}Z$/, 'Z')}  ${left}`;
        state = s.refreshable
          ? `${until}, refreshed without the browser`
          : s.secondsLeft
            ? `${until}, then \`awsdir login ${s.source}\``
            : `${until}: \`awsdir login ${s.source}\``;
      }
      lines.push(`  ${s.source.padEnd(10)} ${where}  ${state}`);
    }
  }
  lines.push('');
  if (report.keyring.error) {
    lines.push('cached sessions: cannot be read while the keyring is unavailable');
  } else if (report.sessions.length === 0) {
    lines.push('cached sessions: none');
  } else {
    lines.push('cached sessions:');
    for (const s of report.sessions) {
      if (s.malformed) {
        lines.push(`  ${s.kind.padEnd(11)} ${s.name}: malformed (replaced on next use)`);
        continue;
      }
      const what = s.kind === 'role' ? roleLabel(s.roleArn) : `MFA ${s.mfaSerial ?? '(none)'}`;
      const left = s.secondsLeft === undefined ? '' : s.secondsLeft > 0 ? `${formatDuration(s.secondsLeft)} left` : 'expired';
      lines.push(
        `  ${s.kind.padEnd(11)} ${what.padEnd(24)} source ${(s.sourceName ?? '?').padEnd(10)} expires ${s.expiration ? s.expiration.replace(/\.\d{3}Z$/, 'Z') : '?'}  ${left}${s.endpoint ? `  endpoint ${s.endpoint}` : ''}${s.usedHere ? '  <- this directory' : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export const registerStatus: RegisterCommand = (program, ctx) => {
  program
    .command('status')
    .description("the directory's resolved configuration (and where each value came from), its approval, and every cached session — no secrets")
    .option('--json', 'print the report as JSON')
    .option('--dir <dir>', 'the directory to report on (default: the current one)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir status
  $ awsdir status --dir ~/production/app --json | jq '.sessions[] | select(.usedHere)'

Works without a project file too: it then says so and lists the cached sessions.`,
    )
    .action(async (opts: { json?: boolean; dir?: string }) => {
      const reporter = createReporter(ctx);
      const report = await status(ctx, resolve(ctx.cwd, opts.dir ?? '.'), reporter);
      ctx.io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    });
};

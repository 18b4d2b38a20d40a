import type { Context } from '../core/context';
import type { Reporter } from '../core/reporter';
import type { ResolvedProject } from '../config/types';
import { pendingApproval } from '../config/approval';
import { resolveDirectoryProject } from '../config/resolveProject';
import { stateDir } from '../config/paths';
import { allowOnTerminal, approvalAsk } from './approvalPrompt';
import { roleCredentials, type RoleCredentials } from './chain';
import { offHitPath, type Fetcher } from './fetcher';
import { guardAsk, guardProduction } from './guard';
import { openWorkspace, type WorkspaceOptions } from './workspace';

/** The AWS CLI refreshes credential_process credentials 15 minutes before they expire. */
const CREDENTIAL_PROCESS_WINDOW_SECONDS = 15 * 60;

/**
 * How much of a session must be left for it to go to the AWS CLI or an SDK through
 * credential_process: the CLI's 15 minutes (or the user's refresh window, when longer), so that it
 * is not handed what it would refresh at once, but never more than a quarter of the session. A
 * window as long as the session itself (15m) would take every session as stale the moment it was
 * issued, and assume the role again on every run; the CLI runs the process several times per
 * command while the credentials are inside its own window, and those runs must be cache hits.
 */
export function credentialProcessWindowSeconds(durationSeconds: number, refreshWindowSeconds: number): number {
  return Math.min(Math.max(refreshWindowSeconds, CREDENTIAL_PROCESS_WINDOW_SECONDS), Math.floor(durationSeconds / 4));
}

export interface DirectoryRequest {
  /** The directory whose identity to take (absolute). */
  dir: string;
  /**
   * Who hands the credentials out: the production guard's refusals say how to run it again. The
   * credential server (`server`) is served like credential-process: never asked, 15 minutes left.
   */
  command: 'export' | 'exec' | 'console' | 'credential-process' | 'server';
  /**
   * The credentials go to the AWS CLI through credential_process (also `export --credential-process`,
   * which fetches them at `cd`): served only while more than credentialProcessWindowSeconds is left.
   */
  forCredentialProcess?: boolean;
  /** --yes: enter a `confirm: true` directory without asking. */
  yes?: boolean;
  mfaCode?: string;
  /** --refresh: a new role session even when the cache holds one (AWS may have ended it early). */
  refresh?: boolean;
}

const NOTHING_DONE: Record<DirectoryRequest['command'], string> = {
  export: 'nothing was exported',
  exec: 'nothing was run',
  console: 'the console was not opened',
  'credential-process': 'no credentials were handed out',
  server: 'nothing was handed to the credential server',
};

export interface DirectoryIdentity extends RoleCredentials {
  project: ResolvedProject;
  reporter: Reporter;
  /** The refresh window the credentials were served under: they had more than this left. */
  windowSeconds: number;
}

export interface EnterOptions extends Pick<WorkspaceOptions, 'onCold'> {
  onHitPath?: boolean;
  /** Changes what the fetcher does beyond the cache (the credential server asks for no code). */
  wrapFetch?: (fetch: Fetcher) => Fetcher;
}

/**
 * The one way into a directory's identity: its project, resolved and approved, the production
 * question, then the role credentials from the chain. The cache-hit path comes through here too
 * (`onHitPath`), so a `cd` can never accept what `awsdir export` would refuse; there, anything
 * beyond the cache throws NotOnHitPath and the full CLI runs the command instead, unless `onCold`
 * is given: then a role session that is not cached is fetched right there (workspace.ts).
 */
export async function enterDirectory(ctx: Context, request: DirectoryRequest, options: EnterOptions = {}): Promise<DirectoryIdentity> {
  const workspace = await openWorkspace(ctx, {
    ...(request.mfaCode !== undefined ? { mfaCode: request.mfaCode } : {}),
    ...(options.onHitPath ? { onHitPath: true } : {}),
    ...(options.onCold ? { onCold: options.onCold } : {}),
    ...(options.wrapFetch ? { wrapFetch: options.wrapFetch } : {}),
  });
  const { reporter, userConfig } = workspace;
  const project = await resolveDirectoryProject(request.dir, ctx.env, userConfig);
  const pending = pendingApproval(project, ctx.env, request.dir);
  if (pending) {
    // Asked on the full CLI only: the cache-hit path refuses, and the full CLI runs the command
    // again and asks. credential-process is not asked, for the guard's reason below.
    const ask = workspace.onHitPath || request.command === 'credential-process' ? undefined : approvalAsk(ctx);
    await allowOnTerminal(project, pending, { env: ctx.env, dir: request.dir, ask, reporter, now: () => ctx.now(), exported: NOTHING_DONE[request.command] });
  }
  // credential-process is never asked: the AWS CLI runs it on every call and hides its stderr, so a
  // question would be unseen and asked again and again. Under `use aws --credential-process` the
  // guard already asked once at `cd`, through `awsdir export`; the same holds for the credential
  // server, which `export --server` or `exec --server` registered after asking.
  if (request.command !== 'credential-process' && request.command !== 'server') {
    // Before any MFA prompt or STS call: a "no" must cost nothing and hand out nothing.
    await guardProduction(project, {
      env: ctx.env,
      pid: ctx.pid,
      stateDir: stateDir(ctx.env),
      yes: request.yes ?? false,
      ask: workspace.onHitPath ? undefined : guardAsk(ctx),
      reporter,
      command: request.command,
    });
  }
  const refresh = userConfig.refreshWindowSeconds;
  const forCli = request.command === 'credential-process' || request.command === 'server' || request.forCredentialProcess;
  const windowSeconds = forCli ? credentialProcessWindowSeconds(project.durationSeconds, refresh) : refresh;
  const chain = {
    env: ctx.env,
    reporter,
    now: () => ctx.now(),
    stsRegion: userConfig.stsRegion,
    // An IAM Identity Center role beyond the cache may mean a sign-in in the browser: on the hit
    // path it goes to the full CLI before anything is committed, even when a cold fetch was offered.
    fetch: project.sso && workspace.onHitPath ? offHitPath : workspace.fetch,
    store: workspace.sessions,
    windowSeconds,
  };
  const credentials = await roleCredentials(project, chain, { refresh: request.refresh ?? false });
  return { ...credentials, project, reporter, windowSeconds };
}

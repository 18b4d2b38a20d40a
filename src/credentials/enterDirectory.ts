import type { Context } from '../core/context';
import type { Reporter } from '../core/reporter';
import type { ResolvedProject } from '../config/types';
import { resolveAllowedProject } from '../config/approval';
import { stateDir } from '../config/paths';
import { roleCredentials, type RoleCredentials } from './chain';
import { guardAsk, guardProduction } from './guard';
import { openWorkspace } from './workspace';

/** The AWS CLI refreshes credential_process credentials 15 minutes before they expire. */
export const CREDENTIAL_PROCESS_WINDOW_SECONDS = 15 * 60;

export interface DirectoryRequest {
  /** The directory whose identity to take (absolute). */
  dir: string;
  /** Who hands the credentials out: the production guard's refusals say how to run it again. */
  command: 'export' | 'exec' | 'console' | 'credential-process';
  /**
   * The credentials go to the AWS CLI through credential_process (also `export --credential-process`,
   * which fetches them at `cd`): served only while more than 15 minutes are left, since the CLI
   * refreshes then and must not be handed the same ones again.
   */
  forCredentialProcess?: boolean;
  /** --yes: enter a `confirm: true` directory without asking. */
  yes?: boolean;
  mfaCode?: string;
}

export interface DirectoryIdentity extends RoleCredentials {
  project: ResolvedProject;
  reporter: Reporter;
}

/**
 * The one way into a directory's identity: its project, resolved and approved, the production
 * question, then the role credentials from the chain. The cache-hit path comes through here too
 * (`onHitPath`), so a `cd` can never accept what `awsdir export` would refuse; there, anything
 * beyond the cache throws NotOnHitPath and the full CLI runs the command instead.
 */
export async function enterDirectory(ctx: Context, request: DirectoryRequest, options: { onHitPath?: boolean } = {}): Promise<DirectoryIdentity> {
  const workspace = await openWorkspace(ctx, { ...(request.mfaCode !== undefined ? { mfaCode: request.mfaCode } : {}), ...(options.onHitPath ? { onHitPath: true } : {}) });
  const { reporter, userConfig } = workspace;
  const project = await resolveAllowedProject(request.dir, ctx.env, userConfig);
  // credential-process is never asked: the AWS CLI runs it on every call and hides its stderr, so a
  // question would be unseen and asked again and again. Under `use aws --credential-process` the
  // guard already asked once at `cd`, through `awsdir export`.
  if (request.command !== 'credential-process') {
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
  const forCli = request.command === 'credential-process' || request.forCredentialProcess;
  const credentials = await roleCredentials(project, {
    env: ctx.env,
    reporter,
    now: () => ctx.now(),
    stsRegion: userConfig.stsRegion,
    fetch: workspace.fetch,
    store: workspace.sessions,
    windowSeconds: forCli ? Math.max(refresh, CREDENTIAL_PROCESS_WINDOW_SECONDS) : refresh,
  });
  return { ...credentials, project, reporter };
}

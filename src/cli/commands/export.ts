import { resolve } from 'node:path';
import type { Context, Env } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { renderExports, shellNames, type ShellName } from '../../shell/render';
import { enterDirectory, type DirectoryIdentity } from '../../credentials/enterDirectory';
import { exportVariables } from '../../credentials/exportVariables';
import { credentialProcessExports } from '../../credentials/credentialProcessProfile';
import type { ResolvedProject } from '../../config/types';
import { labelColor } from '../../credentials/guard';
import { paint } from '../../core/reporter';
import { serverVariables, type ServedAt } from '../../server/serverExports';
import { assertServerKeyring } from '../../server/directorySource';
import { serveDirectory } from '../../server/joinUserServer';

export interface ExportInput {
  shell: ShellName;
  /** bash output plus watch_file lines, for direnv's `use aws`. */
  direnv: boolean;
  /**
   * `use aws --credential-process`: AWS_CONFIG_FILE and AWS_PROFILE of a generated profile instead
   * of keys (credentialProcessProfile.ts). The session is still fetched here, so the MFA prompt
   * comes at `cd` in the shell rather than inside some later aws command.
   */
  credentialProcess?: { env: Env; self: Context['self'] };
  /** `use aws --server`: the per-user server's URI and the directory's token instead of keys. */
  server?: ServedAt;
}

/** The text to print on stdout for a directory's identity; the one-line summary goes to stderr. */
export function exportText(input: ExportInput, identity: DirectoryIdentity, now: () => number): string {
  const { project, reporter } = identity;
  const profile = input.credentialProcess
    ? credentialProcessExports({ ...input.credentialProcess, reporter }, project, { assumedRoleArn: identity.assumedRoleArn })
    : undefined;
  const vars = profile
    ? { set: profile.set, unset: profile.unset }
    : input.server
      ? serverVariables(project, identity.assumedRoleArn, input.server)
      : exportVariables(project, identity.credentials, identity.assumedRoleArn, project.projectFile);
  const text = renderExports(
    { ...vars, ...(input.direnv ? { watch: [...project.files, project.userFile, ...(profile?.watch ?? [])] } : {}) },
    input.direnv ? 'bash' : input.shell,
  );
  const line = summary(
    project,
    identity.credentials.expiration,
    now(),
    identity.accountAlias,
    identity.endpoint,
    input.server ? 'renewed by the awsdir server' : undefined,
    // Only keys in the shell run out there; the other two ways renew them for the AWS tools.
    profile || input.server ? undefined : input.direnv ? 'direnv reload' : 'awsdir export again',
  );
  reporter.info(reporter.color ? paint(labelColor(project.label, project.confirm), line) : line);
  reporter.debug(identity.fromCache ? 'from the cache: no AWS call' : 'fresh from STS');
  return text;
}

/** Below this, the summary line of keys in the shell also says what to run when they end. */
const SOON_MS = 15 * 60_000;

/**
 * "production · admin @ 222222222222 (acme-production) · ap-northeast-1 · 59m left", and
 * "· endpoint URL" when the session is not AWS's: an emulator's credentials look like real ones.
 * `lasting` replaces the time left when the session is not what the shell holds (the server renews).
 * `renew`, what to run once keys in the shell end, is added when that is soon ("12m left, then
 * direnv reload"): a shell left open keeps them past their end, and the AWS tools then fail.
 */
export function summary(
  project: ResolvedProject,
  expiration: Date,
  nowMs: number,
  alias?: string,
  endpoint?: string,
  lasting?: string,
  renew?: string,
): string {
  const account = alias ? `${project.account} (${alias})` : project.account;
  const ms = expiration.getTime() - nowMs;
  const left = `${timeLeft(ms)} left${renew && ms < SOON_MS ? `, then ${renew}` : ''}`;
  const parts = [project.label, `${project.role.name} @ ${account}`, project.region, lasting ?? left];
  if (endpoint) parts.push(`endpoint ${endpoint}`);
  return parts.join(' · ');
}

export function timeLeft(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)}h${rest}m` : `${Math.floor(minutes / 60)}h`;
}

/** AWSDIR_REFRESH=1 asks for --refresh: how `use aws` under direnv is told (e.g. `AWSDIR_REFRESH=1 direnv exec DIR CMD`). */
export const REFRESH_VARIABLE = 'AWSDIR_REFRESH';

export function refreshAsked(env: Env, flag = false): boolean {
  const value = env[REFRESH_VARIABLE];
  return flag || (value !== undefined && /^(1|y|yes|true)$/i.test(value));
}

function parseShell(value: string): ShellName {
  if ((shellNames as readonly string[]).includes(value)) return value as ShellName;
  throw new UsageError(`--shell ${value} is not supported; use one of ${shellNames.join(', ')}`);
}

export const registerExport: RegisterCommand = (program, ctx: Context) => {
  program
    .command('export')
    .description("print the directory's role credentials as exports for a shell (what direnv's `use aws` evaluates)")
    .option('--shell <shell>', `output format: ${shellNames.join('|')}`, 'bash')
    .option('--dir <dir>', 'the directory whose .awsdir.yaml to use (default: the current one)')
    .option('--mfa-code <code>', 'the 6-digit MFA code, if one is needed (or AWSDIR_MFA_CODE)')
    .option('--yes', 'enter a `confirm: true` directory without asking (or AWSDIR_YES=1)')
    .option('--credential-process', 'export AWS_CONFIG_FILE and AWS_PROFILE of a generated credential_process profile instead of keys')
    .option('--server', 'export the URI and token of the per-user awsdir credential server (started if needed) instead of keys')
    .option('--direnv', 'bash exports plus watch_file lines for the files that shaped them (used by `use aws`)')
    .option(
      '--refresh',
      'a new role session even when the cache holds one, which AWS may have ended early (revoked, or a clock corrected since); the MFA session is reused while it lasts, so no code is asked (or AWSDIR_REFRESH=1)',
    )
    .addHelpText(
      'after',
      `
Example:
  $ eval "$(awsdir export)"                      # bash or zsh
  $ awsdir export --shell fish | source          # fish
  $ AWSDIR_MFA_CODE=123456 awsdir export --shell json --dir ~/production/app
  $ awsdir export --credential-process           # what \`use aws --credential-process\` runs
  $ eval "$(awsdir export --refresh)"            # AWS refuses the cached session: get a new one
  $ awsdir export --server                       # what \`use aws --server\` runs

The summary line goes to stderr; stdout holds only the exports, written after success.`,
    )
    .action(
      async (opts: {
        shell: string;
        dir?: string;
        mfaCode?: string;
        direnv?: boolean;
        yes?: boolean;
        credentialProcess?: boolean;
        refresh?: boolean;
        server?: boolean;
      }) => {
        const shell = parseShell(opts.shell);
        if (opts.server && opts.credentialProcess) throw new UsageError('--server and --credential-process are two ways to the same end; give one');
        const dir = resolve(ctx.cwd, opts.dir ?? '.');
        if (opts.server) await assertServerKeyring(ctx.env, 'use aws --server');
        const identity = await enterDirectory(ctx, {
          dir,
          command: 'export',
          // Both hand the session to AWS tools that refresh 15 minutes before its end.
          forCredentialProcess: Boolean(opts.credentialProcess || opts.server),
          yes: Boolean(opts.yes),
          refresh: refreshAsked(ctx.env, opts.refresh),
          ...(opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {}),
        });
        const server = opts.server ? await serveDirectory(ctx, dir, identity) : undefined;
        ctx.io.stdout(
          exportText(
            {
              shell,
              direnv: Boolean(opts.direnv),
              ...(opts.credentialProcess ? { credentialProcess: { env: ctx.env, self: ctx.self } } : {}),
              ...(server ? { server } : {}),
            },
            identity,
            () => ctx.now(),
          ),
        );
      },
    );
};

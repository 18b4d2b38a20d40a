import type { Context } from '../../core/context';
import type { Reporter } from '../../core/reporter';
import type { RegisterCommand } from '../program';
import type { SsoAccount } from '../../aws/sso';
import type { SsoToken } from '../../credentials/sso';
import { loginSource, logoutSource } from '../../credentials/ssoSignIn';
import { openWorkspace } from '../../credentials/workspace';

/** `signed in to corp until 2026-12-07T09:00:00Z; 14 accounts`, and the --json form. */
export function reportSignedIn(ctx: Pick<Context, 'io'>, reporter: Reporter, result: { token: SsoToken; accounts: SsoAccount[] }, json: boolean): void {
  const until = result.token.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const n = result.accounts.length;
  reporter.info(`signed in to ${result.token.sourceName} until ${until}; ${n} account${n === 1 ? '' : 's'}`);
  if (json) {
    const { sourceName, startUrl, region } = result.token;
    ctx.io.stdout(`${JSON.stringify({ source: sourceName, startUrl, region, expiresAt: until, accounts: result.accounts }, null, 2)}\n`);
  }
}

export async function loginCommand(name: string, opts: { browser: boolean; json: boolean; force: boolean }, ctx: Context): Promise<void> {
  const workspace = await openWorkspace(ctx);
  reportSignedIn(ctx, workspace.reporter, await loginSource(name, workspace, ctx, opts), opts.json);
}

export async function logoutCommand(name: string, opts: { json: boolean }, ctx: Context): Promise<void> {
  const workspace = await openWorkspace(ctx);
  const { reporter } = workspace;
  const result = await logoutSource(name, workspace, ctx);
  const n = result.sessionsRemoved;
  const sessions = n ? `${n} cached role session${n === 1 ? '' : 's'} it gave` : '';
  if (!result.signedIn) reporter.info(`not signed in to ${name}; ${sessions ? `removed ${sessions}` : 'nothing to do'}`);
  else {
    reporter.info(
      `signed out of ${name}: ${result.endedAtPortal ? 'the sign-in is ended at the portal' : 'the sign-in had already ended at the portal'} and its tokens${sessions ? ` and ${sessions}` : ''} are removed from the keychain; role credentials it already gave stay valid until they expire`,
    );
    const { sharing } = result;
    if (sharing.length)
      reporter.info(`${sharing.join(', ')} signed in at the same start URL, so ${sharing.length === 1 ? 'it is' : 'they are'} signed out too`);
  }
  if (opts.json)
    ctx.io.stdout(
      `${JSON.stringify({ source: name, signedOut: result.signedIn, endedAtPortal: result.endedAtPortal, sessionsRemoved: result.sessionsRemoved }, null, 2)}\n`,
    );
}

export const registerLogin: RegisterCommand = (program, ctx: Context) => {
  program
    .command('login <source>')
    .description('sign in to an IAM Identity Center source in the browser (or refresh its sign-in) and list the accounts it opens')
    .option('--no-browser', 'print the URL and code on stderr instead of opening a browser (confirm them on any device)')
    .option('--force', 'sign in anew in the browser even while the sign-in lasts (as another user, say)')
    .option('--json', 'print the source, the token expiry and the accounts as JSON on stdout')
    .addHelpText(
      'after',
      `
A sign-in that still lasts is used as it is; one near its end is refreshed without the browser.
Otherwise the browser opens the verification page with the code filled in (the opener gets only
the path of a page only you can read), and the URL and code are printed on stderr too. Without a
terminal (an editor, a script), a sign-in that needs the browser fails at once; run it in a
terminal. Tokens live in the keychain only.

Example:
  $ awsdir login corp
  $ awsdir login corp --no-browser        # over SSH: confirm the code on another device
  $ awsdir login corp --json | jq -r '.accounts[].accountId'`,
    )
    .action(async (name: string, opts: { browser: boolean; force?: boolean; json?: boolean }) => {
      await loginCommand(name, { browser: opts.browser, force: Boolean(opts.force), json: Boolean(opts.json) }, ctx);
    });
};

export const registerLogout: RegisterCommand = (program, ctx: Context) => {
  program
    .command('logout <source>')
    .description('end the IAM Identity Center sign-in of a source and remove its tokens from the keychain')
    .option('--json', 'print what was done as JSON on stdout')
    .addHelpText(
      'after',
      `
Ends the sign-in at the access portal (as \`aws sso logout\` does) and removes the token and
awsdir's client registration from the keychain. Role credentials the sign-in already gave stay
valid until they expire, as in AWS. Running it again is harmless.

Example:
  $ awsdir logout corp`,
    )
    .action(async (name: string, opts: { json?: boolean }) => {
      await logoutCommand(name, { json: Boolean(opts.json) }, ctx);
    });
};

import { resolve } from 'node:path';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { consoleUrl, openConsole } from '../../console/signIn';
import { enterDirectory } from '../../credentials/enterDirectory';

export const registerConsole: RegisterCommand = (program, ctx) => {
  program
    .command('console')
    .description("sign in to the AWS console as the directory's role, through the federation endpoint")
    .option('--dir <dir>', 'the directory whose .awsdir.yaml to use (default: the current one)')
    .option('--print', 'print the sign-in URL on stdout instead of opening a browser (it holds a sign-in token)')
    .option('--destination <url>', "the console page to land on (default: the console home of the directory's region)")
    .option('--mfa-code <code>', 'the 6-digit MFA code, if one is needed (or AWSDIR_MFA_CODE)')
    .option('--yes', 'sign in for a `confirm: true` directory without asking (or AWSDIR_YES=1)')
    .addHelpText(
      'after',
      `
The browser is given a page only you can read (a 0600 file in a fresh 0700 directory under
XDG_RUNTIME_DIR, else the state directory) that leads it to a one-shot http://127.0.0.1 link, which
redirects once to the sign-in URL: nothing in any process's arguments is enough to get the token.
The page is removed once the browser has used it; if the browser does not come for it within
AWSDIR_CONSOLE_WAIT_SECONDS (default 120), awsdir removes it and exits 1. Only role sessions can
sign in: long-term keys and GetSessionToken sessions are refused. AWSDIR_FEDERATION_ENDPOINT
overrides the endpoint.

Example:
  $ cd ~/production/app && awsdir console
  $ awsdir console --dir ~/production/app --destination https://console.aws.amazon.com/s3/home
  $ awsdir console --print | xclip -selection clipboard`,
    )
    .action(async (opts: { dir?: string; print?: boolean; destination?: string; mfaCode?: string; yes?: boolean }) => {
      if (opts.destination !== undefined && !/^https?:\/\/[^\s]+$/.test(opts.destination)) {
        throw new UsageError(
          `--destination ${JSON.stringify(opts.destination)} is not an http(s) URL; give a console URL such as https://console.aws.amazon.com/s3/home`,
        );
      }
      // A console session acts as the role just as exported keys do: the same question first.
      const identity = await enterDirectory(ctx, {
        dir: resolve(ctx.cwd, opts.dir ?? '.'),
        command: 'console',
        yes: Boolean(opts.yes),
        ...(opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {}),
      });
      const url = await consoleUrl(identity, opts.destination, ctx);
      if (!opts.print) return openConsole(url, identity, ctx);
      identity.reporter.warn(
        'the URL below holds a sign-in token: whoever has it can open the console as this role for 15 minutes; do not paste it where others can read it',
      );
      ctx.io.stdout(`${url}\n`);
    });
};

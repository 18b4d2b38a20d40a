import type { Context } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import { openWorkspace } from '../../credentials/workspace';
import { recordSource } from '../../config/updateUserConfig';
import { readTty } from '../../mfa/readTty';
import { addSource } from '../../security/addSource';
import { addSsoSource } from '../../security/addSsoSource';
import { reportSignedIn } from './login';

export const registerAdd: RegisterCommand = (program, ctx: Context) => {
  program
    .command('add [source]')
    .description(
      "store an IAM user's access key in the keychain as a source (default 'default') and find its MFA device, or add an IAM Identity Center source and sign in",
    )
    .option('--from-env', 'take the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking')
    .option('--mfa-serial <serial>', 'the MFA device to use (default: found with iam:ListMFADevices)')
    .option('--from-profile <profile>', 'take the key from this profile of ~/.aws/credentials')
    .option('--remove-from-file', 'with --from-profile: once the key is in the keychain, remove it from ~/.aws/credentials (a 0600 backup is kept)')
    .option('--sso-start-url <url>', 'add an IAM Identity Center source: the https URL of your AWS access portal')
    .option('--sso-region <region>', 'with --sso-start-url: the region of the IAM Identity Center instance')
    .option('--sso-session <name>', 'add an IAM Identity Center source that reuses [sso-session NAME] of ~/.aws/config')
    .option('--no-browser', 'with an IAM Identity Center source: print the URL and code instead of opening a browser')
    .option('--json', 'with an IAM Identity Center source: print the source, the token expiry and the accounts as JSON')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir add                       # asks for the key on the terminal, never on the command line
  $ awsdir add work --mfa-serial arn:aws:iam::111111111111:mfa/alice
  $ AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... awsdir add ci --from-env
  $ awsdir add default --from-profile default --remove-from-file   # out of ~/.aws/credentials
  $ awsdir add corp --sso-start-url https://corp.awsapps.com/start --sso-region eu-west-1
  $ awsdir add corp --sso-session corp         # [sso-session corp] of ~/.aws/config

There is no flag for the secret: command lines end up in shell history and process lists.
An IAM Identity Center source is recorded once IAM Identity Center takes its start URL, then
signed in as \`awsdir login\` does (the browser opens with the code filled in; URL and code are on
stderr too); its tokens live in the keychain only.`,
    )
    .action(
      async (
        name: string | undefined,
        opts: {
          fromEnv?: boolean;
          mfaSerial?: string;
          fromProfile?: string;
          removeFromFile?: boolean;
          ssoStartUrl?: string;
          ssoRegion?: string;
          ssoSession?: string;
          browser: boolean;
          json?: boolean;
        },
      ) => {
        const sso =
          opts.ssoStartUrl !== undefined
            ? '--sso-start-url'
            : opts.ssoSession !== undefined
              ? '--sso-session'
              : opts.ssoRegion !== undefined
                ? '--sso-region'
                : undefined;
        if (sso) {
          const keysFlag = opts.fromEnv
            ? '--from-env'
            : opts.mfaSerial !== undefined
              ? '--mfa-serial'
              : opts.fromProfile !== undefined
                ? '--from-profile'
                : opts.removeFromFile
                  ? '--remove-from-file'
                  : undefined;
          if (keysFlag) throw new UsageError(`${keysFlag} is for a source of keys, and ${sso} adds an IAM Identity Center source; give one or the other`);
          const workspace = await openWorkspace(ctx);
          const result = await addSsoSource(
            {
              name: name ?? 'default',
              browser: opts.browser,
              ...(opts.ssoStartUrl !== undefined ? { startUrl: opts.ssoStartUrl } : {}),
              ...(opts.ssoRegion !== undefined ? { region: opts.ssoRegion } : {}),
              ...(opts.ssoSession !== undefined ? { ssoSession: opts.ssoSession } : {}),
            },
            workspace,
            ctx,
          );
          reportSignedIn(ctx, workspace.reporter, result, Boolean(opts.json));
          return;
        }
        if (!opts.browser || opts.json)
          throw new UsageError(`${opts.json ? '--json' : '--no-browser'} goes with an IAM Identity Center source (--sso-start-url or --sso-session)`);
        // Ignoring it would let a person believe a plaintext key was taken out of ~/.aws/credentials.
        if (opts.removeFromFile && opts.fromProfile === undefined) {
          throw new UsageError(
            `--remove-from-file removes the key of the profile it was imported from, and no profile was given; add \`--from-profile NAME\` (e.g. \`awsdir add ${name ?? 'default'} --from-profile NAME --remove-from-file\`)`,
          );
        }
        const workspace = await openWorkspace(ctx);
        await addSource(
          {
            name: name ?? 'default',
            fromEnv: Boolean(opts.fromEnv),
            ...(opts.mfaSerial !== undefined ? { mfaSerial: opts.mfaSerial } : {}),
            ...(opts.fromProfile !== undefined ? { fromProfile: opts.fromProfile, removeFromFile: Boolean(opts.removeFromFile) } : {}),
          },
          {
            env: ctx.env,
            reporter: workspace.reporter,
            ask: (prompt, secret) =>
              readTty({
                prompt,
                echo: secret ? '' : 'self',
                accept: (c) => c > ' ' && c !== '\u007f',
                signal: ctx.signal,
                noTerminalHint: 'run `awsdir add` in a terminal, or pass --from-env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set',
              }),
            store: (entry, value) => workspace.keyring.set(entry, value),
            backendName: workspace.keyring.backend === 'os' ? 'OS keychain' : 'file keyring',
            stsRegion: workspace.userConfig.stsRegion,
            record: (source, fields) => recordSource(ctx.env, source, fields),
            readBack: (entry) => workspace.keyring.get(entry),
            now: () => ctx.now(),
            loadAws: loadAwsSdk,
          },
        );
      },
    );
};

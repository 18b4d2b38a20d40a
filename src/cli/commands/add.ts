import type { Context } from '../../core/context';
import { UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import { openWorkspace } from '../../credentials/workspace';
import { recordSource } from '../../config/updateUserConfig';
import { readTty } from '../../mfa/readTty';
import { addSource } from '../../security/addSource';

export const registerAdd: RegisterCommand = (program, ctx: Context) => {
  program
    .command('add [source]')
    .description("store an IAM user's access key in the keychain as a source (default 'default') and find its MFA device")
    .option('--from-env', 'take the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking')
    .option('--mfa-serial <serial>', 'the MFA device to use (default: found with iam:ListMFADevices)')
    .option('--from-profile <profile>', 'take the key from this profile of ~/.aws/credentials')
    .option('--remove-from-file', 'with --from-profile: once the key is in the keychain, remove it from ~/.aws/credentials (a 0600 backup is kept)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir add                       # asks for the key on the terminal, never on the command line
  $ awsdir add work --mfa-serial arn:aws:iam::111111111111:mfa/alice
  $ AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... awsdir add ci --from-env
  $ awsdir add default --from-profile default --remove-from-file   # out of ~/.aws/credentials

There is no flag for the secret: command lines end up in shell history and process lists.`,
    )
    .action(async (name: string | undefined, opts: { fromEnv?: boolean; mfaSerial?: string; fromProfile?: string; removeFromFile?: boolean }) => {
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
    });
};

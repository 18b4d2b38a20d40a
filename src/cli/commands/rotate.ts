import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import { openWorkspace } from '../../credentials/workspace';
import { DEFAULT_ROTATE_WAIT_SECONDS, rotateSource } from '../../security/rotateSource';

export const registerRotate: RegisterCommand = (program, ctx) => {
  program
    .command('rotate')
    .description("replace a source's IAM access key with a new one, never losing the working key")
    .argument('[source]', 'the source of the user file whose key to replace', 'default')
    .option('--mfa-code <code>', 'an MFA code (key management needs an MFA session under the base-user policy)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir rotate                      # the source 'default'
  $ awsdir rotate work --mfa-code 123456

Steps: get an MFA session (when the source has an MFA device), create a new key, wait until AWS
accepts it (up to AWSDIR_ROTATE_WAIT_SECONDS, default ${DEFAULT_ROTATE_WAIT_SECONDS}), store it in the keychain and
the user file, then delete the old key. A failure before the new key is stored deletes the new key
and leaves the old one working and in the keychain. AWS allows two keys per user: with two already,
rotate names the other key and how to delete it.`,
    )
    .action(async (source: string, options: { mfaCode?: string }) => {
      const workspace = await openWorkspace(ctx, options.mfaCode ? { mfaCode: options.mfaCode } : {});
      await rotateSource(source, workspace, { env: ctx.env, now: () => ctx.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), loadAws: loadAwsSdk });
    });
};

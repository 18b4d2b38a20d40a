import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import { openWorkspace } from '../../credentials/workspace';
import { DEFAULT_ROTATE_WAIT_SECONDS, rotateSource } from '../../security/rotateSource';

export const registerRotate: RegisterCommand = (program, ctx) => {
  program
    .command('rotate')
    .description("replace a source's IAM access key with a new one, never losing the working key")
    .argument('[source]', 'the source of the user file whose key to replace', 'default')
    .option(
      '--mfa-code <code>',
      'an MFA code, when no cached MFA session of the source can sign the IAM calls (key management needs MFA under the base-user policy)',
    )
    .addHelpText(
      'after',
      `
Example:
  $ awsdir rotate                      # the source 'default'
  $ awsdir rotate work --mfa-code 123456

Steps: take the source's cached MFA session (a new one with a code when there is none, or when IAM
refuses it), create a new key, wait until AWS accepts it (up to AWSDIR_ROTATE_WAIT_SECONDS, default
${DEFAULT_ROTATE_WAIT_SECONDS}), store it in the keychain and the user file, then delete the old key. A failure before the
new key is stored deletes the new key and leaves the old one working and in the keychain. Deleting
a key does not end the sessions it made: the MFA session is kept for the new key, so no code is
needed the rest of the day. AWS allows two keys per user: with two already, rotate names the other
key and how to delete it.`,
    )
    .action(async (source: string, options: { mfaCode?: string }) => {
      const workspace = await openWorkspace(ctx, options.mfaCode ? { mfaCode: options.mfaCode } : {});
      await rotateSource(source, workspace, {
        env: ctx.env,
        now: () => ctx.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        loadAws: loadAwsSdk,
      });
    });
};

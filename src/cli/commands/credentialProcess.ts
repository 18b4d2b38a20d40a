import { resolve } from 'node:path';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { enterDirectory, type DirectoryIdentity } from '../../credentials/enterDirectory';
import { rfc3339 } from '../../credentials/exportVariables';

/**
 * The JSON of the AWS `credential_process` setting. enterDirectory serves a cached session only while
 * more than the AWS CLI's 15 minutes are left, or a quarter of the session when that is less
 * (credentialProcessWindowSeconds), and asks no production question (the AWS CLI hides stderr); an
 * MFA prompt goes to /dev/tty. A cache hit is served by the hit bundle (exportCacheHit.ts).
 */
export function credentialProcessJson(identity: DirectoryIdentity): string {
  const { project, reporter, credentials: c } = identity;
  reporter.debug(`credential-process for ${project.projectFile}: ${identity.fromCache ? 'cached' : 'fresh'} session of ${identity.assumedRoleArn}`);
  return `${JSON.stringify({
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: rfc3339(c.expiration),
  })}\n`;
}

export const registerCredentialProcess: RegisterCommand = (program, ctx: Context) => {
  program
    .command('credential-process')
    .description("print the directory's role credentials as JSON for the AWS `credential_process` setting")
    .option('--dir <dir>', 'the directory whose .awsdir.yaml to use (default: the current one)')
    .option('--mfa-code <code>', 'the 6-digit MFA code, if one is needed (or AWSDIR_MFA_CODE)')
    .addHelpText(
      'after',
      `
The AWS CLI and SDKs run it whenever they need credentials, so nothing goes stale in the shell.
\`use aws --credential-process\` in .envrc sets this up: it exports AWS_CONFIG_FILE (a generated copy
of your ~/.aws/config plus a profile for the directory) and AWS_PROFILE instead of keys.

Example (~/.aws/config):
  [profile prod]
  credential_process = awsdir credential-process --dir /home/alice/production/app

  $ aws sts get-caller-identity --profile prod`,
    )
    .action(async (opts: { dir?: string; mfaCode?: string }) => {
      const identity = await enterDirectory(ctx, {
        dir: resolve(ctx.cwd, opts.dir ?? '.'),
        command: 'credential-process',
        ...(opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {}),
      });
      ctx.io.stdout(credentialProcessJson(identity));
    });
};

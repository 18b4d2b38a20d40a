import { resolve } from 'node:path';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { createEngine, type Engine } from '../../credentials/createEngine';
import { rfc3339 } from '../../credentials/exportVariables';

/**
 * The JSON of the AWS `credential_process` setting. The engine's credential-process mode refreshes
 * once 15 minutes or less are left, as the AWS CLI does, so the CLI never holds credentials it
 * considers about to expire. An MFA prompt goes to /dev/tty (the AWS CLI hides our stderr).
 */
export async function credentialProcess(dir: string, engine: Engine): Promise<string> {
  const project = await engine.resolveDirectory(dir);
  // No production guard here, unlike export, exec and console: the AWS CLI runs this on every call
  // and hides its stderr, so a question would be unseen and asked again and again. Under
  // `use aws --credential-process` the guard already asked once at `cd`, through `awsdir export`.
  const result = await engine.credentialsFor(project, { mode: 'credential-process' });
  engine.reporter.debug(`credential-process for ${project.projectFile}: ${result.fromCache ? 'cached' : 'fresh'} session of ${result.assumedRoleArn}`);
  const c = result.credentials;
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
      const engine = await createEngine(ctx, opts.mfaCode !== undefined ? { mfaCode: opts.mfaCode } : {});
      ctx.io.stdout(await credentialProcess(resolve(ctx.cwd, opts.dir ?? '.'), engine));
    });
};

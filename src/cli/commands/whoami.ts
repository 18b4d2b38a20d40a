import { createReporter } from '../../core/reporter';
import type { RegisterCommand } from '../program';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import { formatDuration } from '../../config/duration';
import { whoami, type WhoamiResult } from '../../credentials/whoami';

export function formatWhoami(result: WhoamiResult, color = false): string {
  const rows: Array<[string, string]> = [
    ['account', result.AccountAlias ? `${result.Account} (${result.AccountAlias})` : result.Account],
    ['arn', result.Arn],
    ['user id', result.UserId],
    ['source', result.Source],
  ];
  const a = result.Awsdir;
  if (a) {
    if (a.Label) rows.push(['label', a.Label]);
    rows.push(['role', a.RoleArn]);
    if (a.Config) rows.push(['config', a.Config]);
    if (a.SecondsLeft !== undefined) rows.push(['expires', `${a.Expiration} (${a.SecondsLeft > 0 ? `${formatDuration(a.SecondsLeft)} left` : 'expired'})`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${color ? `\u001b[1m${k.padEnd(width)}\u001b[0m` : k.padEnd(width)}  ${v}\n`).join('');
}

export const registerWhoami: RegisterCommand = (program, ctx) => {
  program
    .command('whoami')
    .description('who the AWS credentials in effect belong to: account, alias, ARN, and the awsdir directory they came from')
    .option('--json', 'print the GetCallerIdentity fields plus AccountAlias, Source and Awsdir as JSON')
    .addHelpText(
      'after',
      `
Credentials are found the way the AWS CLI finds them: AWS_ACCESS_KEY_ID and friends first, then
the AWS_PROFILE (or [default]) profile's keys or credential_process.

Example:
  $ cd ~/production/app && awsdir whoami
  account  222222222222 (acme-production)
  arn      arn:aws:sts::222222222222:assumed-role/admin/alice-app
  ...
  $ awsdir whoami --json | jq -r .Account`,
    )
    .action(async (opts: { json?: boolean }) => {
      const result = await whoami({ env: ctx.env, now: () => ctx.now(), reporter: createReporter(ctx), loadAws: loadAwsSdk });
      ctx.io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatWhoami(result, false));
    });
};

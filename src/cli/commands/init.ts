import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../../core/context';
import type { RegisterCommand } from '../program';
import { createReporter } from '../../core/reporter';
import { initDirectory } from '../../init/initDirectory';
import type { InitFlags } from '../../init/planInit';
import { runDirenvAllow } from '../../init/direnvAllow';
import { terminalAsk } from '../../init/terminalAsk';
import { trustPolicyFor } from '../../init/trustPolicy';
import { initTree, lazySsoAssignments } from '../../init/initTree';
import { UsageError } from '../../core/errors';

export const registerInit: RegisterCommand = (program: Command, ctx: Context) => {
  program
    .command('init')
    .description('write .awsdir.yaml and an .envrc with `use aws` for a directory, and allow them')
    .option('--profile <profile>', 'an ~/.aws/config profile with role_arn: its role, region, duration and source_profile are used (written as `profile:`)')
    .option('--role <role>', 'role ARN, or a role name with --account')
    .option('--account <account>', 'the 12-digit account of the role (or of the permission set, with an IAM Identity Center source)')
    .option('--sso-role <permission-set>', 'with an IAM Identity Center source: the permission set, such as AdministratorAccess (written as `sso:`)')
    .option('--tree <dir>', 'with an IAM Identity Center source: make a directory under DIR for every account (and permission set) you have')
    .option('--region <region>', 'exported as AWS_REGION and AWS_DEFAULT_REGION')
    .option('--duration <duration>', 'role session length, 15m..12h (default 1h)')
    .option('--source <source>', 'which source of your user file signs in (default: default); an IAM Identity Center source takes --account and --sso-role')
    .option('--label <label>', 'shown in messages and the prompt (default: the role name)')
    .option('--confirm', 'ask once per shell before entering (for production)')
    .option('--mfa', 'use MFA for this role (the default)')
    .option('--no-mfa', 'skip MFA: only for a role whose trust policy does not demand it')
    .option('--external-id <id>', "sts:ExternalId, when the role's trust policy demands one")
    .option('--session-name <template>', 'RoleSessionName template, e.g. "{user}-{dir}" (the default)')
    .option('--force', 'replace an existing .awsdir.yaml; append `use aws` to an .envrc without asking')
    .option('--allow', 'also run `direnv allow` for the directory (asked on a terminal)')
    .option('--dir <dir>', 'the directory to set up (default: the current one)')
    .option('--print-trust-policy', "print the trust policy the directory's role needs, and write nothing")
    .addHelpText(
      'after',
      `
When --role or --region is missing, init asks on the terminal for every value no flag gives:
role, account, region, duration, source (a pick when your user file has several), label, confirm,
external id (empty for none), session name, MFA (yes unless the role's trust policy does not
demand it), and whether to run \`direnv allow\`. Without a terminal, --role and --region are
required and the rest take their defaults. The project file is allowed for awsdir at once; .envrc
still needs direnv's own approval (--allow runs \`direnv allow\`).

Example:
  $ cd ~/production/app
  $ awsdir init --role arn:aws:iam::222222222222:role/admin --region ap-northeast-1 \\
      --label production --confirm --allow
  $ awsdir init --role readonly --account 333333333333 --region eu-west-1 --dir ~/development
  $ awsdir init --role deploy --account 444444444444 --region us-east-1 --external-id staging-ext \\
      --session-name "deploy-{user}" --source work --no-mfa
  $ awsdir init --profile acme.prod-admin --dir ~/production/app
  $ awsdir init --print-trust-policy > trust.json

With an IAM Identity Center source (\`awsdir add corp --sso-start-url ...\`), the directory names an
account and a permission set instead of a role; on a terminal, init offers the accounts and
permission sets you have as pick lists (signing in first if needed). --tree DIR makes one directory
per account under DIR (one per permission set below it where the account has several), named
after the account, each allowed; it refuses to overwrite any file.

  $ awsdir init --source corp --account 222222222222 --sso-role AdministratorAccess \\
      --region ap-northeast-1 --label production --allow
  $ awsdir init --source corp --tree ~/aws --region eu-west-1

With --profile, the label is the profile's name and nothing else is required. When the profile's
source_profile has no keys in ~/.aws/credentials (they are in a keychain, the aws-vault way),
\`source:\` names one of your own sources instead: the only one, or the one you pick on the
terminal (--source without one).`,
    )
    .action(async (opts: InitFlags & { dir?: string; printTrustPolicy?: boolean; tree?: string }) => {
      const dir = resolve(ctx.cwd, opts.dir ?? '.');
      const reporter = createReporter(ctx);
      if (opts.printTrustPolicy) {
        ctx.io.stdout(await trustPolicyFor(dir, { env: ctx.env, reporter }));
        return;
      }
      const ask = terminalAsk({ signal: ctx.signal, stderr: (text) => ctx.io.stderr(text) });
      const deps = {
        env: ctx.env,
        reporter,
        now: () => ctx.now(),
        ask,
        direnvAllow: (d: string) => runDirenvAllow(d, ctx.env),
        ssoAssignments: lazySsoAssignments(ctx),
      };
      if (opts.tree !== undefined) {
        if (opts.dir !== undefined) throw new UsageError('--tree names the directory to fill; leave out --dir');
        const { tree, ...flags } = opts;
        await initTree(resolve(ctx.cwd, tree), flags, { ...deps, assignments: deps.ssoAssignments });
        return;
      }
      await initDirectory(dir, opts, deps);
    });
};

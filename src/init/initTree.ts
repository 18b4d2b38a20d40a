import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../core/context';
import { AwsdirError, UsageError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { PROJECT_FILE_NAME } from '../config/findProjectFile';
import { loadUserConfig } from '../config/loadUserConfig';
import { openWorkspace } from '../credentials/workspace';
import { ssoAssignments, type SsoAssignments } from '../credentials/ssoSignIn';
import { initDirectory, type InitDeps } from './initDirectory';
import type { InitFlags } from './planInit';
import { ssoSourceOf } from './ssoValues';

/** The assignments of a source, the workspace opened (and the person signed in) only when first asked. */
export function lazySsoAssignments(ctx: Context): (sourceName: string) => SsoAssignments {
  return (sourceName) => {
    let opened: Promise<SsoAssignments> | undefined;
    const open = (): Promise<SsoAssignments> => (opened ??= openWorkspace(ctx).then((workspace) => ssoAssignments(sourceName, workspace, ctx)));
    return {
      sourceName,
      accounts: async () => (await open()).accounts(),
      roles: async (accountId) => (await open()).roles(accountId),
    };
  };
}

/** An account's name as a directory name: letters, digits, '.', '_' and '-', no leading dot. */
export function directoryName(name: string, fallback: string): string {
  const cleaned = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return cleaned || fallback;
}

export interface TreeEntry {
  dir: string;
  accountId: string;
  accountName: string;
  role: string;
}

/**
 * `init --source corp --tree DIR`: one directory per account IAM Identity Center assigns (and one
 * per permission set below it where the account has several), named after the account, each with
 * its .awsdir.yaml and .envrc, allowed. Nothing is written when any of them already holds either
 * file.
 */
export async function initTree(
  root: string,
  flags: InitFlags,
  deps: InitDeps & { assignments: (sourceName: string) => SsoAssignments; reporter: Reporter },
): Promise<TreeEntry[]> {
  const userConfig = await loadUserConfig(deps.env);
  const source = ssoSourceOf(flags, userConfig);
  if (!source) {
    throw new UsageError(
      `init --tree lays out the accounts of an IAM Identity Center source; pass --source with one (added with \`awsdir add NAME --sso-start-url URL --sso-region REGION\`)`,
    );
  }
  for (const [given, flag] of [
    [flags.account, '--account'],
    [flags.ssoRole, '--sso-role'],
    [flags.role, '--role'],
    [flags.profile, '--profile'],
    [flags.label, '--label'],
  ] as const) {
    if (given !== undefined)
      throw new UsageError(
        `init --tree makes a directory for every account and permission set you have, so ${flag} has no place; leave it out, or use init without --tree for one directory`,
      );
  }
  if (!flags.region && !deps.ask) throw new UsageError('init --tree needs --region, the region every directory exports, and there is no terminal to ask on');
  const portal = deps.assignments(source.name);
  const accounts = await portal.accounts();
  if (accounts.length === 0)
    throw new UsageError(`init --tree: IAM Identity Center assigns you no account through '${source.name}'; ask your administrator for an assignment`);

  const taken = new Map<string, number>();
  for (const a of accounts) {
    const name = directoryName(a.accountName, a.accountId);
    taken.set(name, (taken.get(name) ?? 0) + 1);
  }
  const entries: TreeEntry[] = [];
  for (const account of accounts) {
    const base = directoryName(account.accountName, account.accountId);
    // Two accounts of the same name: the id tells them apart.
    const name = (taken.get(base) ?? 0) > 1 ? `${base}-${account.accountId}` : base;
    const roles = await portal.roles(account.accountId);
    for (const role of roles) {
      entries.push({
        dir: roles.length > 1 ? join(root, name, directoryName(role, role)) : join(root, name),
        accountId: account.accountId,
        accountName: account.accountName,
        role,
      });
    }
  }
  const occupied = entries.flatMap((e) => [PROJECT_FILE_NAME, '.envrc'].map((f) => join(e.dir, f))).filter((f) => existsSync(f));
  if (occupied.length > 0) {
    throw new AwsdirError(
      `init --tree: ${occupied.slice(0, 3).join(', ')}${occupied.length > 3 ? ` and ${occupied.length - 3} more` : ''} already exist${occupied.length === 1 ? 's' : ''}, so nothing was written; move them away, or give another --tree directory`,
    );
  }
  let region = flags.region;
  if (!region) {
    region = (await deps.ask!('Region for every directory', deps.env.AWS_REGION || deps.env.AWS_DEFAULT_REGION || undefined)).trim();
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new UsageError(`init --tree: ${JSON.stringify(region)} is not an AWS region; pass --region`);
  }
  const quiet: Reporter = { ...deps.reporter, info: () => undefined };
  for (const entry of entries) {
    mkdirSync(entry.dir, { recursive: true });
    const several = entries.filter((e) => e.accountId === entry.accountId).length > 1;
    await initDirectory(
      entry.dir,
      {
        source: source.name,
        account: entry.accountId,
        ssoRole: entry.role,
        region,
        label: several ? `${entry.accountName} ${entry.role}`.slice(0, 64) : entry.accountName.slice(0, 64),
        ...(flags.confirm ? { confirm: true } : {}),
        ...(flags.allow ? { allow: true } : {}),
      },
      { ...deps, reporter: quiet, ask: undefined },
    );
    deps.reporter.info(`made ${entry.dir} (${entry.role} @ ${entry.accountId}, ${entry.accountName})`);
  }
  deps.reporter.info(
    `made ${entries.length} director${entries.length === 1 ? 'y' : 'ies'} under ${root}, each allowed for awsdir${flags.allow ? ' and direnv' : `; run \`direnv allow\` in each (or init --tree again elsewhere with --allow)`}`,
  );
  return entries;
}

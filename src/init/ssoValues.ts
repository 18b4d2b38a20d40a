import { UsageError } from '../core/errors';
import type { SsoSourceConfig } from '../config/ssoConfig';
import type { UserConfig } from '../config/types';
import type { SsoAssignments } from '../credentials/ssoSignIn';
import type { Ask, InitFlags, ProjectValues } from './planInit';

const ACCOUNT = /^\d{12}$/;
const PERMISSION_SET = /^[\w+=,.@-]{1,32}$/;

/**
 * The IAM Identity Center source an init is for: the one --source names, or, without --source and
 * --role, the person's `default` or only source when it is one. Undefined for a source of keys.
 */
export function ssoSourceOf(flags: InitFlags, userConfig: UserConfig): SsoSourceConfig | undefined {
  const sources = Object.values(userConfig.sources);
  const pick =
    flags.source !== undefined
      ? userConfig.sources[flags.source]
      : flags.role === undefined
        ? (userConfig.sources.default ?? (sources.length === 1 ? sources[0] : undefined))
        : undefined;
  return pick?.kind === 'sso' ? pick : undefined;
}

export interface SsoValueDeps {
  ask: Ask | undefined;
  /** The source's assignments, signing in when needed; only asked for what no flag gives. */
  assignments: (sourceName: string) => SsoAssignments;
  regionDefault?: string;
  regionProblem: (value: string) => string | undefined;
  askUntil: (ask: Ask, question: string, fallback: string | undefined, problem: (value: string) => string | undefined) => Promise<string>;
}

/**
 * `init --source corp`: the account and permission set from --account and --sso-role, or picked
 * on the terminal from what IAM Identity Center assigns (ListAccounts, ListAccountRoles).
 */
export async function gatherSsoValues(source: SsoSourceConfig, flags: InitFlags, deps: SsoValueDeps): Promise<{ values: ProjectValues; interactive: boolean }> {
  for (const [given, flag] of [
    [flags.role, '--role'],
    [flags.duration, '--duration'],
    [flags.externalId, '--external-id'],
    [flags.sessionName, '--session-name'],
    [flags.mfa === false ? false : undefined, '--no-mfa'],
  ] as const) {
    if (given !== undefined) {
      throw new UsageError(
        `init: ${flag} is for a role assumed with keys, and '${source.name}' is an IAM Identity Center source; give --account and --sso-role (a permission set) instead`,
      );
    }
  }
  if (flags.account !== undefined && !ACCOUNT.test(flags.account)) throw new UsageError(`init: --account ${flags.account} is not a 12-digit account id`);
  if (flags.ssoRole !== undefined && !PERMISSION_SET.test(flags.ssoRole))
    throw new UsageError(`init: --sso-role ${JSON.stringify(flags.ssoRole)} is not a permission set name, such as AdministratorAccess`);
  const missing = [...(flags.account ? [] : ['--account']), ...(flags.ssoRole ? [] : ['--sso-role']), ...(flags.region ? [] : ['--region'])];
  const ask = deps.ask;
  if (missing.length > 0 && !ask) {
    throw new UsageError(
      `init needs ${missing.join(' and ')} for IAM Identity Center source '${source.name}' and there is no terminal to pick on; pass them, e.g. awsdir init --source ${source.name} --account 222222222222 --sso-role AdministratorAccess --region eu-west-1 (\`awsdir login ${source.name} --json\` lists your accounts)`,
    );
  }
  const interactive = missing.length > 0;
  const portal = interactive ? deps.assignments(source.name) : undefined;

  let account = flags.account;
  let accountName: string | undefined;
  if (!account) {
    const accounts = await portal!.accounts();
    if (accounts.length === 0)
      throw new UsageError(`init: IAM Identity Center assigns you no account through '${source.name}'; ask your administrator for an assignment`);
    const chosen = await pick(
      ask!,
      deps,
      'Account',
      accounts,
      (a) => `${a.accountName} (${a.accountId})`,
      (a, v) => a.accountId === v || a.accountName === v,
    );
    account = chosen.accountId;
    accountName = chosen.accountName;
  }
  let ssoRole = flags.ssoRole;
  if (!ssoRole) {
    const roles = await portal!.roles(account);
    if (roles.length === 0)
      throw new UsageError(
        `init: you have no permission set in account ${account} through '${source.name}'; pick another account, or ask your administrator for an assignment`,
      );
    ssoRole =
      roles.length === 1
        ? roles[0]!
        : await pick(
            ask!,
            deps,
            `Permission set in ${accountName ?? account}`,
            roles,
            (r) => r,
            (r, v) => r === v,
          );
    if (roles.length === 1) await ask!.say(`permission set ${ssoRole} (the only one you have in ${accountName ?? account})`);
  }
  const region = flags.region ?? (await deps.askUntil(ask!, 'Region', deps.regionDefault, deps.regionProblem));
  const fallbackLabel = accountName ?? ssoRole;
  const label = flags.label ?? (interactive ? await deps.askUntil(ask!, 'Label', fallbackLabel, () => undefined) : ssoRole);
  let confirm = flags.confirm;
  if (confirm === undefined && interactive) {
    const likelyProduction = /prod/i.test(label);
    const answer = await deps.askUntil(
      ask!,
      `Ask before entering, as for production? [${likelyProduction ? 'Y/n' : 'y/N'}]`,
      likelyProduction ? 'y' : 'n',
      (v) => (/^(y|yes|n|no)$/i.test(v) ? undefined : 'y or n'),
    );
    confirm = /^y/i.test(answer);
  }
  const values: ProjectValues = { source: source.name, sso: { account, role: ssoRole }, region, label, ...(confirm ? { confirm: true } : {}) };
  return { values, interactive };
}

/** A numbered pick list: the number, or the value itself, chooses. */
async function pick<T>(
  ask: Ask,
  deps: SsoValueDeps,
  what: string,
  items: T[],
  show: (item: T) => string,
  matches: (item: T, answer: string) => boolean,
): Promise<T> {
  await ask.say(`${what}:\n${items.map((item, i) => `    ${String(i + 1).padStart(2)}) ${show(item)}`).join('\n')}`);
  const answer = await deps.askUntil(ask, `${what} (1-${items.length})`, items.length === 1 ? '1' : undefined, (v) => {
    const n = Number(v);
    return (Number.isInteger(n) && n >= 1 && n <= items.length) || items.some((item) => matches(item, v)) ? undefined : `a number from 1 to ${items.length}`;
  });
  const n = Number(answer);
  return Number.isInteger(n) && n >= 1 && n <= items.length ? items[n - 1]! : items.find((item) => matches(item, answer))!;
}

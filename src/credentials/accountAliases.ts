import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/writeFileAtomic';

/**
 * The account aliases awsdir has looked up (iam:ListAccountAliases), per account and IAM endpoint,
 * in the state directory. The alias only decorates the summary line, and it almost never changes:
 * looking it up once per account, instead of with every new role session, keeps the IAM client and
 * a round trip to IAM off the cold path of `cd`. An answer is kept for 30 days; a lookup that
 * failed (a role that may not list aliases, a slow or unreachable IAM) is tried again after a day.
 * Not secret: account ids and aliases.
 */
export const ANSWER_KEPT_MS = 30 * 24 * 3600 * 1000;
export const FAILURE_KEPT_MS = 24 * 3600 * 1000;

interface Lookup {
  /** Absent when the account has none, or the lookup failed. */
  alias?: string;
  failed?: true;
  /** When it was looked up, in epoch milliseconds. */
  at: number;
}

export function accountAliasesFile(stateDir: string): string {
  return join(stateDir, 'account-aliases.json');
}

/** Emulators and other endpoints have their own accounts of the same ids. */
function key(account: string, iamEndpoint: string | undefined): string {
  return iamEndpoint ? `${account} ${iamEndpoint}` : account;
}

function readAll(stateDir: string): { [key: string]: Lookup } {
  try {
    const data = JSON.parse(readFileSync(accountAliasesFile(stateDir), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as { [key: string]: Lookup }) : {};
  } catch {
    return {};
  }
}

/** `{ alias }` (alias undefined for none) while a lookup is recent enough; undefined when one is due. */
export function knownAccountAlias(stateDir: string, account: string, iamEndpoint: string | undefined, nowMs: number): { alias?: string } | undefined {
  const record = readAll(stateDir)[key(account, iamEndpoint)];
  if (!record || typeof record.at !== 'number' || (record.alias !== undefined && typeof record.alias !== 'string')) return undefined;
  const age = nowMs - record.at;
  if (age < 0 || age > (record.failed ? FAILURE_KEPT_MS : ANSWER_KEPT_MS)) return undefined;
  return record.alias ? { alias: record.alias } : {};
}

export function rememberAccountAlias(
  stateDir: string,
  account: string,
  iamEndpoint: string | undefined,
  answer: { alias?: string } | 'failed',
  nowMs: number,
): void {
  try {
    const all = readAll(stateDir);
    all[key(account, iamEndpoint)] = answer === 'failed' ? { failed: true, at: nowMs } : { ...(answer.alias ? { alias: answer.alias } : {}), at: nowMs };
    writeFileAtomic(accountAliasesFile(stateDir), JSON.stringify(all));
  } catch {
    // Then it is looked up again with the next role session.
  }
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validatePolicy, type PolicyDocument } from './policy';

/**
 * The world the emulator pretends to be: accounts with users, groups, roles and managed policies.
 * Loaded from YAML or JSON (YAML is a superset) and checked once, so that a mistake in a fixture is
 * an error naming the file and the path, never a surprising answer in the middle of a test.
 */
export interface AccessKey {
  id: string;
  secret: string;
  status: 'Active' | 'Inactive';
  created: Date;
  lastUsed?: { date: Date; service: string; region: string };
}

export interface MfaDevice {
  serial: string;
  seed: string;
  enabled: Date;
}

export interface User {
  kind: 'user';
  name: string;
  account: string;
  arn: string;
  id: string;
  created: Date;
  accessKeys: AccessKey[];
  mfa: MfaDevice[];
  groups: string[];
  /** Managed policy ARNs. */
  attachedPolicies: string[];
  inlinePolicies: Record<string, PolicyDocument>;
}

export interface Group {
  name: string;
  account: string;
  arn: string;
  id: string;
  created: Date;
  attachedPolicies: string[];
  inlinePolicies: Record<string, PolicyDocument>;
}

export interface Role {
  name: string;
  account: string;
  arn: string;
  id: string;
  maxSessionDuration: number;
  trustPolicy: PolicyDocument;
}

export interface ManagedPolicy {
  name: string;
  arn: string;
  id: string;
  created: Date;
  document: PolicyDocument;
}

export interface Account {
  id: string;
  alias?: string;
  /** The account's root email, as the SSO portal's ListAccounts names it. */
  email?: string;
  users: Record<string, User>;
  groups: Record<string, Group>;
  roles: Record<string, Role>;
  policies: Record<string, ManagedPolicy>;
}

export interface Fixture {
  /** Where it was read from, for error messages; '<object>' when handed in parsed. */
  source: string;
  accounts: Record<string, Account>;
  /** Lifetime cap in seconds per action (GetSessionToken, AssumeRole), so tests can expire sessions. */
  issueSeconds: Record<string, number>;
  /** IAM Identity Center, when the fixture has an `sso` section. */
  sso?: SsoFixture;
}

/** One IAM Identity Center instance: its people, permission sets and who may use which where. */
export interface SsoFixture {
  startUrl: string;
  region: string;
  users: Record<string, { name: string; email?: string }>;
  /** Permission set name -> session duration in seconds (the lifetime of its role credentials). */
  permissionSets: Record<string, { name: string; sessionSeconds: number }>;
  assignments: { user: string; account: string; permissionSet: string }[];
  accessTokenSeconds: number;
  deviceCodeSeconds: number;
  pollIntervalSeconds: number;
  /** How long one sign-in lasts: refresh tokens stop working after it, as the access portal session does. */
  portalSessionSeconds: number;
}

export class FixtureError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path || '(top)'}: ${reason}`);
    this.name = 'FixtureError';
  }
}

const CREATED = new Date('2024-01-01T00:00:00Z');

/** AWS managed policies a fixture may attach without declaring them. */
export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  'arn:aws:iam::aws:policy/ReadOnlyAccess': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'sts:GetCallerIdentity'], Resource: '*' }],
  },
};

export function loadFixture(input: string | object): Fixture {
  let source = '<object>';
  let raw: unknown = input;
  if (typeof input === 'string') {
    source = input;
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (error) {
      throw new FixtureError(source, '', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      raw = parse(text);
    } catch (error) {
      throw new FixtureError(source, '', `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return buildFixture(raw, source);
}

function buildFixture(raw: unknown, source: string): Fixture {
  const fail = (path: string, reason: string): never => {
    throw new FixtureError(source, path, reason);
  };
  const top = record(raw, '', fail);
  only(top, ['accounts', 'settings', 'sso'], '', fail);
  const settings = top.settings === undefined ? {} : record(top.settings, 'settings', fail);
  only(settings, ['issue_seconds'], 'settings', fail);
  const issueSeconds: Record<string, number> = {};
  if (settings.issue_seconds !== undefined) {
    for (const [action, value] of Object.entries(record(settings.issue_seconds, 'settings.issue_seconds', fail))) {
      if (!ISSUING_ACTIONS.includes(action)) fail(`settings.issue_seconds.${action}`, `unknown action; allowed: ${ISSUING_ACTIONS.join(', ')}`);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        fail(`settings.issue_seconds.${action}`, 'must be a whole number of seconds >= 1');
      issueSeconds[action] = value as number;
    }
  }
  const accounts: Record<string, Account> = {};
  const rawAccounts = record(top.accounts ?? fail('accounts', 'missing; a fixture needs at least one account'), 'accounts', fail);
  const serials = new Set<string>();
  for (const [accountId, rawAccount] of Object.entries(rawAccounts)) {
    const ap = `accounts.${accountId}`;
    if (!/^\d{12}$/.test(accountId)) fail(ap, 'an account id is 12 digits (quote it in YAML)');
    const a = record(rawAccount ?? {}, ap, fail);
    only(a, ['alias', 'email', 'users', 'groups', 'roles', 'policies'], ap, fail);
    const account: Account = { id: accountId, users: {}, groups: {}, roles: {}, policies: {} };
    if (a.alias !== undefined) account.alias = str(a.alias, `${ap}.alias`, fail);
    if (a.email !== undefined) account.email = str(a.email, `${ap}.email`, fail);

    for (const [name, rawPolicy] of Object.entries(record(a.policies ?? {}, `${ap}.policies`, fail))) {
      const pp = `${ap}.policies.${name}`;
      const p = record(rawPolicy, pp, fail);
      only(p, ['document'], pp, fail);
      const document = policy(p.document, `${pp}.document`, fail);
      account.policies[name] = {
        name,
        arn: `arn:aws:iam::${accountId}:policy/${name}`,
        id: fakeId('ANPA', `${accountId}/policy/${name}`),
        created: CREATED,
        document,
      };
    }
    const policyArn = (ref: unknown, path: string): string => {
      const name = str(ref, path, fail);
      if (name.startsWith('arn:')) {
        if (
          name in AWS_MANAGED_POLICIES ||
          (name === `arn:aws:iam::${accountId}:policy/${name.split('/').pop()}` && account.policies[name.split('/').pop() ?? ''])
        )
          return name;
        fail(path, `unknown policy ARN; use the name of a policy under ${ap}.policies or one of ${Object.keys(AWS_MANAGED_POLICIES).join(', ')}`);
      }
      if (!account.policies[name]) fail(path, `no managed policy '${name}' in this account; declare it under ${ap}.policies`);
      return `arn:aws:iam::${accountId}:policy/${name}`;
    };
    const inline = (value: unknown, path: string): Record<string, PolicyDocument> => {
      const out: Record<string, PolicyDocument> = {};
      for (const [n, doc] of Object.entries(record(value ?? {}, path, fail))) out[n] = policy(doc, `${path}.${n}`, fail);
      return out;
    };

    for (const [name, rawGroup] of Object.entries(record(a.groups ?? {}, `${ap}.groups`, fail))) {
      const gp = `${ap}.groups.${name}`;
      const g = record(rawGroup ?? {}, gp, fail);
      only(g, ['policies', 'inline_policies'], gp, fail);
      account.groups[name] = {
        name,
        account: accountId,
        arn: `arn:aws:iam::${accountId}:group/${name}`,
        id: fakeId('AGPA', `${accountId}/group/${name}`),
        created: CREATED,
        attachedPolicies: list(g.policies, `${gp}.policies`, fail).map((r, i) => policyArn(r, `${gp}.policies.${i}`)),
        inlinePolicies: inline(g.inline_policies, `${gp}.inline_policies`),
      };
    }

    for (const [name, rawUser] of Object.entries(record(a.users ?? {}, `${ap}.users`, fail))) {
      const up = `${ap}.users.${name}`;
      const u = record(rawUser ?? {}, up, fail);
      only(u, ['access_keys', 'mfa', 'groups', 'policies', 'inline_policies'], up, fail);
      const rawKeys = u.access_keys === undefined ? [{}] : list(u.access_keys, `${up}.access_keys`, fail);
      if (rawKeys.length > 2) fail(`${up}.access_keys`, 'AWS allows at most 2 access keys per user');
      const accessKeys = rawKeys.map((rk, i) => {
        const kp = `${up}.access_keys.${i}`;
        const k = record(rk ?? {}, kp, fail);
        only(k, ['id', 'secret', 'status', 'created'], kp, fail);
        const generated = generatedKey(accountId, name, i);
        const id = k.id === undefined ? generated.id : str(k.id, `${kp}.id`, fail);
        if (!/^AKIA[A-Z2-7]{16}$/.test(id)) fail(`${kp}.id`, 'an access key id is AKIA followed by 16 characters A-Z or 2-7');
        const secret = k.secret === undefined ? generated.secret : str(k.secret, `${kp}.secret`, fail);
        if (secret.length < 16) fail(`${kp}.secret`, 'a secret access key has at least 16 characters (AWS uses 40)');
        const status = k.status === undefined ? 'Active' : str(k.status, `${kp}.status`, fail);
        if (status !== 'Active' && status !== 'Inactive') fail(`${kp}.status`, 'allowed: Active, Inactive');
        const created = k.created === undefined ? CREATED : date(k.created, `${kp}.created`, fail);
        return { id, secret, status: status as 'Active' | 'Inactive', created };
      });
      const mfa = (u.mfa === undefined ? [] : Array.isArray(u.mfa) ? u.mfa : [u.mfa]).map((rm, i) => {
        const mp = Array.isArray(u.mfa) ? `${up}.mfa.${i}` : `${up}.mfa`;
        const m = record(rm, mp, fail);
        only(m, ['serial', 'seed'], mp, fail);
        const serial = m.serial === undefined ? `arn:aws:iam::${accountId}:mfa/${name}` : str(m.serial, `${mp}.serial`, fail);
        if (serials.has(serial)) fail(`${mp}.serial`, `serial '${serial}' is used twice; each MFA device belongs to one user`);
        serials.add(serial);
        const seed = str(m.seed, `${mp}.seed`, fail).replace(/\s+/g, '').toUpperCase();
        if (!/^[A-Z2-7]+=*$/.test(seed) || seed.length < 16) fail(`${mp}.seed`, 'a TOTP seed is base32 (A-Z, 2-7), at least 16 characters');
        return { serial, seed, enabled: CREATED };
      });
      const groups = list(u.groups, `${up}.groups`, fail).map((gr, i) => {
        const g = str(gr, `${up}.groups.${i}`, fail);
        if (!account.groups[g]) fail(`${up}.groups.${i}`, `no group '${g}' in this account; declare it under ${ap}.groups`);
        return g;
      });
      account.users[name] = {
        kind: 'user',
        name,
        account: accountId,
        arn: `arn:aws:iam::${accountId}:user/${name}`,
        id: fakeId('AIDA', `${accountId}/user/${name}`),
        created: CREATED,
        accessKeys,
        mfa,
        groups,
        attachedPolicies: list(u.policies, `${up}.policies`, fail).map((r, i) => policyArn(r, `${up}.policies.${i}`)),
        inlinePolicies: inline(u.inline_policies, `${up}.inline_policies`),
      };
    }

    for (const [name, rawRole] of Object.entries(record(a.roles ?? {}, `${ap}.roles`, fail))) {
      const rp = `${ap}.roles.${name}`;
      const r = record(rawRole ?? {}, rp, fail);
      only(r, ['max_session_duration', 'trust_policy'], rp, fail);
      const max = r.max_session_duration ?? 3600;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 3600 || max > 43200)
        fail(`${rp}.max_session_duration`, 'must be a whole number of seconds from 3600 to 43200, as in IAM');
      if (r.trust_policy === undefined) fail(`${rp}.trust_policy`, 'missing; a role needs a trust policy saying who may assume it');
      account.roles[name] = {
        name,
        account: accountId,
        arn: `arn:aws:iam::${accountId}:role/${name}`,
        id: fakeId('AROA', `${accountId}/role/${name}`),
        maxSessionDuration: max as number,
        trustPolicy: policy(r.trust_policy, `${rp}.trust_policy`, fail, 'trust'),
      };
    }
    accounts[accountId] = account;
  }
  const keyIds = new Set<string>();
  for (const account of Object.values(accounts)) {
    for (const user of Object.values(account.users)) {
      for (const key of user.accessKeys) {
        if (keyIds.has(key.id)) fail(`accounts.${account.id}.users.${user.name}.access_keys`, `access key id ${key.id} is used twice`);
        keyIds.add(key.id);
      }
    }
  }
  const sso = top.sso === undefined ? undefined : buildSso(top.sso, accounts, fail);
  return { source, accounts, issueSeconds, ...(sso ? { sso } : {}) };
}

const ISSUING_ACTIONS = ['GetSessionToken', 'AssumeRole', 'getSigninToken', 'GetRoleCredentials'];

function buildSso(raw: unknown, accounts: Record<string, Account>, fail: Fail): SsoFixture {
  const s = record(raw, 'sso', fail);
  only(
    s,
    [
      'start_url',
      'region',
      'users',
      'permission_sets',
      'assignments',
      'access_token_lifetime',
      'device_code_lifetime',
      'poll_interval',
      'portal_session_duration',
    ],
    'sso',
    fail,
  );
  const startUrl = str(
    s.start_url ?? fail('sso.start_url', 'missing; the AWS access portal URL people sign in at, such as https://corp.awsapps.com/start'),
    'sso.start_url',
    fail,
  );
  if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(startUrl)) fail('sso.start_url', 'must be an https URL such as https://corp.awsapps.com/start');
  const region = str(s.region ?? fail('sso.region', 'missing; the region of the IAM Identity Center instance, such as eu-west-1'), 'sso.region', fail);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) fail('sso.region', 'must be a region name such as eu-west-1');

  const users: SsoFixture['users'] = {};
  for (const [name, rawUser] of Object.entries(record(s.users ?? {}, 'sso.users', fail))) {
    const up = `sso.users.${name}`;
    if (!/^[\w+=,.@-]{2,64}$/.test(name)) fail(up, 'a user name becomes the role session name: 2 to 64 of A-Z a-z 0-9 + = , . @ _ -');
    const u = record(rawUser ?? {}, up, fail);
    only(u, ['email'], up, fail);
    users[name] = { name, ...(u.email !== undefined ? { email: str(u.email, `${up}.email`, fail) } : {}) };
  }

  const permissionSets: SsoFixture['permissionSets'] = {};
  for (const [name, rawSet] of Object.entries(record(s.permission_sets ?? {}, 'sso.permission_sets', fail))) {
    const pp = `sso.permission_sets.${name}`;
    if (!/^[\w+=,.@-]{1,32}$/.test(name)) fail(pp, 'a permission set name is 1 to 32 of A-Z a-z 0-9 + = , . @ _ -');
    const p = record(rawSet ?? {}, pp, fail);
    only(p, ['session_duration'], pp, fail);
    const sessionSeconds = p.session_duration === undefined ? 3600 : duration(p.session_duration, `${pp}.session_duration`, fail);
    if (sessionSeconds < 3600 || sessionSeconds > 43200) fail(`${pp}.session_duration`, 'must be from 1h to 12h, as in IAM Identity Center');
    permissionSets[name] = { name, sessionSeconds };
  }

  const assignments: SsoFixture['assignments'] = [];
  const seen = new Set<string>();
  list(s.assignments, 'sso.assignments', fail).forEach((rawAssignment, i) => {
    const ap = `sso.assignments.${i}`;
    const a = record(rawAssignment, ap, fail);
    only(a, ['user', 'account', 'permission_set'], ap, fail);
    const user = str(a.user ?? fail(`${ap}.user`, 'missing'), `${ap}.user`, fail);
    if (!users[user]) fail(`${ap}.user`, `no user '${user}' under sso.users`);
    const account = typeof a.account === 'number' ? String(a.account) : str(a.account ?? fail(`${ap}.account`, 'missing'), `${ap}.account`, fail);
    if (!accounts[account]) fail(`${ap}.account`, `no account '${account}' in the fixture; declare it under accounts (quote the id in YAML)`);
    const permissionSet = str(a.permission_set ?? fail(`${ap}.permission_set`, 'missing'), `${ap}.permission_set`, fail);
    if (!permissionSets[permissionSet]) fail(`${ap}.permission_set`, `no permission set '${permissionSet}' under sso.permission_sets`);
    const key = `${user}/${account}/${permissionSet}`;
    if (seen.has(key)) fail(ap, `${user} is assigned ${permissionSet} in ${account} twice`);
    seen.add(key);
    assignments.push({ user, account, permissionSet });
  });

  // The defaults are what AWS answers: device codes last 10 minutes and may be polled every second.
  const knob = (key: string, fallback: number): number => (s[key] === undefined ? fallback : duration(s[key], `sso.${key}`, fail));
  return {
    startUrl,
    region,
    users,
    permissionSets,
    assignments,
    accessTokenSeconds: knob('access_token_lifetime', 3600),
    deviceCodeSeconds: knob('device_code_lifetime', 600),
    pollIntervalSeconds: knob('poll_interval', 1),
    portalSessionSeconds: knob('portal_session_duration', 8 * 3600),
  };
}

/** Durations as in awsdir's own files: 900 (seconds), 15m, 1h, 1h30m, 90s. */
function duration(value: unknown, path: string, fail: Fail): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(text);
  const seconds = /^\d{1,9}$/.test(text) ? Number(text) : m && text !== '' ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : Number.NaN;
  if (!(seconds >= 1)) return fail(path, 'must be a duration of at least 1s, such as 900, 15m, 1h or 1h30m');
  return seconds;
}

/** Keys derived from the account and user name, so a fixture without keys gives the same keys every run. */
export function generatedKey(account: string, user: string, index: number): { id: string; secret: string } {
  const digest = createHash('sha256').update(`awsdir-emulator/${account}/${user}/${index}`).digest();
  return {
    id: `AKIA${base32(digest).slice(0, 16)}`,
    secret: digest
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 40),
  };
}

export function fakeId(prefix: string, seed: string): string {
  return prefix + base32(createHash('sha256').update(seed).digest()).slice(0, 17);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

type Fail = (path: string, reason: string) => never;

function record(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(path, 'must be a mapping');
  return value as Record<string, unknown>;
}
function list(value: unknown, path: string, fail: Fail): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(path, 'must be a list');
  return value;
}
function str(value: unknown, path: string, fail: Fail): string {
  if (typeof value !== 'string' || value === '') return fail(path, 'must be a non-empty string');
  return value;
}
function date(value: unknown, path: string, fail: Fail): Date {
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return fail(path, 'must be a date such as 2024-01-31T00:00:00Z');
  return d;
}
function only(value: Record<string, unknown>, keys: string[], path: string, fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(path ? `${path}.${key}` : key, `unknown key; allowed: ${keys.join(', ')}`);
  }
}
function policy(value: unknown, path: string, fail: Fail, kind: 'trust' | 'identity' = 'identity'): PolicyDocument {
  let doc = value;
  if (typeof value === 'string') {
    try {
      doc = JSON.parse(value);
    } catch {
      return fail(path, 'a policy given as a string must be JSON');
    }
  }
  const problem = validatePolicy(doc, kind);
  if (problem) return fail(problem.path ? `${path}.${problem.path}` : path, problem.reason);
  return doc as PolicyDocument;
}

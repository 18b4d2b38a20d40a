/**
 * IAM policy documents: the part of the real language the emulator needs to say yes and no the way
 * AWS would for awsdir's calls. Anything beyond it is refused when the fixture loads, because a
 * condition silently ignored would let a test pass that AWS would fail.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number | Array<string | boolean | number>>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface RequestFacts {
  /** Every ARN the caller may be named by (an assumed-role session is also its role). */
  principalArns: string[];
  principalAccount: string;
  action: string;
  resource: string;
  /** Condition keys present in the request; absent keys are left out. */
  keys: Record<string, string>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const OPERATORS = ['Bool', 'BoolIfExists', 'NumericLessThan', 'StringEquals'];
const KEYS = ['aws:multifactorauthpresent', 'aws:multifactorauthage', 'sts:externalid', 'aws:username'];

export function validatePolicy(doc: unknown, kind: 'trust' | 'identity'): { path: string; reason: string } | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { path: '', reason: 'a policy document is a mapping with Version and Statement' };
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d))
    if (key !== 'Version' && key !== 'Statement' && key !== 'Id') return { path: key, reason: 'unknown key; allowed: Version, Statement' };
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') return { path: 'Version', reason: "allowed: '2012-10-17'" };
  if (d.Statement === undefined) return { path: 'Statement', reason: 'missing' };
  const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  for (const [i, raw] of statements.entries()) {
    const p = Array.isArray(d.Statement) ? `Statement.${i}` : 'Statement';
    if (raw === null || typeof raw !== 'object') return { path: p, reason: 'a statement is a mapping' };
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!['Sid', 'Effect', 'Principal', 'Action', 'NotAction', 'Resource', 'Condition'].includes(key)) {
        return { path: `${p}.${key}`, reason: 'not supported by the emulator; allowed: Sid, Effect, Principal, Action, NotAction, Resource, Condition' };
      }
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return { path: `${p}.Effect`, reason: 'allowed: Allow, Deny' };
    if (s.Action === undefined && s.NotAction === undefined) return { path: p, reason: 'needs Action or NotAction' };
    if (kind === 'trust') {
      if (s.Principal === undefined) return { path: `${p}.Principal`, reason: 'a trust policy statement names a Principal' };
      if (s.Principal !== '*') {
        const principal = s.Principal as Record<string, unknown>;
        if (typeof principal !== 'object' || principal === null || Object.keys(principal).some((k) => k !== 'AWS')) {
          return { path: `${p}.Principal`, reason: "the emulator supports Principal '*' or { AWS: ... } (user ARN, role ARN, account root or account id)" };
        }
      }
    } else if (s.Principal !== undefined) {
      return { path: `${p}.Principal`, reason: 'an identity policy has no Principal' };
    }
    if (s.Condition !== undefined) {
      if (typeof s.Condition !== 'object' || s.Condition === null) return { path: `${p}.Condition`, reason: 'must be a mapping' };
      for (const [operator, block] of Object.entries(s.Condition)) {
        if (!OPERATORS.includes(operator))
          return {
            path: `${p}.Condition.${operator}`,
            reason: `condition operator '${operator}' is not supported by the emulator; supported: ${OPERATORS.join(', ')}`,
          };
        if (typeof block !== 'object' || block === null) return { path: `${p}.Condition.${operator}`, reason: 'must be a mapping of condition keys' };
        for (const key of Object.keys(block as object)) {
          if (!KEYS.includes(key.toLowerCase()))
            return {
              path: `${p}.Condition.${operator}.${key}`,
              reason: `condition key '${key}' is not supported by the emulator; supported: aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge, sts:ExternalId, aws:username`,
            };
        }
      }
    }
  }
  return undefined;
}

/** AWS's order: an explicit Deny wins, then any Allow, else the implicit deny. */
export function evaluate(docs: PolicyDocument[], facts: RequestFacts, options: { trust: boolean }): Decision {
  let allowed = false;
  for (const doc of docs) {
    for (const s of Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) {
      if (!statementApplies(s, facts, options.trust)) continue;
      if (s.Effect === 'Deny') return 'explicit-deny';
      allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function statementApplies(s: PolicyStatement, facts: RequestFacts, trust: boolean): boolean {
  if (trust && !principalMatches(s.Principal, facts)) return false;
  if (s.Action !== undefined && !asList(s.Action).some((a) => wildcard(a, facts.action))) return false;
  if (s.NotAction !== undefined && asList(s.NotAction).some((a) => wildcard(a, facts.action))) return false;
  if (!trust) {
    const resources = s.Resource === undefined ? ['*'] : asList(s.Resource);
    if (!resources.some((r) => wildcard(substitute(r, facts), facts.resource, true))) return false;
  }
  return conditionsHold(s.Condition ?? {}, facts.keys);
}

function principalMatches(principal: PolicyStatement['Principal'], facts: RequestFacts): boolean {
  if (principal === '*') return true;
  for (const p of asList(principal?.AWS ?? [])) {
    if (p === '*') return true;
    if (p === facts.principalAccount || p === `arn:aws:iam::${facts.principalAccount}:root`) return true;
    if (facts.principalArns.includes(p)) return true;
  }
  return false;
}

function conditionsHold(condition: NonNullable<PolicyStatement['Condition']>, keys: Record<string, string>): boolean {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(keys)) lower[k.toLowerCase()] = v;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, expected] of Object.entries(block)) {
      const actual = lower[key.toLowerCase()];
      const values = (Array.isArray(expected) ? expected : [expected]).map(String);
      if (actual === undefined) {
        if (operator.endsWith('IfExists')) continue;
        return false;
      }
      const ok = values.some((v) => {
        switch (operator) {
          case 'Bool':
          case 'BoolIfExists':
            return v.toLowerCase() === actual.toLowerCase();
          case 'NumericLessThan':
            return Number(actual) < Number(v);
          case 'StringEquals':
            return v === actual;
          default:
            return false;
        }
      });
      if (!ok) return false;
    }
  }
  return true;
}

function substitute(pattern: string, facts: RequestFacts): string {
  return pattern.replace(/\$\{aws:username\}/gi, facts.keys['aws:username'] ?? '${aws:username}');
}

/** IAM wildcards: `*` any run, `?` one character; action names compare case-insensitively. */
export function wildcard(pattern: string, value: string, caseSensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseSensitive ? 's' : 'is').test(value);
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

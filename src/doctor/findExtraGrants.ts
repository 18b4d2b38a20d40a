import { baseUserPolicy } from '../security/baseUserPolicy';

/** A policy that applies to the user, from wherever it was attached. */
export interface AppliedPolicy {
  /** e.g. "AdministratorAccess (attached to the user)", "inline 'ops' of group admins". */
  label: string;
  document: unknown;
}

export interface ExtraGrant {
  policy: string;
  /** The Action pattern as written, or `NotAction [...]` for an allow-everything-except. */
  action: string;
}

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function statements(document: unknown): Array<Record<string, unknown>> {
  if (document === null || typeof document !== 'object') return [];
  const s = (document as { Statement?: unknown }).Statement;
  if (s === undefined) return [];
  return (Array.isArray(s) ? s : [s]).filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object');
}

/** Every action the base-user template allows, lower-cased (IAM action names ignore case). */
const TEMPLATE_ACTIONS = new Set(
  statements(baseUserPolicy)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => asList(s.Action))
    .map((a) => a.toLowerCase()),
);

/**
 * What the policies allow beyond the template: any allowed action the template does not name.
 * A wildcard counts as extra unless it is one of the template's own names, because `s3:Get*` or
 * `*` reaches actions the template never grants; an Allow with NotAction grants nearly everything.
 * Deny statements only take away, so they are not extra. Resources and conditions are not compared:
 * an extra action is reported even when a condition narrows it.
 */
export function findExtraGrants(policies: AppliedPolicy[]): ExtraGrant[] {
  const extra: ExtraGrant[] = [];
  const seen = new Set<string>();
  for (const policy of policies) {
    for (const s of statements(policy.document)) {
      if (s.Effect !== 'Allow') continue;
      const found: string[] = [];
      if (s.NotAction !== undefined) found.push(`NotAction [${asList(s.NotAction).join(', ')}]`);
      for (const action of asList(s.Action)) if (!TEMPLATE_ACTIONS.has(action.toLowerCase())) found.push(action);
      for (const action of found) {
        const key = `${policy.label}\u0000${action}`;
        if (seen.has(key)) continue;
        seen.add(key);
        extra.push({ policy: policy.label, action });
      }
    }
  }
  return extra;
}

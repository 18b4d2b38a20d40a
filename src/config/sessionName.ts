/**
 * RoleSessionName (and SourceIdentity) must match STS's [\w+=,.@-]{2,64}. Names are built from a
 * template such as "{user}-{dir}", whose values come from the machine and may hold anything.
 */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
export const PLACEHOLDERS = ['user', 'dir', 'label', 'host'] as const;
export type SessionNameValues = Partial<Record<(typeof PLACEHOLDERS)[number], string>>;
export const DEFAULT_SESSION_NAME = '{user}-{dir}';

/**
 * Always returns a valid name, and is idempotent: each disallowed character becomes `-`, runs of
 * `-` shrink to one, `-` is trimmed from both ends, the result is cut to 64 characters, and a name
 * too short is padded with "awsdir".
 */
export function sanitizeSessionName(text: string): string {
  let name = Array.from(text, (ch) => (/^[\w+=,.@-]$/.test(ch) ? ch : '-')).join('');
  name = trimDashes(name.replace(/-{2,}/g, '-'));
  if (name.length > 64) name = trimDashes(name.slice(0, 64));
  if (name.length === 0) return 'awsdir';
  if (name.length === 1) return `${name}-awsdir`;
  return name;
}

function trimDashes(text: string): string {
  return text.replace(/^-+/, '').replace(/-+$/, '');
}

/** Problems with a template itself (not its values), for the config validator to report. */
export function templateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '').find((n) => !(PLACEHOLDERS as readonly string[]).includes(n));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}`;
  const literal = template.replace(/\{(?:user|dir|label|host)\}/g, '');
  if (/[{}]/.test(literal)) return 'an unmatched { or }';
  const bad = Array.from(literal).find((ch) => !/^[\w+=,.@-]$/.test(ch));
  if (bad !== undefined) return `the character ${JSON.stringify(bad)} is not allowed in a session name`;
  if (literal.length > 64) return 'the fixed text alone is longer than 64 characters';
  if (literal.length < 2 && literal.length === template.length) return 'shorter than 2 characters';
  return undefined;
}

/** Fills the template and sanitises the result; values never break the name, whatever they hold. */
export function expandSessionName(template: string, values: SessionNameValues): string {
  const problem = templateProblem(template);
  if (problem) throw new Error(`session name template ${JSON.stringify(template)}: ${problem}`);
  const expanded = template.replace(/\{(user|dir|label|host)\}/g, (_, key: keyof SessionNameValues) => {
    const value = Array.from(values[key] ?? '', (ch) => (/^[\w+=,.@-]$/.test(ch) ? ch : '-')).join('');
    return value === '' ? key : value;
  });
  return sanitizeSessionName(expanded);
}

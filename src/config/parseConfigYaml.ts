import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../core/errors';
import { editDistance } from './editDistance';
import { describeRegion } from './regions';
import { ALLOWED, PROJECT_KEYS, projectSchema, SOURCE_KEYS, SSO_KEYS, USER_KEYS, userSchema, type ProjectFileData, type UserFileData } from './schema';

/**
 * The slow path: YAML text -> validated data, with every error as
 * `FILE:LINE:COL: key 'x': what was wrong; allowed: what is allowed`.
 * Only required (never imported) by the modules on the cache-hit path, so `yaml` and `zod/mini`
 * are loaded only when a file has changed.
 */
export type Kind = 'project' | 'user';
export type Path = ReadonlyArray<string | number>;

export interface ParsedConfig<T> {
  file: string;
  data: T;
  /** `FILE:LINE:COL` of a key (or of its value), for errors found after parsing. */
  where(path: Path, part?: 'key' | 'value'): string;
  /** What is accepted as written but worth a look (a region newer than awsdir), located like errors. */
  warnings: string[];
}

const ACCESS_KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}/;
const SECRET_KEY = /secret|password|passwd|passphrase|session_?token|security_?token|credential|private_?key|access_?key|token_?code/;
const COMMAND_KEY = /(?:^|_)(?:process|command|cmd|exec|script|hook|shell|run)(?:_|$)/;
const USER_FILE_NOT_SECRET = new Set(['access_key_id', 'credentials_profile']);

export function parseProjectYaml(file: string, text: string, userFile: string): ParsedConfig<ProjectFileData> {
  return parseConfigYaml(file, text, 'project', userFile) as ParsedConfig<ProjectFileData>;
}

export function parseUserYaml(file: string, text: string): ParsedConfig<UserFileData> {
  return parseConfigYaml(file, text, 'user', file) as ParsedConfig<UserFileData>;
}

function parseConfigYaml(file: string, text: string, kind: Kind, userFile: string): ParsedConfig<unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const where = (path: Path, part: 'key' | 'value' = 'value'): string => at(offsetOf(doc, path, part));

  const syntax = doc.errors[0];
  if (syntax) {
    const what = syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    throw new ConfigError(`${at(syntax.pos[0])}: invalid YAML: ${what}; allowed: YAML such as \`region: eu-west-1\`, one key per line`);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    if (kind === 'user') return { file, data: {}, where, warnings: [] };
    throw new ConfigError(`${file}:1:1: the file is empty; allowed: a mapping with at least \`role:\` and \`region:\` (or \`profile:\`), see \`awsdir init\``);
  }
  if (!isMap(doc.contents)) {
    throw new ConfigError(`${at(doc.contents.range?.[0] ?? 0)}: the file must be a mapping of keys to values; allowed: lines such as \`region: eu-west-1\``);
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  scanForSecrets(doc.contents, [], kind, userFile, at, problems);
  if (problems.length === 0) {
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // The value, not only its shape: a region is one AWS has (or a newer one), not a typo of one.
    const regionPaths = kind === 'project' ? [['region']] : [['sts_region'], ...sourceNames(value).map((name) => ['sources', name, 'sso_region'])];
    for (const path of regionPaths) {
      const region = valueAt(value, path);
      if (typeof region !== 'string') continue;
      const key = path[path.length - 1]!;
      const { problem, warning } = describeRegion(region);
      if (problem) problems.push(`${where(path)}: key '${key}': ${problem}`);
      if (warning) warnings.push(`${where(path)}: key '${key}': ${warning}`);
    }
    const result = (kind === 'project' ? projectSchema : userSchema).safeParse(value);
    if (result.success && problems.length === 0) return { file, data: result.data, where, warnings };
    for (const issue of result.success ? [] : result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(unknownKey(where([...path, key], 'key'), key, path, kind));
        continue;
      }
      const key = String(path[path.length - 1] ?? '');
      const got = describe(valueAt(value, path));
      problems.push(
        `${where(path)}: key '${key}': ${issue.message}${got}; allowed: ${ALLOWED[path.join('.')] ?? ALLOWED[key] ?? 'see the configuration reference'}`,
      );
    }
  }
  // Report in reading order: the schema lists unknown keys last, wherever they are.
  const position = (text: string): number => {
    const m = /^.*?:(\d+):(\d+): /.exec(text);
    return m ? Number(m[1]) * 1e6 + Number(m[2]) : 0;
  };
  problems.sort((a, b) => position(a) - position(b));
  const [first, ...rest] = problems;
  throw new ConfigError(`${first ?? `${file}: invalid`}${rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''} in this file)` : ''}`);
}

/** The names under `sources:` of a user file, when it is a mapping. */
function sourceNames(value: unknown): string[] {
  const sources = valueAt(value, ['sources']);
  return sources && typeof sources === 'object' && !Array.isArray(sources) ? Object.keys(sources) : [];
}

/**
 * Runs before the schema, so a secret is refused as a secret even under an unknown key, and a
 * command under a key the schema does not know is refused for what it is.
 */
function scanForSecrets(node: unknown, path: string[], kind: Kind, userFile: string, at: (offset: number) => string, problems: string[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? 0;
      const normal = key
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toLowerCase()
        .replace(/[\s-]+/g, '_');
      const sourceKey = kind === 'user' && path[0] === 'sources' && path.length === 2;
      if (SECRET_KEY.test(normal) && !(sourceKey && USER_FILE_NOT_SECRET.has(normal))) {
        problems.push(`${at(keyOffset)}: key '${key}': looks like a secret; ${secretReason(kind)}`);
        continue;
      }
      if (kind === 'project' && (normal === 'mfa_process' || COMMAND_KEY.test(normal))) {
        problems.push(
          `${at(keyOffset)}: key '${key}': would make awsdir run a command; nothing in a project file can run a command, because anyone who can commit to the repository could then run code on your machine; allowed: ${normal === 'mfa_process' ? `mfa_process under sources in your own user file ${userFile}` : 'only the keys of the configuration reference'}`,
        );
        continue;
      }
      if (isScalar(pair.key) && typeof pair.key.value === 'string' && ACCESS_KEY_ID.test(pair.key.value)) {
        problems.push(`${at(keyOffset)}: key '${key}': is shaped like an access key id; ${secretReason(kind)}`);
        continue;
      }
      scanForSecrets(pair.value, [...path, key], kind, userFile, at, problems);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => scanForSecrets(item, [...path, String(i)], kind, userFile, at, problems));
  } else if (isScalar(node) && typeof node.value === 'string' && ACCESS_KEY_ID.test(node.value)) {
    const key = path[path.length - 1] ?? '';
    const allowedHere = kind === 'user' && path[0] === 'sources' && path.length === 3 && key === 'access_key_id';
    if (!allowedHere) problems.push(`${at(node.range?.[0] ?? 0)}: key '${key}': the value is shaped like an access key id; ${secretReason(kind)}`);
  }
}

function secretReason(kind: Kind): string {
  return kind === 'project'
    ? 'secrets never belong in a project file: it is committed and shared, and whoever can read the repository could use them; allowed: keys only in the OS keychain, stored with `awsdir add`'
    : 'secrets never belong in a plain text file; allowed: keys only in the OS keychain, stored with `awsdir add` (the user file keeps only the access key id)';
}

function unknownKey(location: string, key: string, path: Path, kind: Kind): string {
  const known = kind === 'project' ? (path[0] === 'sso' ? SSO_KEYS : PROJECT_KEYS) : path[0] === 'sources' ? SOURCE_KEYS : USER_KEYS;
  const guess = suggest(key, known);
  return `${location}: key '${key}': unknown key${guess ? ` (did you mean '${guess}'?)` : ''}; allowed: ${known.join(', ')}`;
}

const ALIASES: Record<string, string> = {
  role_arn: 'role',
  account_id: 'account',
  duration_seconds: 'duration',
  region_name: 'region',
  session: 'session_name',
  role_session_name: 'session_name',
  source_profile: 'source',
  sessions_duration: 'session_duration',
};

/** A close known key: an AWS CLI spelling, camelCase, or a typo of at most a third of the word (a swap of two letters counts as one). */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const normal = key
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const alias = ALIASES[normal];
  if (alias && known.includes(alias)) return alias;
  if (known.includes(normal) && normal !== key) return normal;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(normal, candidate);
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function offsetOf(doc: Document, path: Path, part: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      const last = i === path.length - 1;
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? offset;
      const valueNode = pair.value as Node | null;
      if (last && (part === 'key' || !valueNode?.range)) return keyOffset;
      offset = valueNode?.range?.[0] ?? keyOffset;
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      offset = item?.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
  return current;
}

function describe(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return ' (got an empty value)';
  if (typeof value === 'object') return Array.isArray(value) ? ' (got a list)' : ' (got a mapping)';
  if (typeof value === 'string') return ` (got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean') return ` (got ${typeof value} ${value})`;
  return ` (got ${typeof value})`;
}

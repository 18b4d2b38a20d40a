/**
 * The one reader of the shared AWS files, ~/.aws/config and ~/.aws/credentials (or the files
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name), with the rules the AWS CLI and SDKs agree
 * on. A section name is taken whole: profile names may contain dots (`[profile acme.dev]`), which
 * general INI readers turn into nested sections. Values are the text as written, never coerced.
 */
import type { Env } from '../core/context';
import { awsConfigFile, awsCredentialsFile } from './paths';
import { readRegularFile } from './readConfigFile';

/** Generated configs (one profile per account and role) grow large; far above any written by hand. */
const MAX_AWS_FILE_BYTES = 4 * 1024 * 1024;

export interface AwsFileSection {
  /** The header as written, trimmed: `profile acme.dev`, `acme.dev`, `sso-session corp`. */
  header: string;
  /** The line of its first header (1-based); a section written twice is one section. */
  line: number;
  /** Keys lower-cased, as the AWS CLI reads them; the last value of a key wins. */
  values: Record<string, string>;
  /** The line of each key's value, for messages. */
  lines: Record<string, number>;
  /** The column (1-based) where each key's value starts on its line. */
  columns: Record<string, number>;
  /** Sub-settings: `s3 =` followed by indented `key = value` lines. */
  nested: Record<string, Record<string, string>>;
}

export interface AwsConfigFile {
  file: string;
  exists: boolean;
  /** `[default]` and `[profile NAME]`, by NAME. */
  profiles: Map<string, AwsFileSection>;
  /** `[sso-session NAME]`, by NAME. */
  ssoSessions: Map<string, AwsFileSection>;
  /** `[services NAME]`, by NAME. */
  services: Map<string, AwsFileSection>;
}

export interface AwsCredentialsFile {
  file: string;
  exists: boolean;
  /** `[NAME]`, by NAME: the credentials file has no `profile ` prefix. */
  profiles: Map<string, AwsFileSection>;
}

/** `# …` and `; …` at the start of a line or after whitespace, as the AWS SDKs strip them. */
const COMMENT = /(^|\s)[#;].*/;

/** The name inside a section header line, or undefined when the line is not one. */
export function sectionHeader(line: string): string | undefined {
  const text = line.replace(COMMENT, '').trim();
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1).trim() : undefined;
}

/** Every section of the text by its header, in the order they first appear. */
function emptyMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function parseSections(text: string): Map<string, AwsFileSection> {
  const sections = new Map<string, AwsFileSection>();
  let current: AwsFileSection | undefined;
  let subsection: string | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const header = sectionHeader(raw);
    if (header !== undefined) {
      current = sections.get(header);
      if (!current) {
        // Prototype-free maps: a key named `__proto__` or `constructor` in the file is just a key.
        current = { header, line: i + 1, values: emptyMap(), lines: emptyMap(), columns: emptyMap(), nested: emptyMap() };
        sections.set(header, current);
      }
      subsection = undefined;
      continue;
    }
    const text = raw.replace(COMMENT, '').trim();
    const eq = text.indexOf('=');
    // Lines before the first section, and lines that are no `key = value`, mean nothing to the AWS CLI either.
    if (!current || eq <= 0) continue;
    const key = text.slice(0, eq).trim().toLowerCase();
    const value = text.slice(eq + 1).trim();
    const indented = /^\s/.test(raw);
    if (subsection !== undefined && indented) {
      (current.nested[subsection] ??= Object.create(null) as Record<string, string>)[key] = value;
      continue;
    }
    subsection = value === '' ? key : undefined;
    current.values[key] = value;
    current.lines[key] = i + 1;
    const afterEq = raw.indexOf('=') + 1;
    current.columns[key] = afterEq + (raw.slice(afterEq).length - raw.slice(afterEq).trimStart().length) + 1;
  }
  return sections;
}

/** `profile NAME` -> NAME for the given prefix; quotes around NAME are allowed, as the SDKs allow them. */
function prefixed(header: string, prefix: string): string | undefined {
  const m = new RegExp(`^${prefix}\\s+(.+)$`).exec(header);
  if (!m) return undefined;
  const name = m[1]!.trim();
  const quoted = /^(["'])(.+)\1$/.exec(name);
  return quoted ? quoted[2] : name;
}

export function parseAwsConfig(text: string, file: string): AwsConfigFile {
  const config: AwsConfigFile = { file, exists: true, profiles: new Map(), ssoSessions: new Map(), services: new Map() };
  let bareDefault: AwsFileSection | undefined;
  for (const [header, section] of parseSections(text)) {
    if (header === 'default') {
      bareDefault = section;
      continue;
    }
    const profile = prefixed(header, 'profile');
    if (profile !== undefined) config.profiles.set(profile, section);
    const session = prefixed(header, 'sso-session');
    if (session !== undefined) config.ssoSessions.set(session, section);
    const services = prefixed(header, 'services');
    if (services !== undefined) config.services.set(services, section);
    // Any other section ([plugins], [preview], a bare [acme.dev]) is no profile of the config file.
  }
  // `[profile default]` is the explicit spelling of `[default]`; when a file has both, it wins.
  if (bareDefault && !config.profiles.has('default')) config.profiles.set('default', bareDefault);
  return config;
}

export function parseAwsCredentials(text: string, file: string): AwsCredentialsFile {
  return { file, exists: true, profiles: parseSections(text) };
}

/**
 * The text of a file, or undefined when it does not exist. Read without waiting: a FIFO named by
 * AWS_CONFIG_FILE must be refused, not block before any check. Other failures are ConfigErrors.
 */
function readIfPresent(file: string): string | undefined {
  try {
    return readRegularFile(file, MAX_AWS_FILE_BYTES).toString('utf8');
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The config file (AWS_CONFIG_FILE, else ~/.aws/config); an absent file has no sections. */
export function readAwsConfig(env: Env): AwsConfigFile {
  const file = awsConfigFile(env);
  const text = readIfPresent(file);
  return text === undefined ? { file, exists: false, profiles: new Map(), ssoSessions: new Map(), services: new Map() } : parseAwsConfig(text, file);
}

/** The credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials); an absent file has no sections. */
export function readAwsCredentials(env: Env): AwsCredentialsFile {
  const file = awsCredentialsFile(env);
  const text = readIfPresent(file);
  return text === undefined ? { file, exists: false, profiles: new Map() } : parseAwsCredentials(text, file);
}

/** A value that is present and not empty. */
export function valueOf(section: AwsFileSection | undefined, key: string): string | undefined {
  const value = section?.values[key];
  return value === undefined || value === '' ? undefined : value;
}

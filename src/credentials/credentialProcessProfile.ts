/**
 * `use aws --credential-process`: instead of keys that go stale in the shell, a generated AWS
 * config file whose profile runs `awsdir credential-process`, so the AWS CLI and SDKs fetch fresh
 * credentials whenever theirs run out. The file keeps the person's own profiles (there is no
 * include in the AWS config format) and adds one for the directory.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { Context, Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { awsConfigFile, homeDir, stateDir } from '../config/paths';
import { writeFileAtomic } from '../core/writeFileAtomic';

/** The project fields this module needs (a subset of ResolvedProject). */
export interface CredentialProcessProject {
  dir: string;
  projectFile: string;
  region: string;
  label: string;
  account: string;
  confirm: boolean;
}

export const generatedConfigDir = (env: Env): string => join(stateDir(env), 'aws-config');

/**
 * POSIX single quotes: the AWS CLI splits credential_process with shlex (POSIX rules) and the JS
 * SDK v3 hands it to /bin/sh, and both read '…' with '\'' for a quote the same way.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `awsdir-<label>` when the label makes a readable profile name, else `awsdir-<hash of the dir>`. */
export function profileNameFor(project: Pick<CredentialProcessProject, 'label' | 'dir'>): string {
  const slug = project.label
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `awsdir-${slug || shortHash(project.dir, 8)}`;
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export function credentialProcessCommand(self: Context['self'], dir: string): string {
  for (const part of [self.node, self.script, dir]) {
    // An INI value ends at the line; nothing can quote a line break inside it.
    if (/[\r\n\0]/.test(part)) {
      throw new AwsdirError(
        `credential_process: the path ${JSON.stringify(part)} holds a line break, which an AWS config file cannot carry; move it to a path without one`,
      );
    }
  }
  return [self.node, self.script, 'credential-process', '--dir', dir].map(shellQuote).join(' ');
}

const SECRET_KEY_LINE = /^\s*(aws_secret_access_key|aws_session_token|aws_security_token)\s*=/i;

/**
 * The person's config with any section of the same profile name removed, and without inline
 * secrets (awsdir writes no secret to a plaintext file; keys belong in ~/.aws/credentials),
 * followed by the directory's profile.
 */
export function renderAwsConfig(
  original: string,
  profile: string,
  values: { credentialProcess: string; region: string },
): { text: string; droppedSecretsFrom: string[] } {
  const out: string[] = [];
  const dropped = new Set<string>();
  let section = '';
  let skipping = false;
  for (const line of original.split(/\r?\n/)) {
    const header = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      skipping = section.replace(/^profile\s+/, '') === profile;
    }
    if (skipping) continue;
    if (SECRET_KEY_LINE.test(line)) {
      dropped.add(section || '(top)');
      continue;
    }
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
  const own = [
    '# Added by awsdir for this directory; everything above is a copy of your own AWS config.',
    `[profile ${profile}]`,
    `credential_process = ${values.credentialProcess}`,
    `region = ${values.region}`,
    '',
  ];
  return { text: [...out, ...(out.length ? [''] : []), ...own].join('\n'), droppedSecretsFrom: [...dropped] };
}

/** The config file to copy: the person's own, never a file awsdir generated for another directory. */
export function originalAwsConfigFile(env: Env): string {
  const configured = awsConfigFile(env);
  const rel = relative(generatedConfigDir(env), configured);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return join(homeDir(env), '.aws', 'config');
  return configured;
}

export interface CredentialProcessExports {
  set: Record<string, string>;
  unset: string[];
  /** Files whose change should regenerate the profile (the person's AWS config). */
  watch: string[];
  configFile: string;
  profile: string;
}

/**
 * Writes the generated config for a project and returns the environment of credential-process
 * mode: AWS_CONFIG_FILE and AWS_PROFILE instead of keys (which are unset, so the profile is what
 * the CLI and SDKs use). The export command calls this for `--credential-process`.
 */
export function credentialProcessExports(
  deps: { env: Env; self: Context['self']; reporter?: Reporter },
  project: CredentialProcessProject,
  options: { assumedRoleArn?: string } = {},
): CredentialProcessExports {
  const source = originalAwsConfigFile(deps.env);
  let original = '';
  try {
    original = readFileSync(source, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AwsdirError(
        `AWS config ${source}: cannot read it (${(error as NodeJS.ErrnoException).code}); fix its permissions or point AWS_CONFIG_FILE elsewhere`,
        { cause: error },
      );
    }
  }
  const profile = profileNameFor(project);
  const rendered = renderAwsConfig(original, profile, {
    credentialProcess: credentialProcessCommand(deps.self, project.dir),
    region: project.region,
  });
  for (const section of rendered.droppedSecretsFrom) {
    deps.reporter?.warn(`[${section}] of ${source} holds keys inline; they are left out of awsdir's generated copy, move them to ~/.aws/credentials`);
  }
  const configFile = join(generatedConfigDir(deps.env), `config-${shortHash(project.dir, 16)}`);
  writeAtomic(configFile, rendered.text);

  const set: Record<string, string> = {
    AWS_CONFIG_FILE: configFile,
    AWS_PROFILE: profile,
    // The JS SDK v2 reads credential_process from the config file only with this set.
    AWS_SDK_LOAD_CONFIG: '1',
    AWS_REGION: project.region,
    AWS_DEFAULT_REGION: project.region,
    AWSDIR_LABEL: project.label,
    AWSDIR_ACCOUNT: project.account,
    AWSDIR_CONFIG: project.projectFile,
  };
  if (options.assumedRoleArn) set.AWSDIR_ROLE_ARN = options.assumedRoleArn;
  if (project.confirm) set.AWSDIR_CONFIRM = '1';
  const unset = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_CREDENTIAL_EXPIRATION',
    'AWS_DEFAULT_PROFILE',
    // Credentials never go stale in this mode, so there is no expiry for the prompt to show.
    'AWSDIR_EXPIRES',
    ...(options.assumedRoleArn ? [] : ['AWSDIR_ROLE_ARN']),
    ...(project.confirm ? [] : ['AWSDIR_CONFIRM']),
  ];
  return { set, unset, watch: [source], configFile, profile };
}

function writeAtomic(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    chmodSync(dirname(file), 0o700);
    writeFileAtomic(file, text);
  } catch (error) {
    throw new AwsdirError(
      `generated AWS config ${file}: cannot write it (${(error as NodeJS.ErrnoException).code}); check the permissions of ${dirname(file)}`,
      { cause: error },
    );
  }
}

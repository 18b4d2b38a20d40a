import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { readConfigCache } from './configCache';
import { findProjectFile } from './findProjectFile';
import { awsConfigFile, awsCredentialsFile } from './paths';
import type { ResolvedProject, UserConfig } from './types';

export interface ResolveDeps {
  env: Env;
  userConfig: UserConfig;
  /** The login name, for the `{user}` of session names. */
  user: string;
  host?: string;
}

/**
 * What a directory selects: the nearest .awsdir.yaml merged with its `extends` chain, an
 * ~/.aws/config profile it names, and the person's user file. Validation only; the approval check
 * is a separate step (approval.ts). A cache hit costs a few stat calls and loads neither yaml nor zod.
 */
export async function resolveProject(dir: string, deps: ResolveDeps): Promise<ResolvedProject> {
  const projectFile = findProjectFile(dir);
  if (!projectFile) throw new AwsdirError(`no .awsdir.yaml in ${dir} or any parent; create one with \`awsdir init\``);
  const key = cacheKey(projectFile, deps);
  const cached = readConfigCache<ResolvedProject>(deps.env, 'project', key);
  if (cached) return cached;
  const { resolveProjectFile } = require('./resolveProjectFile') as typeof import('./resolveProjectFile');
  return resolveProjectFile(projectFile, deps, key);
}

/**
 * A directory's project as every command resolves it, with the login name as `{user}` and the
 * short host name as `{host}`: a command that filled them otherwise would compute another session
 * name, and so miss the cached session (and the config-cache entry) of the others.
 */
export function resolveDirectoryProject(dir: string, env: Env, userConfig: UserConfig): Promise<ResolvedProject> {
  return resolveProject(dir, { env, userConfig, user: loginName(env), host: shortHostName() });
}

export function cacheKey(projectFile: string, deps: ResolveDeps): string {
  // The user config arrives already parsed; its digest ties the result to the exact sources used.
  const user = createHash('sha256').update(JSON.stringify(deps.userConfig)).digest('hex');
  return JSON.stringify([projectFile, deps.user, deps.host ?? '', user, awsConfigFile(deps.env), awsCredentialsFile(deps.env)]);
}

/** The `{user}` of session names: the login name, as the shell knows it. */
export function loginName(env: Env): string {
  const name = env.USER || env.LOGNAME;
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return 'user';
  }
}

/** The `{host}` of session names: the short host name. */
export function shortHostName(): string {
  return hostname().split('.')[0] ?? '';
}

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../core/context';
import { stateDir } from './paths';
import { writeFileAtomic } from '../core/writeFileAtomic';

declare const AWSDIR_VERSION: string | undefined;

/**
 * The resolved-config cache: parsing YAML and validating it on every `cd` is avoidable. A result
 * is reused only while every file it was computed from has the same size, inode, mtime and ctime
 * (nanoseconds; ctime cannot be set back by hand), so any edit, replacement or touch invalidates
 * it. Nothing here is secret. Set AWSDIR_CONFIG_CACHE=0 to bypass it.
 */
const FORMAT = `1:${typeof AWSDIR_VERSION !== 'undefined' ? AWSDIR_VERSION : 'dev'}`;

export type Fingerprint = string;

export function fingerprint(path: string): Fingerprint {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!stat) return 'missing';
  return `${stat.size}:${stat.ino}:${stat.dev}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

export const configCacheDir = (env: Env): string => join(stateDir(env), 'cache');

function entryFile(env: Env, kind: string, key: string): string {
  return join(configCacheDir(env), `${kind}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

interface Entry<T> {
  format: string;
  key: string;
  inputs: Record<string, Fingerprint>;
  value: T;
}

export function readConfigCache<T>(env: Env, kind: string, key: string): T | undefined {
  if (env.AWSDIR_CONFIG_CACHE === '0') return undefined;
  let entry: Entry<T>;
  try {
    entry = JSON.parse(readFileSync(entryFile(env, kind, key), 'utf8')) as Entry<T>;
  } catch {
    return undefined; // missing or torn: recompute
  }
  if (entry?.format !== FORMAT || entry.key !== key || typeof entry.inputs !== 'object' || entry.inputs === null) return undefined;
  for (const [path, print] of Object.entries(entry.inputs)) if (fingerprint(path) !== print) return undefined;
  return entry.value;
}

/** `inputs` must be fingerprinted BEFORE the files were read, so a change during the read is a miss later. */
export function writeConfigCache<T>(env: Env, kind: string, key: string, inputs: Record<string, Fingerprint>, value: T): void {
  if (env.AWSDIR_CONFIG_CACHE === '0') return;
  try {
    writeFileAtomic(entryFile(env, kind, key), JSON.stringify({ format: FORMAT, key, inputs, value } satisfies Entry<T>));
  } catch {
    // A cache that cannot be written only costs time on the next run.
  }
}

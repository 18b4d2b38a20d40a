import type { Env } from '../core/context';
import { ConfigError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { endpointOverride } from '../aws/endpoints';
import { explainAwsError, type AwsErrorContext } from '../aws/errors';
import type { Fetcher } from './fetcher';
import type { SessionOwner } from './sessionStore';
import type { SourceLike } from './sourceCredentials';

/** The part of a resolved project the chain needs. */
export interface ChainProject extends SessionOwner {
  projectFile: string;
  role: { arn: string; account: string; partition: string };
  account: string;
  source: SourceLike & { mfaSerial?: string; mfaProcess?: string; sessionDurationSeconds: number };
}

/** What every provider is given. */
export interface ProviderDeps {
  env: Env;
  reporter: Reporter;
  now: () => number;
  stsRegion: string;
  fetch: Fetcher;
}

export function stsEndpoint(env: Env, region: string): string {
  return endpointOverride(env, 'sts')?.url ?? `https://sts.${region}.amazonaws.com`;
}

export function requireSerial(project: ChainProject): string {
  if (project.mfaSerial) return project.mfaSerial;
  throw new ConfigError(
    `source '${project.sourceName}' has no mfa_serial, and ${project.projectFile} asks for MFA; run \`awsdir add ${project.sourceName}\` to find the device, set mfa_serial for the source in the user file, or set \`mfa: false\` for a role that does not require MFA`,
  );
}

/** Runs an AWS call, its failure in plain words. */
export async function call<T>(fn: () => Promise<T>, context: AwsErrorContext): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw explainAwsError(error, context);
  }
}

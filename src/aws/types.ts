import type { Env } from '../core/context';

/** Credentials as awsdir handles them; plain data, no SDK types, so the hit path can use them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface ClientOptions {
  credentials: AwsCredentials;
  region: string;
  /** For AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM (aws/endpoints.ts). */
  env: Env;
  timeoutMs?: number;
  maxAttempts?: number;
}

/** What awsdir asks of GetSessionToken: an MFA session, with a code when the source has a device. */
export interface SessionTokenInput {
  durationSeconds: number;
  serialNumber?: string;
  tokenCode?: string;
}

/** What awsdir asks of AssumeRole. */
export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  serialNumber?: string;
  tokenCode?: string;
  externalId?: string;
  sourceIdentity?: string;
}

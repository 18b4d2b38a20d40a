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

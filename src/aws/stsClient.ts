/**
 * The STS client of a role session (GetSessionToken, AssumeRole) and of the commands that check keys
 * (GetCallerIdentity, GetAccessKeyInfo), and nothing else of the AWS SDK: it is the SDK part of the
 * chunk a role session's cache miss loads (dist/sts.cjs, through loadSts.ts), which has to be small.
 * The full SDK chunk (dist/aws.cjs) re-exports it.
 */
import { AssumeRoleCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { baseConfig } from './clientConfig';
import type { AssumeRoleInput, ClientOptions, IssuedCredentials, SessionTokenInput } from './types';

function issued(c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined): IssuedCredentials {
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw Object.assign(new Error('STS answered without complete credentials'), { name: 'IncompleteCredentials' });
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

/**
 * The body of an answer, which Node's HTTP handler hands over as a stream. The SDK's own collector
 * first asks whether it is a web ReadableStream, and the first mention of that global makes Node
 * load its web streams: milliseconds of every cold `cd`, for a stream that never is one here.
 */
function collectBody(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    stream.on('error', reject);
  });
}

export function createSts(options: ClientOptions) {
  const client = new STSClient({ ...baseConfig(options, 'sts'), streamCollector: collectBody as (stream: unknown) => Promise<Uint8Array> });
  return {
    async getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }> {
      const out = await client.send(new GetCallerIdentityCommand({}));
      return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
    },
    async getAccessKeyInfo(accessKeyId: string): Promise<{ account: string }> {
      const out = await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId }));
      return { account: out.Account ?? '' };
    },
    async getSessionToken(input: SessionTokenInput): Promise<IssuedCredentials> {
      const out = await client.send(
        new GetSessionTokenCommand({
          DurationSeconds: input.durationSeconds,
          ...(input.serialNumber ? { SerialNumber: input.serialNumber } : {}),
          ...(input.tokenCode ? { TokenCode: input.tokenCode } : {}),
        }),
      );
      return issued(out.Credentials);
    },
    async assumeRole(input: AssumeRoleInput): Promise<IssuedCredentials & { assumedRoleArn: string }> {
      const out = await client.send(
        new AssumeRoleCommand({
          RoleArn: input.roleArn,
          RoleSessionName: input.roleSessionName,
          DurationSeconds: input.durationSeconds,
          ...(input.serialNumber ? { SerialNumber: input.serialNumber } : {}),
          ...(input.tokenCode ? { TokenCode: input.tokenCode } : {}),
          ...(input.externalId ? { ExternalId: input.externalId } : {}),
          ...(input.sourceIdentity ? { SourceIdentity: input.sourceIdentity } : {}),
        }),
      );
      return { ...issued(out.Credentials), assumedRoleArn: out.AssumedRoleUser?.Arn ?? '' };
    },
    destroy: () => client.destroy(),
  };
}

export type StsApi = ReturnType<typeof createSts>;

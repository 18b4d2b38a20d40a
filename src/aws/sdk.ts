/**
 * The AWS SDK clients of every command but a role session's STS calls (stsClient.ts has those). It
 * is bundled into its own chunk (dist/aws.cjs) and loaded through loadAwsSdk.ts when a command
 * needs it, so neither the cache-hit path nor a role session's cache miss parses it.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListUserPoliciesCommand,
  UpdateAccessKeyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
} from '@aws-sdk/client-iam';
import { baseConfig } from './clientConfig';
import type { AwsCredentials, ClientOptions } from './types';
import type { SsoClientOptions, SsoOidcApi, SsoPortalApi } from './sso';

export type { AwsCredentials, ClientOptions, IssuedCredentials } from './types';
export type { SsoAccount, SsoClientOptions, SsoDeviceAuthorization, SsoOidcApi, SsoPortalApi, SsoRegistration, SsoTokenGrant } from './sso';
// Also in the STS-only chunk (dist/sts.cjs), which a role session's cache miss loads instead of this one.
export { createSts, type StsApi } from './stsClient';

// Required when first used: bundled into this chunk, the SSO clients' modules are then evaluated
// only by commands that sign in, so an STS cache miss does not pay for them.
export const createSsoOidc = (options: SsoClientOptions): SsoOidcApi => (require('./sso') as typeof import('./sso')).createSsoOidc(options);
export const createSsoPortal = (options: SsoClientOptions): SsoPortalApi => (require('./sso') as typeof import('./sso')).createSsoPortal(options);

export function createIam(options: ClientOptions) {
  // IAM is global; its endpoint lives in us-east-1 whatever the directory's region.
  const client = new IAMClient(baseConfig({ ...options, region: 'us-east-1' }, 'iam'));
  return {
    client,
    async getUser(userName?: string) {
      const out = await client.send(new GetUserCommand(userName ? { UserName: userName } : {}));
      return out.User;
    },
    async listMfaDevices(userName?: string) {
      const out = await client.send(new ListMFADevicesCommand(userName ? { UserName: userName } : {}));
      return (out.MFADevices ?? []).map((d) => ({ serialNumber: d.SerialNumber ?? '', enableDate: d.EnableDate }));
    },
    async listAccountAliases(): Promise<string[]> {
      const out = await client.send(new ListAccountAliasesCommand({}));
      return out.AccountAliases ?? [];
    },
    async listAccessKeys(userName?: string) {
      const out = await client.send(new ListAccessKeysCommand(userName ? { UserName: userName } : {}));
      return (out.AccessKeyMetadata ?? []).map((k) => ({
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? '',
        createDate: k.CreateDate,
      }));
    },
    async getAccessKeyLastUsed(accessKeyId: string) {
      const out = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
      return { userName: out.UserName, lastUsedDate: out.AccessKeyLastUsed?.LastUsedDate };
    },
    async createAccessKey(userName?: string): Promise<AwsCredentials> {
      const out = await client.send(new CreateAccessKeyCommand(userName ? { UserName: userName } : {}));
      if (!out.AccessKey?.AccessKeyId || !out.AccessKey.SecretAccessKey) throw new Error('IAM answered without a key');
      return { accessKeyId: out.AccessKey.AccessKeyId, secretAccessKey: out.AccessKey.SecretAccessKey };
    },
    async deleteAccessKey(accessKeyId: string, userName?: string): Promise<void> {
      await client.send(new DeleteAccessKeyCommand({ AccessKeyId: accessKeyId, ...(userName ? { UserName: userName } : {}) }));
    },
    async updateAccessKey(accessKeyId: string, status: 'Active' | 'Inactive', userName?: string): Promise<void> {
      await client.send(new UpdateAccessKeyCommand({ AccessKeyId: accessKeyId, Status: status, ...(userName ? { UserName: userName } : {}) }));
    },
    async listAttachedUserPolicies(userName: string) {
      const out = await client.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
      return (out.AttachedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' }));
    },
    async listUserPolicies(userName: string): Promise<string[]> {
      const out = await client.send(new ListUserPoliciesCommand({ UserName: userName }));
      return out.PolicyNames ?? [];
    },
    destroy: () => client.destroy(),
  };
}

export type IamApi = ReturnType<typeof createIam>;

/** Policy documents come URL-encoded from IAM (RFC 3986), as the IAM API reference says. */
function policyDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  return JSON.parse(decodeURIComponent(text));
}

/**
 * The IAM reads `awsdir doctor` needs to tell what a user is granted: its managed and inline
 * policies, and those of its groups, with their documents.
 */
export function createIamPolicyReader(options: ClientOptions) {
  const client = new IAMClient(baseConfig({ ...options, region: 'us-east-1' }, 'iam'));
  return {
    async listGroupsForUser(userName: string): Promise<string[]> {
      const out = await client.send(new ListGroupsForUserCommand({ UserName: userName }));
      return (out.Groups ?? []).map((g) => g.GroupName ?? '');
    },
    async listAttachedGroupPolicies(groupName: string) {
      const out = await client.send(new ListAttachedGroupPoliciesCommand({ GroupName: groupName }));
      return (out.AttachedPolicies ?? []).map((p) => ({ name: p.PolicyName ?? '', arn: p.PolicyArn ?? '' }));
    },
    async listGroupPolicies(groupName: string): Promise<string[]> {
      const out = await client.send(new ListGroupPoliciesCommand({ GroupName: groupName }));
      return out.PolicyNames ?? [];
    },
    async getUserPolicy(userName: string, policyName: string): Promise<unknown> {
      const out = await client.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName }));
      return policyDocument(out.PolicyDocument);
    },
    async getGroupPolicy(groupName: string, policyName: string): Promise<unknown> {
      const out = await client.send(new GetGroupPolicyCommand({ GroupName: groupName, PolicyName: policyName }));
      return policyDocument(out.PolicyDocument);
    },
    /** The default version's document of a managed policy. */
    async getManagedPolicyDocument(policyArn: string): Promise<unknown> {
      const policy = await client.send(new GetPolicyCommand({ PolicyArn: policyArn }));
      const versionId = policy.Policy?.DefaultVersionId;
      if (!versionId) throw new Error(`IAM answered GetPolicy for ${policyArn} without a default version`);
      const version = await client.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }));
      return policyDocument(version.PolicyVersion?.Document);
    },
    destroy: () => client.destroy(),
  };
}

/**
 * GetCallerIdentity, also returning the time of the server's first answer (its Date header) and
 * of our request. The SDK corrects a skewed clock silently (it re-signs after "Signature expired"),
 * so the skew is read from the raw response, before the SDK acts on it.
 */
export async function getCallerIdentityWithServerDate(
  options: ClientOptions,
  now: () => number = Date.now,
): Promise<{ arn: string; account: string; serverDate?: Date; sentAt: number; receivedAt: number }> {
  const client = new STSClient(baseConfig(options, 'sts'));
  let first: { serverDate?: Date; sentAt: number; receivedAt: number } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const sentAt = now();
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
      const date = headers.date ?? headers.Date;
      const parsed = date ? new Date(date) : undefined;
      first ??= { sentAt, receivedAt: now(), ...(parsed && !Number.isNaN(parsed.getTime()) ? { serverDate: parsed } : {}) };
      return result;
    },
    // Inside the deserializer, so error answers are seen too.
    { step: 'deserialize', priority: 'low', name: 'awsdirServerDate' },
  );
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? '', account: out.Account ?? '', ...(first ?? { sentAt: now(), receivedAt: now() }) };
  } finally {
    client.destroy();
  }
}

export type IamPolicyReader = ReturnType<typeof createIamPolicyReader>;

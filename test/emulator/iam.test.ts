import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { outcome } from '../support/outcome';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

// A base user as awsdir recommends: it may assume roles and manage its own keys and MFA, only with MFA.
const fixture = {
  accounts: {
    '111111111111': {
      alias: 'acme-identity',
      policies: {
        BaseUser: {
          document: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:*AccessKey*', 'iam:List*'],
                Resource: 'arn:aws:iam::111111111111:user/${aws:username}',
              },
              { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
              {
                Effect: 'Deny',
                NotAction: ['iam:ListMFADevices', 'iam:GetUser', 'sts:GetSessionToken'],
                Resource: '*',
                Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
              },
            ],
          },
        },
      },
      groups: { people: { policies: ['BaseUser'] } },
      users: {
        carol: { groups: ['people'], mfa: { serial: 'arn:aws:iam::111111111111:mfa/carol', seed: 'JBSWY3DPEHPK3PXPJBSWY3DP' } },
        dave: {},
      },
    },
    '222222222222': {
      roles: {
        admin: { trust_policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole' }] } },
      },
    },
  },
};

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator(fixture);
});
afterAll(() => emu.close());

const iam = (c: Creds) => new IAMClient({ region: 'us-east-1', endpoint: emu.url, credentials: c, maxAttempts: 1 });
const sts = (c: Creds) => new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: c, maxAttempts: 1 });
async function session(user: string, serial?: string): Promise<Creds> {
  const out = await sts(emu.keys(user)).send(new GetSessionTokenCommand(serial ? { SerialNumber: serial, TokenCode: await emu.totp(serial) } : {}));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

describe('IAM for a user without policies (unrestricted)', () => {
  it('answers the read calls in shapes the SDK parses', async () => {
    const client = iam(emu.keys('dave'));
    expect((await client.send(new GetUserCommand({}))).User?.Arn).toBe('arn:aws:iam::111111111111:user/dave');
    expect((await client.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['acme-identity']);
    expect((await client.send(new ListMFADevicesCommand({ UserName: 'carol' }))).MFADevices?.[0]?.SerialNumber).toBe('arn:aws:iam::111111111111:mfa/carol');
    const keys = (await client.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => k.AccessKeyId)).toEqual([emu.keys('dave').accessKeyId]);
    const used = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: emu.keys('dave').accessKeyId }));
    expect(used.AccessKeyLastUsed?.ServiceName).toBe('iam');
    expect(used.AccessKeyLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    const doc = await client.send(new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::111111111111:policy/BaseUser', VersionId: 'v1' }));
    expect(JSON.parse(decodeURIComponent(doc.PolicyVersion!.Document!)).Statement).toHaveLength(3);
    expect((await client.send(new ListGroupsForUserCommand({ UserName: 'carol' }))).Groups?.map((g) => g.GroupName)).toEqual(['people']);
  });

  it('rotates keys: a third key is refused, an inactive key stops working, a deleted one is gone', async () => {
    const old = emu.keys('dave');
    const client = iam(old);
    const created = (await client.send(new CreateAccessKeyCommand({}))).AccessKey!;
    const fresh = { accessKeyId: created.AccessKeyId!, secretAccessKey: created.SecretAccessKey! };
    expect((await sts(fresh).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::111111111111:user/dave');
    // The SDK names IAM's modelled error code LimitExceeded as LimitExceededException: proof it recognised it.
    expect(await outcome(client.send(new CreateAccessKeyCommand({})))).toEqual({
      code: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
    await iam(fresh).send(new UpdateAccessKeyCommand({ AccessKeyId: old.accessKeyId, Status: 'Inactive' }));
    expect(await outcome(sts(old).send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'InvalidClientTokenId', status: 403 });
    await iam(fresh).send(new DeleteAccessKeyCommand({ AccessKeyId: old.accessKeyId }));
    expect(await outcome(iam(fresh).send(new DeleteAccessKeyCommand({ AccessKeyId: old.accessKeyId })))).toMatchObject({
      code: 'NoSuchEntityException',
      status: 404,
    });
  });
});

describe('session credentials and IAM', () => {
  it('refuses IAM to GetSessionToken credentials obtained without MFA and allows them with MFA', async () => {
    const plain = await session('dave');
    const r = await outcome(iam(plain).send(new GetUserCommand({})));
    expect(r).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(r.message).toContain('without MFA');
    const withMfa = await session('carol', 'arn:aws:iam::111111111111:mfa/carol');
    expect((await iam(withMfa).send(new GetUserCommand({}))).User?.UserName).toBe('carol');
  });
});

describe('temporary credentials outlive the key that made them', () => {
  // AWS: "After AWS STS issues temporary security credentials, they are valid through the
  // expiration period and cannot be revoked" (IAM User Guide, Permissions for temporary security
  // credentials); deleting the access key is no exception, a deny on aws:TokenIssueTime is the way.
  it('an MFA session and a role session made with a deleted key still work, IAM and AssumeRole included', async () => {
    const carolSerial = 'arn:aws:iam::111111111111:mfa/carol';
    const mfaSession = await session('carol', carolSerial);
    const assumed = (await sts(mfaSession).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'before' })))
      .Credentials!;
    const roleSession = { accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken! };

    // The rotation itself, signed by the MFA session: IAM takes GetSessionToken credentials obtained with MFA.
    const old = emu.keys('carol');
    const created = (await iam(mfaSession).send(new CreateAccessKeyCommand({}))).AccessKey!;
    await iam(mfaSession).send(new DeleteAccessKeyCommand({ AccessKeyId: old.accessKeyId }));
    expect(await outcome(sts(old).send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'InvalidClientTokenId', status: 403 });

    expect((await sts(mfaSession).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::111111111111:user/carol');
    expect((await iam(mfaSession).send(new ListAccessKeysCommand({}))).AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([created.AccessKeyId]);
    expect(
      (await sts(mfaSession).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'after' }))).AssumedRoleUser?.Arn,
    ).toBe('arn:aws:sts::222222222222:assumed-role/admin/after');
    expect((await sts(roleSession).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/before');
  });
});

describe('identity policies of a user and its groups', () => {
  it('allows what the base-user policy grants and refuses the rest', async () => {
    const keys = emu.keys('carol');
    // Long-term keys: MultiFactorAuthPresent is absent, so the BoolIfExists deny applies to all but the listed calls.
    expect((await iam(keys).send(new GetUserCommand({}))).User?.UserName).toBe('carol');
    const denied = await outcome(iam(keys).send(new ListAccessKeysCommand({})));
    expect(denied).toEqual({
      code: 'AccessDenied',
      status: 403,
      message:
        'User: arn:aws:iam::111111111111:user/carol is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::111111111111:user/carol with an explicit deny in an identity-based policy',
    });
    expect(await outcome(sts(keys).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'carol' })))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });

    const mfa = await session('carol', 'arn:aws:iam::111111111111:mfa/carol');
    expect((await iam(mfa).send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(1);
    // ${aws:username}: her own keys, not dave's.
    const other = await outcome(iam(mfa).send(new ListAccessKeysCommand({ UserName: 'dave' })));
    expect(other).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(other.message).toContain('because no identity-based policy allows the iam:ListAccessKeys action');
    expect(await outcome(sts(mfa).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/admin', RoleSessionName: 'carol' })))).toEqual({
      code: 'ok',
    });
  });
});

// The SDK warns about Node 20 on stderr; the warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import { evaluate, type PolicyDocument } from '../../src/emulator/policy';
import { baseUserPolicy } from '../../src/security/baseUserPolicy';
import { renderTrustPolicy } from '../../src/security/renderTrustPolicy';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_DEVICE, MFA_SERIAL as SERIAL, ROLES } from '../support/fixture';

const ROLE = ROLES.productionAdmin;
const AGED_ROLE = 'arn:aws:iam::222222222222:role/recent';

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

describe('IAM templates loaded into the emulator', () => {
  let emu: TestEmulator;
  let alice: Creds;
  const sts = (credentials: Creds) => new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
  const iam = (credentials: Creds) => new IAMClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 1 });
  const mfaSession = async (): Promise<Creds> => {
    const out = await sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 3600, SerialNumber: SERIAL, TokenCode: await emu.totp(SERIAL) }));
    const c = out.Credentials!;
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  };
  const codeOf = (error: unknown) => (error as { name?: string }).name;

  beforeAll(async () => {
    emu = await startTestEmulator({
      accounts: {
        '111111111111': {
          users: { alice: { mfa: MFA_DEVICE, inline_policies: { base: baseUserPolicy } } },
        },
        '222222222222': {
          roles: {
            admin: { trust_policy: JSON.parse(renderTrustPolicy({ account: '111111111111' })) },
            recent: { trust_policy: JSON.parse(renderTrustPolicy({ account: '111111111111', maxAgeSeconds: 900 })) },
          },
        },
      },
    });
    alice = emu.keys('alice');
  });
  afterAll(() => emu.close());

  test('the trust policy refuses AssumeRole without MFA', async () => {
    await expect(sts(alice).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'no-mfa' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  test('AssumeRole with MFA is allowed: from an MFA session, and directly with a code', async () => {
    const session = await mfaSession();
    const out = await sts(session).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'with-mfa' }));
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/with-mfa');
    // Above one hour awsdir calls AssumeRole with the long-term key and a code: the base policy lets it through.
    const direct = await sts(alice).send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'direct', SerialNumber: SERIAL, TokenCode: await emu.totp(SERIAL) }),
    );
    expect(direct.AssumedRoleUser?.Arn).toContain('assumed-role/admin/direct');
  });

  test('the MFA-age trust policy refuses an MFA session older than its limit', async () => {
    const session = await mfaSession();
    await expect(sts(session).send(new AssumeRoleCommand({ RoleArn: AGED_ROLE, RoleSessionName: 'fresh' }))).resolves.toBeDefined();
    await emu.advanceClock(1000);
    await expect(sts(session).send(new AssumeRoleCommand({ RoleArn: AGED_ROLE, RoleSessionName: 'stale' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    // The plain MFA trust policy does not care how old the MFA is.
    await expect(sts(session).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'old-ok' }))).resolves.toBeDefined();
  });

  test('rotating its own key: refused without MFA, allowed with it', async () => {
    let error: unknown;
    try {
      await iam(alice).send(new CreateAccessKeyCommand({}));
    } catch (e) {
      error = e;
    }
    expect(codeOf(error)).toBe('AccessDenied');
    const session = await mfaSession();
    const created = await iam(session).send(new CreateAccessKeyCommand({}));
    expect(created.AccessKey?.AccessKeyId).toMatch(/^AKIA/);
    await expect(iam(alice).send(new DeleteAccessKeyCommand({ AccessKeyId: created.AccessKey!.AccessKeyId! }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await iam(session).send(new DeleteAccessKeyCommand({ AccessKeyId: created.AccessKey!.AccessKeyId! }));
  });

  test('reading its own MFA devices works without MFA (so a new user can enrol and awsdir add can find it)', async () => {
    const out = await iam(alice).send(new ListMFADevicesCommand({}));
    expect(out.MFADevices?.map((d) => d.SerialNumber)).toEqual([SERIAL]);
  });

  test("iam:CreateUser and other users' keys are refused, with or without MFA (the emulator's policy engine)", () => {
    const docs = [baseUserPolicy as unknown as PolicyDocument];
    const facts = (action: string, resource: string, mfa: boolean | undefined) => ({
      principalArns: ['arn:aws:iam::111111111111:user/alice'],
      principalAccount: '111111111111',
      action,
      resource,
      keys: { 'aws:username': 'alice', ...(mfa === undefined ? {} : { 'aws:MultiFactorAuthPresent': String(mfa) }) },
    });
    for (const mfa of [undefined, false, true]) {
      expect(evaluate(docs, facts('iam:CreateUser', 'arn:aws:iam::111111111111:user/mallory', mfa), { trust: false })).not.toBe('allow');
      expect(evaluate(docs, facts('iam:CreateAccessKey', 'arn:aws:iam::111111111111:user/bob', mfa), { trust: false })).not.toBe('allow');
      expect(evaluate(docs, facts('s3:ListBucket', 'arn:aws:s3:::data', mfa), { trust: false })).not.toBe('allow');
    }
    expect(evaluate(docs, facts('iam:CreateAccessKey', 'arn:aws:iam::111111111111:user/alice', true), { trust: false })).toBe('allow');
  });

  test('renderTrustPolicy fills in the principal and refuses nonsense', () => {
    const account = JSON.parse(renderTrustPolicy({ account: '111111111111' }));
    expect(account.Statement[0].Principal.AWS).toBe('arn:aws:iam::111111111111:root');
    const user = JSON.parse(renderTrustPolicy({ account: '111111111111', userArn: 'arn:aws:iam::111111111111:user/alice', maxAgeSeconds: 3600 }));
    expect(user.Statement[0].Principal.AWS).toBe('arn:aws:iam::111111111111:user/alice');
    expect(user.Statement[0].Condition.NumericLessThan['aws:MultiFactorAuthAge']).toBe('3600');
    expect(() => renderTrustPolicy({ account: '12' })).toThrow(/12-digit/);
    expect(() => renderTrustPolicy({ account: '111111111111', userArn: 'arn:aws:iam::999999999999:user/x' })).toThrow(/not an IAM user ARN in account/);
  });
});

import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_DEVICE, MFA_SERIAL as ALICE_MFA, ROLES } from '../support/fixture';
import { outcome } from '../support/outcome';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const PROD_ADMIN = ROLES.productionAdmin;

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function sts(creds: Creds): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: creds, maxAttempts: 1 });
}
function fromIssued(c: Credentials | undefined): Creds {
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}
async function mfaSession(): Promise<Creds> {
  const out = await sts(emu.keys('alice')).send(new GetSessionTokenCommand({ SerialNumber: ALICE_MFA, TokenCode: await emu.totp(), DurationSeconds: 3600 }));
  return fromIssued(out.Credentials);
}
async function prodAdmin(duration?: number): Promise<Creds> {
  const out = await sts(await mfaSession()).send(
    new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', ...(duration ? { DurationSeconds: duration } : {}) }),
  );
  return fromIssued(out.Credentials);
}

describe('signatures and keys', () => {
  it('accepts a fixture user and names it', async () => {
    const out = await sts(emu.keys('alice')).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe('arn:aws:iam::111111111111:user/alice');
    expect(out.Account).toBe('111111111111');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch 403', async () => {
    const keys = emu.keys('alice');
    expect(await outcome(sts({ ...keys, secretAccessKey: `x${keys.secretAccessKey.slice(1)}` }).send(new GetCallerIdentityCommand({})))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
  });

  it('refuses an unknown key with InvalidClientTokenId 403', async () => {
    expect(await outcome(sts({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})))).toMatchObject({
      code: 'InvalidClientTokenId',
      status: 403,
    });
  });

  it('refuses temporary keys without their session token with InvalidClientTokenId 403', async () => {
    const c = await mfaSession();
    expect(await outcome(sts(c).send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'ok' });
    expect(await outcome(sts({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }).send(new GetCallerIdentityCommand({})))).toMatchObject({
      code: 'InvalidClientTokenId',
      status: 403,
    });
  });

  it('refuses an expired session with ExpiredToken 400 once the emulator clock passes its expiry', async () => {
    const c = await prodAdmin();
    expect(await outcome(sts(c).send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'ok' });
    await emu.advanceClock(3601);
    try {
      expect(await outcome(sts(c).send(new GetCallerIdentityCommand({})))).toMatchObject({
        code: 'ExpiredToken',
        status: 400,
        message: 'The security token included in the request is expired',
      });
    } finally {
      await emu.advanceClock(-3601);
    }
  });

  it('refuses a request signed more than 15 minutes off with AWS\'s "Signature expired"', async () => {
    const client = sts(emu.keys('alice'));
    expect(await outcome(client.send(new GetCallerIdentityCommand({})))).toMatchObject({ code: 'ok' });
    // A client clock 20 minutes behind: the SDK signs with the skewed time.
    const skewed = new STSClient({
      region: 'us-east-1',
      endpoint: emu.url,
      credentials: emu.keys('alice'),
      maxAttempts: 1,
      systemClockOffset: -20 * 60 * 1000,
    });
    const r = await outcome(skewed.send(new GetCallerIdentityCommand({})));
    expect(r).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(r.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });
});

describe('MFA codes', () => {
  it('issues role credentials for the right code, refuses a wrong one and the same code twice', async () => {
    const client = sts(emu.keys('alice'));
    const wrong = await outcome(
      client.send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', SerialNumber: ALICE_MFA, TokenCode: '000000' })),
    );
    expect(wrong).toEqual({ code: 'AccessDenied', status: 403, message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.' });
    const code = await emu.totp();
    const out = await client.send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', SerialNumber: ALICE_MFA, TokenCode: code }));
    const who = await sts(fromIssued(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice');
    expect(out.AssumedRoleUser?.Arn).toBe(who.Arn);
    const again = await outcome(
      client.send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', SerialNumber: ALICE_MFA, TokenCode: code })),
    );
    expect(again).toMatchObject({ code: 'AccessDenied', status: 403, message: 'MultiFactorAuthentication failed with invalid MFA one time pass code.' });
  });

  it('answers a serial the caller does not own with the wrong-serial message', async () => {
    const code = await emu.totp();
    const r = await outcome(sts(emu.keys('bob')).send(new GetSessionTokenCommand({ SerialNumber: ALICE_MFA, TokenCode: code })));
    expect(r).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(r.message).toContain('unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.');
  });

  it('validates TokenCode, SerialNumber and RoleSessionName like AWS (ValidationError 400)', async () => {
    const client = sts(emu.keys('alice'));
    expect(await outcome(client.send(new GetSessionTokenCommand({ SerialNumber: ALICE_MFA, TokenCode: '12345' })))).toMatchObject({
      code: 'ValidationError',
      status: 400,
    });
    expect(await outcome(client.send(new GetSessionTokenCommand({ SerialNumber: 'short', TokenCode: '123456' })))).toMatchObject({
      code: 'ValidationError',
      status: 400,
    });
    const r = await outcome(client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/readonly', RoleSessionName: 'has space' })));
    expect(r).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(r.message).toContain("at 'roleSessionName' failed to satisfy constraint");
    expect(await outcome(client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/readonly', RoleSessionName: 'ok-name' })))).toEqual({
      code: 'ok',
    });
  });
});

describe('durations', () => {
  it('keeps GetSessionToken within 900..129600 seconds', async () => {
    const client = sts(emu.keys('bob'));
    expect(await outcome(client.send(new GetSessionTokenCommand({ DurationSeconds: 899 })))).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(await outcome(client.send(new GetSessionTokenCommand({ DurationSeconds: 129601 })))).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(await outcome(client.send(new GetSessionTokenCommand({ DurationSeconds: 900 })))).toEqual({ code: 'ok' });
  });

  it("holds AssumeRole to the role's MaxSessionDuration", async () => {
    const session = await mfaSession();
    const r = await outcome(sts(session).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', DurationSeconds: 7200 })));
    expect(r).toEqual({ code: 'ValidationError', status: 400, message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
    expect(await outcome(sts(session).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice', DurationSeconds: 899 })))).toMatchObject({
      code: 'ValidationError',
      status: 400,
    });
    // An MFA session is not a role: 12 hours are allowed where the role permits them.
    const long = await sts(session).send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/longadmin', RoleSessionName: 'alice', DurationSeconds: 43200 }),
    );
    expect(long.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(43000 * 1000);
  });

  it('caps a chained role session at one hour', async () => {
    const admin = await prodAdmin();
    const dev = 'arn:aws:iam::333333333333:role/readonly';
    const r = await outcome(sts(admin).send(new AssumeRoleCommand({ RoleArn: dev, RoleSessionName: 'chain', DurationSeconds: 3601 })));
    expect(r).toEqual({
      code: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
  });
});

describe('trust policies', () => {
  it('refuses a principal the role does not trust, naming caller and role', async () => {
    const r = await outcome(
      sts(await mfaSession()).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/nothing', RoleSessionName: 'alice' })),
    );
    expect(r).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: 'User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/nothing',
    });
    // A role session of account 222222222222 is not trusted by a role trusting 111111111111 only.
    const admin = await prodAdmin();
    const chained = await outcome(sts(admin).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/readonly', RoleSessionName: 'chain' })));
    expect(chained).toEqual({
      code: 'AccessDenied',
      status: 403,
      message:
        'User: arn:aws:sts::222222222222:assumed-role/admin/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/readonly',
    });
  });

  it('refuses a role that requires MFA to callers without it', async () => {
    const r = await outcome(sts(emu.keys('bob')).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'bob' })));
    expect(r).toMatchObject({ code: 'AccessDenied', status: 403 });
    const plain = await sts(emu.keys('bob')).send(new GetSessionTokenCommand({}));
    expect(await outcome(sts(fromIssued(plain.Credentials)).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'bob' })))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
  });

  it('checks sts:ExternalId', async () => {
    const client = sts(emu.keys('bob'));
    const deploy = 'arn:aws:iam::444444444444:role/deploy';
    expect(await outcome(client.send(new AssumeRoleCommand({ RoleArn: deploy, RoleSessionName: 'bob' })))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(await outcome(client.send(new AssumeRoleCommand({ RoleArn: deploy, RoleSessionName: 'bob', ExternalId: 'wrong-ext' })))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    expect(await outcome(client.send(new AssumeRoleCommand({ RoleArn: deploy, RoleSessionName: 'bob', ExternalId: 'staging-ext' })))).toEqual({ code: 'ok' });
  });
});

describe('what temporary credentials may do', () => {
  it('refuses GetSessionToken to role credentials and to GetSessionToken credentials', async () => {
    const admin = await prodAdmin();
    const r = await outcome(sts(admin).send(new GetSessionTokenCommand({})));
    expect(r).toEqual({ code: 'AccessDenied', status: 403, message: 'Cannot call GetSessionToken with session credentials' });
    expect(await outcome(sts(await mfaSession()).send(new GetSessionTokenCommand({})))).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('answers an unknown action with InvalidAction 400', async () => {
    const res = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetFederationToken&Version=2011-06-15',
    });
    expect(res.status).toBe(403); // unsigned: AWS asks for authentication first
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const { HttpRequest } = await import('@smithy/protocol-http');
    const url = new URL(emu.url);
    const body = 'Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=x';
    const signed = await new SignatureV4({ credentials: emu.keys('alice'), region: 'us-east-1', service: 'sts', sha256: Sha256 }).sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    const answer = await fetch(emu.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('<Code>InvalidAction</Code>');
    expect(answer.headers.get('date')).toBeTruthy();
  });
});

describe('aws:MultiFactorAuthAge', () => {
  it('counts from the MFA authentication of the GetSessionToken call', async () => {
    const ageEmu = await startTestEmulator({
      accounts: {
        '111111111111': { users: { alice: { mfa: MFA_DEVICE } } },
        '222222222222': {
          roles: {
            fresh: {
              trust_policy: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { AWS: '111111111111' },
                    Action: 'sts:AssumeRole',
                    Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '600' } },
                  },
                ],
              },
            },
          },
        },
      },
    });
    try {
      const client = (c: Creds) => new STSClient({ region: 'us-east-1', endpoint: ageEmu.url, credentials: c, maxAttempts: 1 });
      const out = await client(ageEmu.keys('alice')).send(new GetSessionTokenCommand({ SerialNumber: ALICE_MFA, TokenCode: await ageEmu.totp() }));
      const session = fromIssued(out.Credentials);
      const assume = () => outcome(client(session).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/fresh', RoleSessionName: 'alice' })));
      expect(await assume()).toEqual({ code: 'ok' });
      await ageEmu.advanceClock(601);
      expect(await assume()).toMatchObject({ code: 'AccessDenied', status: 403 });
      // Without MFA the key is absent and NumericLessThan fails too.
      expect(
        await outcome(client(ageEmu.keys('alice')).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/fresh', RoleSessionName: 'alice' }))),
      ).toMatchObject({ code: 'AccessDenied', status: 403 });
    } finally {
      await ageEmu.close();
    }
  });
});

describe('answers with given credential values (fault hook)', () => {
  it('carries them, CR included, and the issued session takes them, so a client signing with them is recognised', async () => {
    const given = {
      AccessKeyId: 'ASIAGIVENKEY2345ABCD',
      SecretAccessKey: 'a secret/with+odd chars\r\n & <xml> 日本 🔑',
      SessionToken: 'token "quoted" & <tagged>',
    };
    await emu.fault({ action: 'AssumeRole', count: 1, credentials: given, assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/admin/<given>' });
    const out = await sts(await mfaSession()).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice' }));
    expect({ ...fromIssued(out.Credentials), arn: out.AssumedRoleUser?.Arn }).toEqual({
      accessKeyId: given.AccessKeyId,
      secretAccessKey: given.SecretAccessKey,
      sessionToken: given.SessionToken,
      arn: 'arn:aws:sts::222222222222:assumed-role/admin/<given>',
    });
    const me = await sts(fromIssued(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice');
    // Only the next answer: the one after is the emulator's own again.
    const next = await sts(await mfaSession()).send(new AssumeRoleCommand({ RoleArn: PROD_ADMIN, RoleSessionName: 'alice' }));
    expect(next.Credentials?.AccessKeyId).not.toBe(given.AccessKeyId);
  });
});

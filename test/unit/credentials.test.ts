import { exportVariables } from '../../src/credentials/exportVariables';
import { isFresh, parseCachedSession, sessionEntryName, toCachedSession } from '../../src/credentials/sessionStore';
import { isAwsdirExport } from '../../src/credentials/sourceCredentials';
import { explainAwsError } from '../../src/aws/errors';
import { credentialProcessWindowSeconds } from '../../src/credentials/enterDirectory';

const creds = { accessKeyId: 'ASIAEXAMPLEEXAMPLE01', secretAccessKey: 's'.repeat(40), sessionToken: 'token', expiration: new Date('2030-01-01T00:00:00.000Z') };

describe('session cache', () => {
  const parts = {
    kind: 'role' as const,
    sourceName: 'default',
    accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
    mfaSerial: 'arn:aws:iam::1:mfa/a',
    partition: 'aws',
    durationSeconds: 3600,
    roleArn: 'arn:aws:iam::222222222222:role/admin',
    sessionName: 'alice-app',
  };

  test('every input that makes a session different changes the entry name; nothing secret is in it', () => {
    const base = sessionEntryName(parts);
    expect(base).toMatch(/^role\/[0-9a-f]{24}$/);
    for (const change of [
      { sourceName: 'other' },
      { accessKeyId: 'AKIAEXAMPLEEXAMPLE02' },
      { mfaSerial: '' },
      { partition: 'aws-cn' },
      { durationSeconds: 900 },
      { roleArn: 'arn:aws:iam::222222222222:role/x' },
      { sessionName: 'b' },
      { externalId: 'e' },
      { sourceIdentity: 'alice' },
    ]) {
      expect(sessionEntryName({ ...parts, ...change })).not.toBe(base);
    }
    expect(sessionEntryName({ ...parts })).toBe(base);
  });

  test('a non-AWS endpoint is part of the name; without one, names are those caches already hold', () => {
    // Names an earlier awsdir wrote: a changed name would turn every cached session into a miss (and an MFA prompt).
    expect(sessionEntryName(parts)).toBe('role/19cc86022f6d64ec2fed7f18');
    expect(sessionEntryName({ ...parts, kind: 'mfa-session', durationSeconds: 43200, roleArn: undefined, sessionName: undefined })).toBe(
      'mfa-session/4a7687c750bb040b420a0ec9',
    );
    const local = sessionEntryName({ ...parts, endpoint: 'http://127.0.0.1:4566' });
    expect(local).toMatch(/^role\/[0-9a-f]{24}$/);
    expect(local).not.toBe(sessionEntryName(parts));
    expect(sessionEntryName({ ...parts, endpoint: 'http://127.0.0.1:4567' })).not.toBe(local);
    expect(sessionEntryName({ ...parts, endpoint: '' })).toBe(sessionEntryName(parts));
  });

  test('round trip, and anything malformed is reported as malformed, not thrown', () => {
    const session = toCachedSession('role', creds, { sourceName: 'default', issuedAt: 0, assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/admin/a' });
    expect(parseCachedSession(JSON.stringify(session), 'role')).toEqual(session);
    expect(parseCachedSession(null, 'role')).toBeNull();
    for (const bad of [
      '{',
      '[]',
      'null',
      JSON.stringify({ ...session, v: 2 }),
      JSON.stringify({ ...session, sessionToken: undefined }),
      JSON.stringify({ ...session, expiration: 'soon' }),
      JSON.stringify(session).replace('"role"', '"mfa-session"'),
    ]) {
      expect(parseCachedSession(bad, 'role')).toBe('malformed');
    }
  });

  test('fresh only while more than the refresh window is left', () => {
    const session = toCachedSession('role', creds, { sourceName: 'd', issuedAt: 0 });
    const expiry = creds.expiration.getTime();
    expect(isFresh(session, expiry - 301_000, 300)).toBe(true);
    expect(isFresh(session, expiry - 299_000, 300)).toBe(false);
  });
});

describe('the refresh window of credential_process', () => {
  test("the AWS CLI's 15 minutes, or the user's longer window, capped at a quarter of the session", () => {
    const fiveMinutes = 300;
    expect(credentialProcessWindowSeconds(900, fiveMinutes)).toBe(225);
    expect(credentialProcessWindowSeconds(1800, fiveMinutes)).toBe(450);
    expect(credentialProcessWindowSeconds(3600, fiveMinutes)).toBe(900);
    expect(credentialProcessWindowSeconds(12 * 3600, fiveMinutes)).toBe(900);
    expect(credentialProcessWindowSeconds(2 * 3600, 1200)).toBe(1200);
    expect(credentialProcessWindowSeconds(3600, 1200)).toBe(900);
  });
});

describe('exported variables', () => {
  test('exactly the variables of the design', () => {
    const { set, unset } = exportVariables(
      { region: 'ap-northeast-1', label: 'production', account: '222222222222', confirm: true },
      creds,
      'arn:aws:sts::222222222222:assumed-role/admin/a',
      '/p/.awsdir.yaml',
    );
    expect(Object.keys(set).sort()).toEqual(
      [
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_CREDENTIAL_EXPIRATION',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'AWSDIR_LABEL',
        'AWSDIR_ACCOUNT',
        'AWSDIR_ROLE_ARN',
        'AWSDIR_EXPIRES',
        'AWSDIR_CONFIG',
        'AWSDIR_CONFIRM',
      ].sort(),
    );
    expect(set.AWS_CREDENTIAL_EXPIRATION).toBe('2030-01-01T00:00:00Z');
    expect(set.AWSDIR_EXPIRES).toBe(String(Date.parse('2030-01-01T00:00:00Z') / 1000));
    expect(unset).toEqual(['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']);
  });
});

describe('sources', () => {
  test("awsdir's own exports are recognised and never taken as a source", () => {
    expect(isAwsdirExport({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE01', AWS_SECRET_ACCESS_KEY: 'x' })).toBe(false);
    expect(isAwsdirExport({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE01', AWS_SESSION_TOKEN: 't', AWSDIR_ROLE_ARN: 'arn' })).toBe(true);
    expect(isAwsdirExport({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE01', AWSDIR_LABEL: 'prod' })).toBe(true);
  });
});

describe('AWS errors in plain words', () => {
  const cases: Array<[object, RegExp]> = [
    [{ name: 'ExpiredToken', message: 'The security token included in the request is expired' }, /expired; run `awsdir clear`/],
    [{ name: 'InvalidClientTokenId', message: 'x' }, /does not know the access key .* `awsdir add/],
    [{ name: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match' }, /secret key .* is wrong, or the system clock/],
    [
      { name: 'AccessDenied', message: 'User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: r' },
      /trust policy .* --print-trust-policy/,
    ],
    [
      { name: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' },
      /1 hour cap .* `duration:`/,
    ],
    [{ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' }, /MaxSessionDuration; lower/],
    [{ name: 'RegionDisabledException', message: 'x' }, /sts_region/],
    [{ name: 'Throttling', message: 'Rate exceeded' }, /throttling/],
    [{ name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, /could not reach http:\/\/127.0.0.1:1 .*AWS_ENDPOINT_URL_STS/],
  ];
  test.each(cases)('%j', (error, expected) => {
    const explained = explainAwsError(error, { action: 'AssumeRole', roleArn: 'arn:aws:iam::2:role/r', endpoint: 'http://127.0.0.1:1' });
    expect(explained.message).toMatch(expected);
    expect(explained.kind).toBe('failure');
  });
});

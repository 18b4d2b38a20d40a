/**
 * whoami's parts without the CLI: which credentials are in effect and where they came from (the
 * AWS CLI's order), and the identity with the awsdir fields, against the emulator with a clock
 * handed in. A profile's credential_process runs through the built CLI in
 * test/integration/whoami.test.ts (execa, which runs it, loads only as an ES module).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAwsSdk } from '../../src/aws/loadAwsSdk';
import type { Reporter } from '../../src/core/reporter';
import { findCredentialsInEffect } from '../../src/credentials/credentialsInEffect';
import { whoami } from '../../src/credentials/whoami';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const debug: string[] = [];
const reporter: Reporter = { info: () => undefined, warn: () => undefined, debug: (m) => void debug.push(m), color: false, debugEnabled: true };

let dir: string;
let config: string;
let credentials: string;
/** Shared files of this test only, so nothing of the machine's ~/.aws is read. */
let files: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'awsdir-whoami-unit-'));
  config = join(dir, 'config');
  credentials = join(dir, 'credentials');
  files = { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  writeFileSync(
    credentials,
    '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n\n[acme.dev]\naws_access_key_id = AKIACREDFILE\naws_secret_access_key = cred-secret\naws_session_token = cred-token\n',
  );
  writeFileSync(
    config,
    [
      '[profile acme.dev]\nregion = eu-west-1\naws_access_key_id = AKIACONFIGFILE\naws_secret_access_key = config-secret',
      '[profile keys-in-config]\nregion = us-west-2\naws_access_key_id = AKIACONFIGONLY\naws_secret_access_key = config-only-secret',
      '[profile role]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = default',
      '[profile empty]\nregion = eu-north-1',
    ].join('\n\n') + '\n',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the credentials in effect', () => {
  test('keys in the environment come first, whatever AWS_PROFILE names; the old AWS_SECURITY_TOKEN counts', async () => {
    const found = await findCredentialsInEffect(
      {
        ...files,
        AWS_PROFILE: 'acme.dev',
        AWS_ACCESS_KEY_ID: 'AKIAENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
        AWS_SECURITY_TOKEN: 'old-token',
        AWS_DEFAULT_REGION: 'sa-east-1',
      },
      reporter,
    );
    expect(found).toEqual({
      credentials: { accessKeyId: 'AKIAENV', secretAccessKey: 'env-secret', sessionToken: 'old-token' },
      origin: 'environment (AWS_ACCESS_KEY_ID)',
      region: 'sa-east-1',
    });
  });

  test('half a key pair in the environment is an error naming the missing half', async () => {
    await expect(findCredentialsInEffect({ ...files, AWS_ACCESS_KEY_ID: 'AKIAENV' }, reporter)).rejects.toThrow(
      'credentials in the environment: AWS_SECRET_ACCESS_KEY is missing while AWS_ACCESS_KEY_ID is set; set both, or unset both to use a profile',
    );
    await expect(findCredentialsInEffect({ ...files, AWS_SECRET_ACCESS_KEY: 'x' }, reporter)).rejects.toThrow(
      /^credentials in the environment: AWS_ACCESS_KEY_ID is missing/,
    );
  });

  test('AWS_PROFILE (a dotted name): the credentials file before the config file, the region from the config file', async () => {
    const found = await findCredentialsInEffect({ ...files, AWS_PROFILE: 'acme.dev' }, reporter);
    expect(found).toEqual({
      credentials: { accessKeyId: 'AKIACREDFILE', secretAccessKey: 'cred-secret', sessionToken: 'cred-token' },
      origin: `profile acme.dev of ${credentials}`,
      region: 'eu-west-1',
    });
    const configOnly = await findCredentialsInEffect({ ...files, AWS_DEFAULT_PROFILE: 'keys-in-config' }, reporter);
    expect(configOnly.origin).toBe(`profile keys-in-config of ${config}`);
    expect(configOnly.region).toBe('us-west-2');
  });

  test('without AWS_PROFILE, [default]; us-east-1 when no region is set anywhere', async () => {
    const found = await findCredentialsInEffect(files, reporter);
    expect(found).toEqual({
      credentials: { accessKeyId: 'AKIADEFAULT', secretAccessKey: 'default-secret' },
      origin: `profile default of ${credentials}`,
      region: 'us-east-1',
    });
  });

  test('a role_arn profile is not followed: the error names the AWS CLI command instead', async () => {
    await expect(findCredentialsInEffect({ ...files, AWS_PROFILE: 'role' }, reporter)).rejects.toThrow(
      `profile role of ${config} gets its credentials through role_arn, which awsdir whoami does not follow; run \`/usr/bin/aws sts get-caller-identity --profile role\`, or give the directory a .awsdir.yaml`,
    );
  });

  test('a named profile without keys, and no credentials at all, each say what to do', async () => {
    await expect(findCredentialsInEffect({ ...files, AWS_PROFILE: 'empty' }, reporter)).rejects.toThrow(
      `profile empty (AWS_PROFILE) has no keys in ${credentials} or ${config}; fix the profile, or unset AWS_PROFILE`,
    );
    await expect(
      findCredentialsInEffect({ HOME: dir, AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') }, reporter),
    ).rejects.toThrow(/^no AWS credentials are in effect .*run `awsdir exec -- awsdir whoami`$/);
  });
});

describe('whoami against the emulator', () => {
  let emu: TestEmulator;
  let role: { env: Record<string, string>; arn: string };

  beforeAll(async () => {
    emu = await startTestEmulator();
    const sts = loadAwsSdk().createSts({ credentials: emu.keys('alice'), region: 'us-east-1', env: emu.env });
    try {
      const session = await sts.assumeRole({ roleArn: 'arn:aws:iam::333333333333:role/readonly', roleSessionName: 'alice-dev', durationSeconds: 900 });
      role = {
        arn: session.assumedRoleArn,
        env: {
          ...files,
          ...emu.env,
          AWS_ACCESS_KEY_ID: session.accessKeyId,
          AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
          AWS_SESSION_TOKEN: session.sessionToken ?? '',
        },
      };
    } finally {
      sts.destroy();
    }
  });

  afterAll(() => emu.close());

  test('the role awsdir exported: label, config and the time left by the clock handed in', async () => {
    const expires = 1_900_000_000;
    const env = {
      ...role.env,
      AWSDIR_ROLE_ARN: role.arn,
      AWSDIR_LABEL: 'development',
      AWSDIR_CONFIG: '/home/alice/dev/.awsdir.yaml',
      AWSDIR_EXPIRES: String(expires),
    };
    const result = await whoami({ env, now: () => (expires - 1234) * 1000 - 500, reporter, loadAws: loadAwsSdk });
    expect(result).toEqual({
      Account: '333333333333',
      Arn: role.arn,
      UserId: expect.any(String),
      AccountAlias: 'acme-development',
      Source: 'environment (AWS_ACCESS_KEY_ID)',
      Awsdir: { Label: 'development', RoleArn: role.arn, Config: '/home/alice/dev/.awsdir.yaml', Expiration: '2030-03-17T17:46:40Z', SecondsLeft: 1234 },
    });
    expect((await whoami({ env, now: () => (expires + 1) * 1000, reporter, loadAws: loadAwsSdk })).Awsdir?.SecondsLeft).toBe(0);
  });

  test('AWSDIR_* left over from another directory adds no awsdir fields to other credentials', async () => {
    const env = { ...role.env, AWSDIR_ROLE_ARN: 'arn:aws:sts::222222222222:assumed-role/admin/alice-production', AWSDIR_LABEL: 'production' };
    const result = await whoami({ env, now: () => 0, reporter, loadAws: loadAwsSdk });
    expect(result.Arn).toBe(role.arn);
    expect(result.Awsdir).toBeUndefined();
  });

  test('expired keys say so, and how to get fresh ones for an awsdir directory', async () => {
    await emu.advanceClock(901);
    const env = { ...role.env, AWSDIR_ROLE_ARN: role.arn };
    await expect(whoami({ env, now: () => 0, reporter, loadAws: loadAwsSdk })).rejects.toThrow(
      'credentials from environment (AWS_ACCESS_KEY_ID) have expired (ExpiredToken); run `direnv reload` in the directory (or `eval "$(awsdir export)"`) for fresh ones',
    );
  });
});

/**
 * One MFA code a day: every directory assumes its role from the one MFA session of its source, so
 * neither clearing one directory nor rotating the source's key may cost that session. The built
 * CLI, the real keychain, the emulator (whose call log shows every GetSessionToken).
 */
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { baseUserPolicy } from '../../src/security/baseUserPolicy';
import { runCli, type CliResult } from '../support/cli';
import { addProject, closeWorld, makeWorld, type World } from '../helpers/world';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';

// alice is a base user: IAM on her own keys only with MFA, as awsdir recommends.
const FIXTURE = {
  accounts: {
    '111111111111': {
      alias: 'acme-identity',
      users: { alice: { mfa: { serial: SERIAL, seed: 'JBSWY3DPEHPK3PXP' }, inline_policies: { base: baseUserPolicy } } },
    },
    '222222222222': {
      alias: 'acme-production',
      roles: {
        admin: {
          trust_policy: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
            ],
          },
        },
        reader: {
          trust_policy: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
            ],
          },
        },
      },
    },
  },
};

const role = (name: string) => `role: arn:aws:iam::222222222222:role/${name}\nregion: eu-west-1\nlabel: ${name}\n`;
const keyIdOf = (stdout: string): string => /AWS_ACCESS_KEY_ID='(\w+)'/.exec(stdout)?.[1] ?? '';
const secretOf = (stdout: string): string => /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(stdout)?.[1] ?? '';
const tokenOf = (stdout: string): string => /AWS_SESSION_TOKEN='([^']+)'/.exec(stdout)?.[1] ?? '';

let w: World;
let admin: string;
let reader: string;

beforeEach(async () => {
  w = await makeWorld('onecode', FIXTURE);
  admin = await addProject(w, 'admin', role('admin'));
  reader = await addProject(w, 'reader', role('reader'));
  // The day's code, once: the MFA session, and both roles assumed from it.
  expect((await exportIn(admin, { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) })).exitCode).toBe(0);
  expect((await exportIn(reader)).exitCode).toBe(0);
  await w.emu.clearCalls();
}, 60_000);
afterEach(() => closeWorld(w));

function exportIn(dir: string, extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['export', '--shell', 'bash'], { env: { ...w.env, ...extra }, cwd: dir });
}
const calls = async (): Promise<string[]> => (await w.emu.calls()).map((c) => `${c.action}:${c.code}`);

describe('awsdir clear --dir', () => {
  test("removes that directory's role session only: the next export there asks AWS again but asks for no code", async () => {
    const r = await runCli(['clear', '--dir', admin], { env: w.env });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^awsdir: removed role session role\/\w+\n/);
    expect(r.stderr).toContain('kept the MFA session of source');
    expect(r.stderr).not.toMatch(/removed MFA session/);

    // No terminal and no code: it works all the same, from the MFA session; the account's alias is
    // remembered from the first export, so IAM is not asked again.
    const again = await exportIn(admin);
    expect(again.exitCode).toBe(0);
    expect(await calls()).toEqual(['AssumeRole:OK']);
  });

  test('--with-mfa-session removes the MFA session too: the next export that needs one asks for a code', async () => {
    const r = await runCli(['clear', '--dir', admin, '--with-mfa-session'], { env: w.env });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/removed role session role\/\w+\n/);
    expect(r.stderr).toMatch(/removed MFA session mfa-session\/\w+\n/);
    // The other directory keeps its role session: served from the cache.
    expect((await exportIn(reader)).exitCode).toBe(0);
    expect(await calls()).toEqual([]);
    const again = await exportIn(admin);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('AWSDIR_MFA_CODE');
  });

  test('the help says what each form removes', async () => {
    const help = await runCli(['clear', '--help'], { env: w.env });
    expect(help.stdout).toMatch(/--with-mfa-session +also the MFA session/);
    expect(help.stdout).toContain("this directory's role session");
  });
});

describe('awsdir rotate', () => {
  test('uses the cached MFA session instead of a new code, and the sessions of the old key keep working without one', async () => {
    const before = await exportIn(admin);
    expect(await calls()).toEqual([]);
    const oldKey = w.emu.keys('alice').accessKeyId;

    // No code given and no terminal: the MFA session cached this morning signs the IAM calls.
    const r = await runCli(['rotate', w.source], { env: w.env, timeoutMs: 60_000 });
    expect(r.stderr).toMatch(/rotated source .* the old key AKIA\w+ is deleted/);
    expect(r.exitCode).toBe(0);
    const rotation = await calls();
    expect(rotation).not.toContain('GetSessionToken:OK');
    expect(rotation).toEqual(expect.arrayContaining(['CreateAccessKey:OK', 'DeleteAccessKey:OK']));
    expect(w.emu.keys('alice').accessKeyId).not.toBe(oldKey);

    // AWS keeps temporary credentials valid until they end, whoever deletes the key that made them.
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: w.emu.url,
      maxAttempts: 1,
      credentials: { accessKeyId: keyIdOf(before.stdout), secretAccessKey: secretOf(before.stdout), sessionToken: tokenOf(before.stdout) },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/assumed-role\/admin\//);

    // The next cd, a new process: no code, no GetSessionToken; the MFA session of the old key assumes the role.
    await w.emu.clearCalls();
    const after = await exportIn(reader);
    expect(after.exitCode).toBe(0);
    expect((await calls()).filter((c) => c.startsWith('GetSessionToken'))).toEqual([]);
  });

  test('with no cached MFA session it asks for a code, as before', async () => {
    expect((await runCli(['clear', '--dir', admin, '--with-mfa-session'], { env: w.env })).exitCode).toBe(0);
    const r = await runCli(['rotate', w.source], { env: w.env, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('AWSDIR_MFA_CODE');
    expect(await calls()).toEqual([]);
  });
});

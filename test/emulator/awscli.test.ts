import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CLI, runProcess } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { DEMO_FIXTURE, MFA_SERIAL as ALICE_MFA } from '../support/fixture';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const AWS = '/usr/bin/aws';
const home = mkdtempSync(join(tmpdir(), 'awsdir-emu-cli-'));

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

/** The Debian AWS CLI v2 with nothing of the machine's configuration, only these keys. */
async function aws(args: string[], creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const r = await runProcess(AWS, [...args, '--endpoint-url', emu.url, '--output', 'json'], {
    env: {
      HOME: home,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
    },
    timeoutMs: 30000,
  });
  return { ...r, json: r.exitCode === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined };
}

describe('the AWS CLI against the emulator', () => {
  it("prints a fixture user's ARN, and refuses a wrong secret with SignatureDoesNotMatch", async () => {
    const ok = await aws(['sts', 'get-caller-identity'], emu.keys('alice'));
    expect(ok.exitCode).toBe(0);
    expect(ok.json?.Arn).toBe('arn:aws:iam::111111111111:user/alice');
    const bad = await aws(['sts', 'get-caller-identity'], { ...emu.keys('alice'), secretAccessKey: 'wrongwrongwrongwrongwrongwrongwrongwrong' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation');
  });

  it("assumes a role: a wrong code is refused with AWS's message, the right one works once", async () => {
    const base = ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::222222222222:role/admin', '--role-session-name', 'alice', '--serial-number', ALICE_MFA];
    const wrong = await aws([...base, '--token-code', '000000'], emu.keys('alice'));
    expect(wrong.stderr).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRole operation: MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
    const calls = await emu.calls();
    expect(calls.at(-1)).toMatchObject({ action: 'AssumeRole', status: 403, code: 'AccessDenied' });

    const code = await emu.totp();
    const right = await aws([...base, '--token-code', code], emu.keys('alice'));
    expect(right.exitCode).toBe(0);
    const c = right.json!.Credentials as Record<string, string>;
    const who = await aws(['sts', 'get-caller-identity'], { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    expect(who.json?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/admin/alice');

    const again = await aws([...base, '--token-code', code], emu.keys('alice'));
    expect(again.stderr).toContain('MultiFactorAuthentication failed with invalid MFA one time pass code.');
  });

  it('parses IAM answers: aliases, MFA devices, access keys', async () => {
    const aliases = await aws(['iam', 'list-account-aliases'], emu.keys('alice'));
    expect(aliases.json?.AccountAliases).toEqual(['acme-identity']);
    const devices = await aws(['iam', 'list-mfa-devices'], emu.keys('alice'));
    expect(devices.json?.MFADevices[0].SerialNumber).toBe(ALICE_MFA);
    const keys = await aws(['iam', 'list-access-keys'], emu.keys('bob'));
    expect(keys.json?.AccessKeyMetadata[0].AccessKeyId).toBe(emu.keys('bob').accessKeyId);
  });
});

describe('test hooks', () => {
  it('injects an error, latency, a dropped connection and a truncated answer for the next calls', async () => {
    const client = new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: emu.keys('bob'), maxAttempts: 1 });
    await emu.fault({ action: 'GetCallerIdentity', code: 'Throttling', status: 400, message: 'Rate exceeded' });
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '111111111111' });

    await emu.fault({ action: 'GetCallerIdentity', latencyMs: 400 });
    const started = Date.now();
    await client.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);

    await emu.fault({ action: 'GetCallerIdentity', drop: true });
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    await emu.fault({ action: 'GetCallerIdentity', truncate: true });
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '111111111111' });
  });

  it('logs calls without secrets and clears the log', async () => {
    await emu.clearCalls();
    const keys = emu.keys('bob');
    await new STSClient({ region: 'us-east-1', endpoint: emu.url, credentials: keys, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    const calls = await emu.calls();
    expect(calls).toEqual([expect.objectContaining({ service: 'sts', action: 'GetCallerIdentity', accessKeyId: keys.accessKeyId, status: 200, code: 'OK' })]);
    expect(JSON.stringify(calls)).not.toContain(keys.secretAccessKey);
  });
});

describe('federation', () => {
  async function signin(session: object, extra: Record<string, string> = {}) {
    const q = new URLSearchParams({ Action: 'getSigninToken', Session: JSON.stringify(session), ...extra });
    const res = await fetch(`${emu.url}/federation?${q}`);
    return { status: res.status, text: await res.text() };
  }
  const sessionOf = (c: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }) => ({
    sessionId: c.AccessKeyId,
    sessionKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
  });

  it('gives a sign-in token for role credentials and a login redirect, refuses the rest', async () => {
    const keys = emu.keys('alice');
    expect((await signin({ sessionId: keys.accessKeyId, sessionKey: keys.secretAccessKey })).status).toBe(400);
    const gst = await aws(['sts', 'get-session-token', '--serial-number', ALICE_MFA, '--token-code', await emu.totp()], keys);
    const mfaSession = gst.json!.Credentials;
    const refused = await signin(sessionOf(mfaSession));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('GetSessionToken credentials');

    const role = await aws(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::222222222222:role/admin', '--role-session-name', 'alice'], {
      accessKeyId: mfaSession.AccessKeyId,
      secretAccessKey: mfaSession.SecretAccessKey,
      sessionToken: mfaSession.SessionToken,
    });
    const ok = await signin(sessionOf(role.json!.Credentials), { SessionDuration: '3600' });
    expect(ok.status).toBe(200);
    const token = (JSON.parse(ok.text) as { SigninToken: string }).SigninToken;
    const login = await fetch(
      `${emu.url}/federation?${new URLSearchParams({ Action: 'login', Issuer: 'awsdir', Destination: 'https://console.aws.amazon.com/', SigninToken: token })}`,
      { redirect: 'manual' },
    );
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('https://console.aws.amazon.com/');
  });

  it('refuses SessionDuration for a chained role session, as AWS does', async () => {
    const chainEmu = await startTestEmulator({
      accounts: {
        '111111111111': { users: { erin: {} } },
        '222222222222': {
          roles: {
            first: { trust_policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'sts:AssumeRole' }] } },
            second: {
              trust_policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:role/first' }, Action: 'sts:AssumeRole' }] },
            },
          },
        },
      },
    });
    try {
      const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
      const client = (c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
        new STSClient({ region: 'us-east-1', endpoint: chainEmu.url, credentials: c, maxAttempts: 1 });
      const creds = (out: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }) => ({
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      });
      const first = creds(
        await client(chainEmu.keys('erin')).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/first', RoleSessionName: 'erin' })),
      );
      const second = creds(await client(first).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/second', RoleSessionName: 'erin' })));
      const asSession = (c: typeof first) => ({ sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken });
      const call = async (session: object, extra: Record<string, string>) =>
        (await fetch(`${chainEmu.url}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: JSON.stringify(session), ...extra })}`)).status;
      expect(await call(asSession(first), { SessionDuration: '3600' })).toBe(200);
      expect(await call(asSession(second), { SessionDuration: '3600' })).toBe(400);
      expect(await call(asSession(second), {})).toBe(200);
    } finally {
      await chainEmu.close();
    }
  });
});

describe('fixtures and the awsdir emulator command', () => {
  it('refuses a fixture with an unsupported condition, naming the file, path and reason (exit 3)', async () => {
    const file = join(home, 'bad.yaml');
    writeFileSync(
      file,
      'accounts:\n  "111111111111":\n    roles:\n      r:\n        trust_policy: { Statement: [{ Effect: Allow, Principal: "*", Action: "sts:AssumeRole", Condition: { IpAddress: { "aws:SourceIp": 10.0.0.0/8 } } }] }\n',
    );
    const r = await runProcess(process.execPath, [CLI, 'emulator', '--fixture', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      `awsdir: emulator fixture ${file}: accounts.111111111111.roles.r.trust_policy.Statement.0.Condition.IpAddress: condition operator 'IpAddress' is not supported by the emulator; supported: Bool, BoolIfExists, NumericLessThan, StringEquals; fix the fixture and start again\n`,
    );
  });

  it('serves until SIGTERM and prints its endpoint on stderr', async () => {
    const child = spawn(process.execPath, [CLI, 'emulator', '--fixture', DEMO_FIXTURE], {
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no endpoint: ${stderr}`)), 10000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const health = await fetch(`${url}/__emulator/health`);
    expect(health.status).toBe(200);
    const alice = emu.keys('alice'); // derived keys are the same in every process
    const who = await new STSClient({ region: 'us-east-1', endpoint: url, credentials: alice, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::111111111111:user/alice');
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stdout).toBe('');
    await expect(fetch(`${url}/__emulator/health`)).rejects.toThrow();
  });
});

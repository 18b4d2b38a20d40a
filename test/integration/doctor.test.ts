import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseUserPolicy } from '../../src/security/baseUserPolicy';
import { checkNodeVersion } from '../../src/doctor/localChecks';
import { makeHome, runCli } from '../helpers/cli';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';

type Check = { id: string; status: 'pass' | 'warn' | 'fail'; message: string; fix: string };
const DAY = 86_400_000;
// The keychain is shared by every test file of the run: source names of our own.
const source = (n: string) => `doctor${process.pid}${n}`;

async function addSource(name: string, env: Record<string, string>, keys: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const added = await runCli(['add', name, '--from-env'], { env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
  expect({ code: added.exitCode, stderr: added.stderr }).toMatchObject({ code: 0 });
}

async function doctor(args: string[], env: Record<string, string>): Promise<{ exitCode: number | null; checks: Record<string, Check>; stderr: string }> {
  const r = await runCli(['doctor', '--json', ...args], { env, timeoutMs: 60000 });
  if (!r.stdout.startsWith('[')) throw new Error(`doctor printed no JSON (exit ${r.exitCode}): ${r.stderr}`);
  const list = JSON.parse(r.stdout) as Check[];
  return { exitCode: r.exitCode, checks: Object.fromEntries(list.map((c) => [c.id, c])), stderr: r.stderr };
}

describe('awsdir doctor', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({
      accounts: {
        '111111111111': {
          users: {
            alice: {
              mfa: { serial: 'arn:aws:iam::111111111111:mfa/alice', seed: 'JBSWY3DPEHPK3PXP' },
              access_keys: [{ created: new Date(Date.now() - 10 * DAY).toISOString() }],
              inline_policies: { base: baseUserPolicy },
            },
            carol: {
              access_keys: [{ created: new Date(Date.now() - 200 * DAY).toISOString() }],
              policies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
            },
            dave: {
              mfa: { serial: 'arn:aws:iam::111111111111:mfa/dave', seed: 'JBSWY3DPEHPK3PXQ' },
              access_keys: [{ created: new Date(Date.now() - 10 * DAY).toISOString() }],
              // AWS's own "self-manage MFA" shape: everything but MFA enrolment denied without MFA.
              inline_policies: {
                strict: {
                  Version: '2012-10-17',
                  Statement: [
                    { Effect: 'Allow', Action: ['iam:ListMFADevices', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed', 'iam:ListAttachedUserPolicies', 'iam:ListUserPolicies', 'iam:GetUserPolicy', 'iam:ListGroupsForUser', 'sts:AssumeRole'], Resource: '*' },
                    { Effect: 'Deny', NotAction: ['iam:ListMFADevices', 'sts:GetSessionToken'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
                  ],
                },
              },
            },
          },
        },
      },
    });
  });
  afterAll(() => emu.close());

  test('a careful setup passes every check (exit 0)', async () => {
    const { home, env: homeEnv } = makeHome();
    const env = { ...homeEnv, ...emu.env, SHELL: '/bin/bash', AWSDIR_KEYRING: 'os' };
    writeFileSync(join(home, '.bashrc'), '# mine\neval "$(direnv hook bash)"\n');
    expect((await runCli(['hook', 'direnv', '--install'], { env })).exitCode).toBe(0);
    await addSource(source('good'), env, emu.keys('alice'));
    const r = await doctor(['--source', source('good')], env);
    for (const c of Object.values(r.checks)) expect({ id: c.id, status: c.status, message: c.message }).toEqual({ id: c.id, status: 'pass', message: c.message });
    expect(Object.keys(r.checks).sort()).toEqual(
      ['base-user-permissions', 'clock-skew', 'direnv-hook', 'direnv-installed', 'key-age', 'keychain', 'mfa-device', 'node-version', 'plaintext-credentials', 'sso-sign-in', 'use-aws-helper', 'user-config'].sort(),
    );
    expect(r.checks.keychain?.message).toContain('backend os');
    expect(r.exitCode).toBe(0);
    await runCli(['remove', source('good')], { env });
  });

  test('a careless setup fails each check with its fix (exit 1)', async () => {
    const { home, env: homeEnv } = makeHome();
    const emptyPath = mkdtempSync(join(tmpdir(), 'awsdir-nopath-'));
    const env = { ...homeEnv, ...emu.env, SHELL: '/usr/bin/zsh', AWSDIR_KEYRING: 'os' };
    const carol = emu.keys('carol');
    await addSource(source('bad'), env, carol);
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'credentials'), `[default]\naws_access_key_id = ${carol.accessKeyId}\naws_secret_access_key = ${carol.secretAccessKey}\n`);
    writeFileSync(join(home, '.bashrc'), 'eval "$(direnv hook bash)"\n'); // hooked, but not into zsh, the shell in use
    await fetch(`${emu.url}/__emulator/clock`, { method: 'POST', body: JSON.stringify({ skewSeconds: 600 }), headers: { 'content-type': 'application/json' } });
    try {
      const r = await doctor(['--source', source('bad')], { ...env, PATH: emptyPath });
      const c = r.checks;
      expect(c['direnv-installed']).toMatchObject({ status: 'fail', fix: expect.stringContaining('install direnv') });
      expect(c['direnv-hook']).toMatchObject({ status: 'fail', message: expect.stringContaining('zsh'), fix: expect.stringContaining('.zshrc') });
      expect(c['use-aws-helper']).toMatchObject({ status: 'fail', fix: 'run `awsdir hook direnv --install`' });
      expect(c['plaintext-credentials']).toMatchObject({ status: 'fail', fix: expect.stringContaining('--from-profile default --remove-from-file') });
      expect(c['base-user-permissions']).toMatchObject({ status: 'fail', message: expect.stringContaining('AdministratorAccess (attached to user carol): *') });
      expect(c['key-age']).toMatchObject({ status: 'fail', message: expect.stringMatching(/20\d days old/), fix: expect.stringContaining('awsdir rotate') });
      expect(c['mfa-device']).toMatchObject({ status: 'fail', message: expect.stringContaining('no MFA device') });
      expect(c['clock-skew']).toMatchObject({ status: 'fail', message: expect.stringMatching(/clock is (59\d|60\d)s behind AWS; the AWS SDK corrects for it silently, but the AWS CLI does not/) });
      expect(c.keychain?.status).toBe('pass');
      expect(r.exitCode).toBe(1);
      // No secret in what doctor prints.
      expect(JSON.stringify(r)).not.toContain(carol.secretAccessKey);
    } finally {
      await fetch(`${emu.url}/__emulator/clock`, { method: 'POST', body: JSON.stringify({ skewSeconds: 0 }), headers: { 'content-type': 'application/json' } });
      await runCli(['remove', source('bad')], { env });
    }
  });

  test('a plaintext key under a dotted profile name ([acme.dev]) is flagged, with the import command for that name', async () => {
    const { home, env: homeEnv } = makeHome();
    const env = { ...homeEnv, ...emu.env, SHELL: '/bin/bash', AWSDIR_KEYRING: 'os' };
    const carol = emu.keys('carol');
    mkdirSync(join(home, '.aws'));
    writeFileSync(
      join(home, '.aws', 'credentials'),
      `; work\n[acme.dev]\naws_access_key_id = ${carol.accessKeyId}\naws_secret_access_key = ${carol.secretAccessKey}\n\n[acme.ci.tmp]\naws_access_key_id = ASIAEXAMPLETEMPORARY\naws_secret_access_key = tmpsecret\naws_session_token = tok\n`,
    );
    const r = await doctor([], env);
    expect(r.checks['plaintext-credentials']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('(profile acme.dev)'),
      fix: expect.stringContaining('`awsdir add acme.dev --from-profile acme.dev --remove-from-file`'),
    });
    expect(JSON.stringify(r)).not.toContain(carol.secretAccessKey);
    // The same file named by AWS_SHARED_CREDENTIALS_FILE, with the temporary profile alone: a warning naming it.
    const elsewhere = join(home, 'creds');
    writeFileSync(elsewhere, `[acme.ci.tmp]\naws_access_key_id = ASIAEXAMPLETEMPORARY\naws_secret_access_key = tmpsecret\naws_session_token = tok\n`);
    const temporary = await doctor([], { ...env, AWS_SHARED_CREDENTIALS_FILE: elsewhere });
    expect(temporary.checks['plaintext-credentials']).toMatchObject({ status: 'warn', message: expect.stringContaining(`${elsewhere} holds temporary credentials (profile acme.ci.tmp)`) });
  });

  test('a policy that demands MFA for IAM reads gives a warning naming --mfa-code, and passes with it', async () => {
    const { env: homeEnv } = makeHome();
    const env = { ...homeEnv, ...emu.env, SHELL: '/bin/bash', AWSDIR_KEYRING: 'os' };
    await addSource(source('mfa'), env, emu.keys('dave'));
    try {
      const without = await doctor(['--source', source('mfa')], env);
      expect(without.checks['key-age']).toMatchObject({ status: 'warn', fix: expect.stringContaining('--mfa-code') });
      expect(without.checks['mfa-device']?.status).toBe('pass');
      const code = await emu.totp('arn:aws:iam::111111111111:mfa/dave');
      const withCode = await doctor(['--source', source('mfa'), '--mfa-code', code], env);
      expect(withCode.checks['key-age']).toMatchObject({ status: 'pass' });
      // Its policy grants nothing beyond the template's actions, once it can be read.
      expect(withCode.checks['base-user-permissions']).toMatchObject({ status: 'pass', message: expect.stringContaining('1 policy read') });
    } finally {
      await runCli(['remove', source('mfa')], { env });
    }
  });

  test('an unreadable user file and an absent keychain fail, and the AWS checks say why they were skipped', async () => {
    const { home, env: homeEnv } = makeHome();
    mkdirSync(join(home, '.config', 'awsdir'), { recursive: true });
    writeFileSync(join(home, '.config', 'awsdir', 'config.yaml'), 'version: 1\nsources: [oops\n');
    const r = await doctor([], { ...homeEnv, ...emu.env, AWSDIR_KEYRING: 'os', DBUS_SESSION_BUS_ADDRESS: undefined as unknown as string });
    expect(r.checks['user-config']).toMatchObject({ status: 'fail', message: expect.stringContaining('config.yaml') });
    expect(r.checks.keychain?.status).toBe('fail');
    expect(r.checks['key-age']).toMatchObject({ status: 'warn', message: expect.stringContaining('not checked') });
    expect(r.exitCode).toBe(1);
  });

  test('node-version fails below Node 20 (an old node cannot be had here, so its answer is given)', async () => {
    const old = await checkNodeVersion('/opt/node18/bin/node', async () => ({ exitCode: 0, stdout: 'v18.19.0\n', stderr: '' }));
    expect(old).toMatchObject({ id: 'node-version', status: 'fail', fix: expect.stringContaining('Node.js 20+') });
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseUserPolicy } from '../../src/security/baseUserPolicy';
import { checkNodeVersion } from '../../src/doctor/localChecks';
import { makeHome, runCli } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_DEVICE } from '../support/fixture';
import { makeWorld, type World } from '../support/world';

type Check = { id: string; status: 'pass' | 'warn' | 'fail'; message: string; fix: string };
const DAY = 86_400_000;

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
              mfa: MFA_DEVICE,
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
                    {
                      Effect: 'Allow',
                      Action: [
                        'iam:ListMFADevices',
                        'iam:ListAccessKeys',
                        'iam:GetAccessKeyLastUsed',
                        'iam:ListAttachedUserPolicies',
                        'iam:ListUserPolicies',
                        'iam:GetUserPolicy',
                        'iam:ListGroupsForUser',
                        'sts:AssumeRole',
                      ],
                      Resource: '*',
                    },
                    {
                      Effect: 'Deny',
                      NotAction: ['iam:ListMFADevices', 'sts:GetSessionToken'],
                      Resource: '*',
                      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
                    },
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

  /** A HOME with no user file yet, SHELL set; its source is added by the test, with whose keys it says. */
  const machine = (name: string, shell = '/bin/bash'): Promise<World> =>
    makeWorld(`doctor${name}`, { emu, userFile: false, addSource: false, env: { SHELL: shell, AWSDIR_KEYRING: 'os' } });

  test('a careful setup passes every check (exit 0)', async () => {
    const w = await machine('good');
    writeFileSync(join(w.home, '.bashrc'), '# mine\neval "$(direnv hook bash)"\n');
    expect((await runCli(['hook', 'direnv', '--install'], { env: w.env })).exitCode).toBe(0);
    await w.addSource(w.source);
    const r = await doctor(['--source', w.source], w.env);
    // Node.js 20, past its end of life, is the one warning a careful setup can still get.
    const nodeStatus = Number(process.versions.node.split('.')[0]) >= 22 ? 'pass' : 'warn';
    for (const c of Object.values(r.checks)) {
      expect({ id: c.id, status: c.status, message: c.message }).toEqual({
        id: c.id,
        status: c.id === 'node-version' ? nodeStatus : 'pass',
        message: c.message,
      });
    }
    expect(Object.keys(r.checks).sort()).toEqual(
      [
        'base-user-permissions',
        'clock-skew',
        'direnv-hook',
        'direnv-installed',
        'key-age',
        'keychain',
        'mfa-device',
        'node-version',
        'plaintext-credentials',
        'sso-sign-in',
        'use-aws-helper',
        'user-config',
      ].sort(),
    );
    expect(r.checks.keychain?.message).toContain('backend os');
    expect(r.exitCode).toBe(0);
    await w.close();
  });

  test('a careless setup fails each check with its fix (exit 1)', async () => {
    const w = await machine('bad', '/usr/bin/zsh');
    const emptyPath = mkdtempSync(join(tmpdir(), 'awsdir-nopath-'));
    const carol = emu.keys('carol');
    await w.addSource(w.source, carol);
    mkdirSync(join(w.home, '.aws'));
    writeFileSync(
      join(w.home, '.aws', 'credentials'),
      `[default]\naws_access_key_id = ${carol.accessKeyId}\naws_secret_access_key = ${carol.secretAccessKey}\n`,
    );
    writeFileSync(join(w.home, '.bashrc'), 'eval "$(direnv hook bash)"\n'); // hooked, but not into zsh, the shell in use
    await emu.skewClock(600);
    try {
      const r = await doctor(['--source', w.source], { ...w.env, PATH: emptyPath });
      const c = r.checks;
      expect(c['direnv-installed']).toMatchObject({ status: 'fail', fix: expect.stringContaining('install direnv') });
      expect(c['direnv-hook']).toMatchObject({ status: 'fail', message: expect.stringContaining('zsh'), fix: expect.stringContaining('.zshrc') });
      expect(c['use-aws-helper']).toMatchObject({ status: 'fail', fix: 'run `awsdir hook direnv --install`' });
      expect(c['plaintext-credentials']).toMatchObject({ status: 'fail', fix: expect.stringContaining('--from-profile default --remove-from-file') });
      expect(c['base-user-permissions']).toMatchObject({ status: 'fail', message: expect.stringContaining('AdministratorAccess (attached to user carol): *') });
      expect(c['key-age']).toMatchObject({ status: 'fail', message: expect.stringMatching(/20\d days old/), fix: expect.stringContaining('awsdir rotate') });
      expect(c['mfa-device']).toMatchObject({ status: 'fail', message: expect.stringContaining('no MFA device') });
      expect(c['clock-skew']).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(/clock is (59\d|60\d)s behind AWS; the AWS SDK corrects for it silently, but the AWS CLI does not/),
      });
      expect(c.keychain?.status).toBe('pass');
      expect(r.exitCode).toBe(1);
      // No secret in what doctor prints.
      expect(JSON.stringify(r)).not.toContain(carol.secretAccessKey);
    } finally {
      await emu.skewClock(0);
      await w.close();
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
    expect(temporary.checks['plaintext-credentials']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(`${elsewhere} holds temporary credentials (profile acme.ci.tmp)`),
    });
  });

  test('a policy that demands MFA for IAM reads gives a warning naming --mfa-code, and passes with it', async () => {
    const w = await machine('mfa');
    try {
      await w.addSource(w.source, emu.keys('dave'));
      const without = await doctor(['--source', w.source], w.env);
      expect(without.checks['key-age']).toMatchObject({ status: 'warn', fix: expect.stringContaining('--mfa-code') });
      expect(without.checks['mfa-device']?.status).toBe('pass');
      const code = await emu.totp('arn:aws:iam::111111111111:mfa/dave');
      const withCode = await doctor(['--source', w.source, '--mfa-code', code], w.env);
      expect(withCode.checks['key-age']).toMatchObject({ status: 'pass' });
      // Its policy grants nothing beyond the template's actions, once it can be read.
      expect(withCode.checks['base-user-permissions']).toMatchObject({ status: 'pass', message: expect.stringContaining('1 policy read') });
    } finally {
      await w.close();
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

  test('node-version: fails below Node.js 20, warns on 20 with its end of life, passes from 22 (versions not installed here are given as answers)', async () => {
    const check = (version: string) => checkNodeVersion('/opt/node/bin/node', async () => ({ exitCode: 0, stdout: `${version}\n`, stderr: '' }));
    const install = 'install Node.js 24 (LTS) or 22 (https://nodejs.org) and reinstall awsdir (`npm install --global .` from its checkout)';
    expect(await check('v18.19.0')).toEqual({
      id: 'node-version',
      status: 'fail',
      message: 'Node.js v18.19.0 runs awsdir; it needs Node.js 24 or 22',
      fix: install,
    });
    expect(await check('v20.20.2')).toEqual({
      id: 'node-version',
      status: 'warn',
      message:
        'Node.js v20.20.2 runs awsdir; it reached its end of life on 2026-04-30 (no more security fixes, and AWS SDK releases after early January 2027 need Node.js 22); awsdir still works on it for now',
      fix: install,
    });
    expect(await check('v21.7.3')).toMatchObject({ status: 'warn', message: expect.stringContaining('end of life on 2024-06-01') });
    for (const version of ['v22.23.5', 'v24.22.3', 'v26.12.1'])
      expect(await check(version)).toEqual({ id: 'node-version', status: 'pass', message: `Node.js ${version}`, fix: '' });
  });
});

/**
 * `awsdir console` through the built CLI against the emulator's federation endpoint: the printed
 * URL, the one-shot 127.0.0.1 redirect handed to a browser opener (a stand-in on PATH that records
 * its argv, so the test can see what any local user could), and the refusals.
 */
// This file also runs the SDK in the test process (createSts): its Node 20 warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, CLI, runCli } from '../helpers/cli';
import type { TestEmulator } from '../helpers/emulator';
import { addProject, closeWorld, makeWorld, PRODUCTION_PROJECT, type World } from '../helpers/world';
import { assertFederable, getSigninToken } from '../../src/aws/federation';
import { createSts } from '../../src/aws/sdk';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
let w: World;
let emu: TestEmulator;
let home: string;
let env: Record<string, string>;
let production: string;
let longadmin: string;

beforeAll(async () => {
  // The world's environment already points AWSDIR_FEDERATION_ENDPOINT at the emulator.
  w = await makeWorld('console');
  ({ emu, home, env } = w);
  production = await addProject(w, 'production', PRODUCTION_PROJECT);
  longadmin = await addProject(w, 'longadmin', 'role: arn:aws:iam::222222222222:role/longadmin\nregion: eu-west-1\nduration: 2h\n');
}, 60_000);

afterAll(() => closeWorld(w));

const signinCalls = async (): Promise<string[]> =>
  (await emu.calls()).filter((c) => c.service === 'signin').map((c) => `${c.action}:${c.status}${c.principal ? `:${c.principal}` : ''}`);

test('--print: a login URL on stdout, a warning on stderr; a chained role session is sent without SessionDuration', async () => {
  await emu.clearCalls();
  const r = await runCli(['console', '--print'], { env: { ...env, AWSDIR_MFA_CODE: await emu.totp(SERIAL) }, cwd: production });
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toMatch(/^awsdir: warning: the URL below holds a sign-in token/);
  const url = new URL(r.stdout.trim());
  expect(`${url.origin}${url.pathname}`).toBe(`${emu.url}/federation`);
  expect(url.searchParams.get('Action')).toBe('login');
  expect(url.searchParams.get('SigninToken')).toBeTruthy();
  expect(url.searchParams.get('Destination')).toBe('https://console.aws.amazon.com/console/home?region=ap-northeast-1');
  // The emulator, like AWS, refuses SessionDuration for a chained session; 43200 is its default when absent.
  expect(await signinCalls()).toEqual(['getSigninToken:200:console session 43200s']);
  const login = await fetch(url, { redirect: 'manual' });
  expect(login.status).toBe(302);
  expect(login.headers.get('location')).toBe('https://console.aws.amazon.com/console/home?region=ap-northeast-1');
});

test('a role assumed directly from long-term keys (above the 1 hour cap) asks for a console session as long as its own', async () => {
  await emu.clearCalls();
  const r = await runCli(['console', '--print', '--destination', 'https://console.aws.amazon.com/s3/home'], {
    env: { ...env, AWSDIR_MFA_CODE: await emu.totp(SERIAL) },
    cwd: longadmin,
  });
  expect(r.stderr).not.toContain('refused');
  expect(r.exitCode).toBe(0);
  expect(new URL(r.stdout.trim()).searchParams.get('Destination')).toBe('https://console.aws.amazon.com/s3/home');
  const [call] = await signinCalls();
  expect(call).toMatch(/^getSigninToken:200:console session (7[12]\d\d)s$/);
});

test('the browser gets a one-shot 127.0.0.1 link: no token in its argv, one redirect, then nothing', async () => {
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  const argvFile = join(home, 'opener-argv');
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(argvFile)}.tmp && mv ${JSON.stringify(argvFile)}.tmp ${JSON.stringify(argvFile)}\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const child = spawn(process.execPath, [CLI, 'console'], {
    cwd: production,
    env: { ...baseEnv(), ...env, PATH: `${bin}:${process.env.PATH}` } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));

  const deadline = Date.now() + 15_000;
  while (!existsSync(argvFile)) {
    if (Date.now() > deadline) throw new Error(`the opener was not run; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const argv = readFileSync(argvFile, 'utf8').trim().split('\n');
  expect(argv).toHaveLength(1);
  expect(argv[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{48}$/);
  expect(argv[0]).not.toContain('SigninToken');

  // A wrong path is not the link, and does not use it up.
  const port = new URL(argv[0]!).port;
  expect((await fetch(`http://127.0.0.1:${port}/favicon.ico`)).status).toBe(404);
  const first = await fetch(argv[0]!, { redirect: 'manual' });
  expect(first.status).toBe(302);
  const target = new URL(first.headers.get('location')!);
  expect(`${target.origin}${target.pathname}`).toBe(`${emu.url}/federation`);
  expect(target.searchParams.get('SigninToken')).toBeTruthy();
  expect(first.headers.get('cache-control')).toBe('no-store');
  await expect(fetch(argv[0]!, { redirect: 'manual' })).rejects.toThrow();

  expect(await exited).toBe(0);
  expect(stdout).toBe('');
  expect(stderr).toBe('awsdir: opening the AWS console as admin @ 222222222222 (production) in your browser\n');
});

test('without a browser opener it says so and suggests --print', async () => {
  const empty = join(home, 'empty-bin');
  mkdirSync(empty, { recursive: true });
  const r = await runCli(['console'], { env: { ...env, PATH: empty }, cwd: production });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('awsdir: console: no browser opener (xdg-open) is installed; run `awsdir console --print` and open the URL in a browser yourself\n');
  expect(r.exitCode).toBe(1);
});

test('long-term keys and GetSessionToken sessions are refused with the reason, before and at the endpoint', async () => {
  const keys = emu.keys('alice');
  expect(() => assertFederable(keys, 'arn:aws:iam::111111111111:user/alice')).toThrow(/long-term access keys .* takes role sessions only/);
  const sts = createSts({ credentials: keys, region: 'us-east-1', env: emu.env });
  const session = await sts.getSessionToken({ durationSeconds: 900, serialNumber: SERIAL, tokenCode: await emu.totp(SERIAL) });
  sts.destroy();
  expect(() => assertFederable(session, 'arn:aws:iam::111111111111:user/alice')).toThrow(/is a GetSessionToken session, which the federation endpoint refuses/);
  // Were the check skipped, the endpoint's own refusal is passed on in words.
  await expect(getSigninToken({ credentials: session, endpoint: `${emu.url}/federation` })).rejects.toThrow(/refused the role session \(HTTP 400: GetSessionToken credentials cannot sign in/);
  await expect(getSigninToken({ credentials: keys, endpoint: `${emu.url}/federation` })).rejects.toThrow(/HTTP 400: long-term access keys cannot sign in/);
});

test('--destination must be a URL (usage error, exit 2)', async () => {
  const r = await runCli(['console', '--print', '--destination', 'javascript:alert(1)'], { env, cwd: production });
  expect(r.stderr).toMatch(/^awsdir: --destination "javascript:alert\(1\)" is not an http\(s\) URL/);
  expect(r.exitCode).toBe(2);
});

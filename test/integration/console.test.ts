/**
 * `awsdir console` through the built CLI against the emulator's federation endpoint: the printed
 * URL, the page handed to a browser opener (a stand-in on PATH that lets another local user try its
 * arguments before it opens them as the person's browser would), and the refusals.
 */
// This file also runs the SDK in the test process (createSts): its Node 20 warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertFederable, getSigninToken } from '../../src/aws/federation';
import { createSts } from '../../src/aws/sdk';
import { MFA_SERIAL, PRODUCTION_PROJECT, ROLES } from '../support/fixture';
import { useWorld } from '../support/world';

// The world's environment already points AWSDIR_FEDERATION_ENDPOINT at the emulator.
const w = useWorld('console', {
  projects: { production: PRODUCTION_PROJECT, longadmin: `role: ${ROLES.productionLongAdmin}\nregion: eu-west-1\nduration: 2h\n` },
});

const signinCalls = async (): Promise<string[]> =>
  (await w.emu.calls()).filter((c) => c.service === 'signin').map((c) => `${c.action}:${c.status}${c.principal ? `:${c.principal}` : ''}`);

test('--print: a login URL on stdout, a warning on stderr; a chained role session is sent without SessionDuration', async () => {
  await w.emu.clearCalls();
  const r = await w.run(['console', '--print'], { env: { AWSDIR_MFA_CODE: await w.emu.totp() }, cwd: w.dirs.production });
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toMatch(/^awsdir: warning: the URL below holds a sign-in token/);
  const url = new URL(r.stdout.trim());
  expect(`${url.origin}${url.pathname}`).toBe(`${w.emu.url}/federation`);
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
  await w.emu.clearCalls();
  const r = await w.run(['console', '--print', '--destination', 'https://console.aws.amazon.com/s3/home'], {
    env: { AWSDIR_MFA_CODE: await w.emu.totp() },
    cwd: w.dirs.longadmin,
  });
  expect(r.stderr).not.toContain('refused');
  expect(r.exitCode).toBe(0);
  expect(new URL(r.stdout.trim()).searchParams.get('Destination')).toBe('https://console.aws.amazon.com/s3/home');
  const [call] = await signinCalls();
  expect(call).toMatch(/^getSigninToken:200:console session (7[12]\d\d)s$/);
});

/**
 * What any other local user can do with an opener's arguments (readable by all in /proc/PID/cmdline):
 * read a file:// path they name, fetch every URL in them or in what was read. Run as nobody, a real
 * other user: the tests run as root.
 */
const THIEF = `
const { readFileSync } = require('node:fs');
const { fileURLToPath } = require('node:url');
(async () => {
  const tried = [];
  const urls = [];
  for (const arg of process.argv.slice(1)) {
    if (/^https?:/.test(arg)) urls.push(arg);
    if (!arg.startsWith('file:')) continue;
    try {
      const text = readFileSync(fileURLToPath(arg), 'utf8');
      tried.push({ read: arg, text });
      urls.push(...(text.match(/https?:[^\\s"'<>]+/g) || []));
    } catch (e) {
      tried.push({ read: arg, error: e.code });
    }
  }
  for (const url of urls) {
    try {
      const r = await fetch(url, { redirect: 'manual' });
      tried.push({ fetched: url, status: r.status, location: r.headers.get('location'), body: await r.text() });
    } catch (e) {
      tried.push({ fetched: url, error: String((e.cause && e.cause.code) || e) });
    }
  }
  process.stdout.write(JSON.stringify(tried));
})();
`;

/**
 * A browser opener that lets the other user try its arguments first, then opens them as the person
 * would: the page read, where it points fetched, redirects followed up to the federation login URL.
 * Writes what each side got to `record` (JSON).
 */
function attackedOpener(bin: string, record: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'xdg-open'),
    `#!${process.execPath}
const { execFileSync } = require('node:child_process');
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { fileURLToPath } = require('node:url');
(async () => {
  const args = process.argv.slice(2);
  const record = { args };
  record.thief = JSON.parse(execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', ${JSON.stringify(THIEF)}, ...args], { cwd: '/', encoding: 'utf8' }));
  let next = args[0];
  try {
    if (next.startsWith('file:')) {
      const path = fileURLToPath(next);
      record.modes = { file: statSync(path).mode & 0o777, dir: statSync(dirname(path)).mode & 0o777 };
      record.page = readFileSync(path, 'utf8');
      next = /location\\.replace\\(("[^"]*")\\)/.exec(record.page)?.[1];
      next = next && JSON.parse(next);
    }
    while (next && !new URL(next).searchParams.has('SigninToken')) {
      const r = await fetch(next, { redirect: 'manual' });
      next = r.status >= 300 && r.status < 400 ? r.headers.get('location') : undefined;
      if (!next) record.error = 'HTTP ' + r.status;
    }
    record.signin = next;
  } catch (e) {
    record.error = String((e.cause && e.cause.code) || e.message);
  }
  writeFileSync(${JSON.stringify(record)} + '.tmp', JSON.stringify(record));
  renameSync(${JSON.stringify(record)} + '.tmp', ${JSON.stringify(record)});
})();
`,
  );
  chmodSync(join(bin, 'xdg-open'), 0o755);
}

async function waitForFile(path: string, what: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${what} never appeared at ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(path, 'utf8');
}

/** A runtime directory anyone may enter, so only awsdir's own 0700 directory and 0600 file keep others out. */
function openRuntimeDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-console-runtime-')));
  chmodSync(dir, 0o755);
  runtimeDirs.push(dir);
  return dir;
}
const runtimeDirs: string[] = [];
afterAll(() => runtimeDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("another local user who reads the opener's arguments gets no sign-in token; the person's browser does, and the page is gone after", async () => {
  const bin = join(w.home, 'attacked-bin');
  const recordFile = join(w.home, 'opener-record.json');
  attackedOpener(bin, recordFile);
  const runtime = openRuntimeDir();
  const r = await w.run(['console'], {
    env: { PATH: `${bin}:${process.env.PATH}`, XDG_RUNTIME_DIR: runtime, AWSDIR_MFA_CODE: await w.emu.totp() },
    cwd: w.dirs.production,
    timeoutMs: 30_000,
  });
  const record = JSON.parse(await waitForFile(recordFile, "the opener's record")) as {
    args: string[];
    thief: unknown[];
    modes?: { file: number; dir: number };
    page?: string;
    signin?: string;
    error?: string;
  };

  // The other user: the argument names a page they cannot read, and holds nothing else to try.
  expect(JSON.stringify(record.thief)).not.toContain('SigninToken');
  expect(record.args).toEqual([expect.stringMatching(/^file:\/\/\//)]);
  expect(record.thief).toEqual([{ read: record.args[0], error: 'EACCES' }]);
  const page = fileURLToPath(record.args[0]!);
  expect(dirname(dirname(page))).toBe(runtime);
  expect(record.modes).toEqual({ file: 0o600, dir: 0o700 });
  // The page holds a loopback link only: the token itself is in no file.
  expect(record.page).not.toContain('SigninToken');
  expect(record.page).toContain('<meta name="referrer" content="no-referrer">');

  // The person: the page led to the federation login URL, and the endpoint signs in with its token.
  expect(record.error).toBeUndefined();
  const signin = new URL(record.signin!);
  expect(`${signin.origin}${signin.pathname}`).toBe(`${w.emu.url}/federation`);
  const login = await fetch(signin, { redirect: 'manual' });
  expect(login.status).toBe(302);
  expect(login.headers.get('location')).toBe('https://console.aws.amazon.com/console/home?region=ap-northeast-1');

  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('awsdir: opening the AWS console as admin @ 222222222222 (production) in your browser\n');
  expect(r.exitCode).toBe(0);
  expect(existsSync(page)).toBe(false);
  expect(readdirSync(runtime)).toEqual([]);
});

test('a browser that never opens the page: a non-zero exit saying so and naming --print, and the page removed (no runtime directory: the state directory holds it)', async () => {
  const bin = join(w.home, 'idle-bin');
  mkdirSync(bin, { recursive: true });
  const argvFile = join(w.home, 'idle-opener-argv');
  writeFileSync(
    join(bin, 'xdg-open'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(argvFile)}.tmp && mv ${JSON.stringify(argvFile)}.tmp ${JSON.stringify(argvFile)}\n`,
  );
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const state = join(w.home, '.local', 'state', 'awsdir');
  const r = await w.run(['console'], {
    env: { PATH: `${bin}:${process.env.PATH}`, XDG_RUNTIME_DIR: undefined, AWSDIR_CONSOLE_WAIT_SECONDS: '1' },
    cwd: w.dirs.production,
  });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    'awsdir: opening the AWS console as admin @ 222222222222 (production) in your browser\n' +
      'awsdir: console: the browser did not open the sign-in page within 1s, so nothing was signed in and the page is removed; run `awsdir console --print` and open the URL in a browser yourself\n',
  );
  expect(r.exitCode).toBe(1);
  const [arg] = (await waitForFile(argvFile, "the opener's arguments")).trim().split('\n');
  expect(arg).toMatch(/^file:\/\/\//);
  expect(dirname(dirname(fileURLToPath(arg!)))).toBe(state);
  expect(existsSync(fileURLToPath(arg!))).toBe(false);
  expect(readdirSync(state).filter((f) => f.startsWith('awsdir-console-'))).toEqual([]);
});

test('without a browser opener it says so and suggests --print', async () => {
  const empty = join(w.home, 'empty-bin');
  mkdirSync(empty, { recursive: true });
  const r = await w.run(['console'], { env: { PATH: empty }, cwd: w.dirs.production });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('awsdir: console: no browser opener (xdg-open) is installed; run `awsdir console --print` and open the URL in a browser yourself\n');
  expect(r.exitCode).toBe(1);
});

test('long-term keys and GetSessionToken sessions are refused with the reason, before and at the endpoint', async () => {
  const keys = w.emu.keys('alice');
  expect(() => assertFederable(keys, 'arn:aws:iam::111111111111:user/alice')).toThrow(/long-term access keys .* takes role sessions only/);
  const sts = createSts({ credentials: keys, region: 'us-east-1', env: w.emu.env });
  const session = await sts.getSessionToken({ durationSeconds: 900, serialNumber: MFA_SERIAL, tokenCode: await w.emu.totp() });
  sts.destroy();
  expect(() => assertFederable(session, 'arn:aws:iam::111111111111:user/alice')).toThrow(/is a GetSessionToken session, which the federation endpoint refuses/);
  // Were the check skipped, the endpoint's own refusal is passed on in words.
  await expect(getSigninToken({ credentials: session, endpoint: `${w.emu.url}/federation` })).rejects.toThrow(
    /refused the role session \(HTTP 400: GetSessionToken credentials cannot sign in/,
  );
  await expect(getSigninToken({ credentials: keys, endpoint: `${w.emu.url}/federation` })).rejects.toThrow(/HTTP 400: long-term access keys cannot sign in/);
});

test('--destination must be a URL (usage error, exit 2)', async () => {
  const r = await w.run(['console', '--print', '--destination', 'javascript:alert(1)'], { cwd: w.dirs.production });
  expect(r.stderr).toMatch(/^awsdir: --destination "javascript:alert\(1\)" is not an http\(s\) URL/);
  expect(r.exitCode).toBe(2);
});

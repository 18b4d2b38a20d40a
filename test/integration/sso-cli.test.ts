/**
 * IAM Identity Center sources through the built CLI against the emulator: `awsdir add SOURCE
 * --sso-start-url`, `login`, `logout`. A stand-in browser on PATH (`xdg-open`) reads the page it
 * is given, follows it to the verification URL and confirms (or denies, or lets expire) the code
 * through the emulator's hook, recording every opening. Commands that sign in run on a terminal
 * (`script` gives them one); those that must not have one run under setsid. A private keychain
 * shows exactly what is stored, and a poller reads every process's argv while the file runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListAccountsCommand, SSOClient } from '@aws-sdk/client-sso';
import { CLI, makeHome, runProcess, type CliResult } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { filesHolding } from '../hardening/awsdirWorld';
import { keychainEntries, startPrivateKeychain, type PrivateKeychain } from '../support/privateKeychain';
import { installStandInBrowser, type BrowserMode, type BrowserOpening, type StandInBrowser } from '../support/ssoBrowser';
import { SSO_START_URL, ssoFixture } from '../support/fixture';

jest.setTimeout(120_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const START_URL = SSO_START_URL;
const FIXTURE = ssoFixture({
  accounts: { '222222222222': { alias: 'acme-production', email: 'aws-production@corp.example' }, '333333333333': { alias: 'acme-development' } },
  assignments: [
    { account: '222222222222', permission_set: 'AdministratorAccess' },
    { account: '333333333333', permission_set: 'ReadOnlyAccess' },
  ],
});
const SIGNED_IN = /^awsdir: signed in to corp until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; 2 accounts$/m;

// Every command line of the processes of this file, told apart by the private keychain's bus address.
const POLLER = `
const fs = require('fs');
const marker = 'DBUS_SESSION_BUS_ADDRESS=' + process.argv[1];
const seen = new Set();
const scan = () => {
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(p) || p === String(process.pid)) continue;
    try {
      const line = fs.readFileSync('/proc/' + p + '/cmdline').toString().split('\\0').join(' ').trim();
      if (!line || seen.has(line)) continue;
      if (fs.readFileSync('/proc/' + p + '/environ').toString().split('\\0').includes(marker)) seen.add(line);
    } catch {}
  }
};
const timer = setInterval(scan, 4);
process.stdout.write('ready\\n');
process.on('SIGTERM', () => { clearInterval(timer); scan(); process.stdout.write(JSON.stringify([...seen]), () => process.exit(0)); });
`;

let emu: TestEmulator;
let keychain: PrivateKeychain;
let home: string;
let env: Record<string, string>;
let userFile: string;
let standIn: StandInBrowser;
let poller: { stop: () => Promise<string[]> };
let runs = 0;
/** Every token, refresh token and client secret the keychain held at some point. */
const secrets = new Set<string>();
/** Every output of the file's runs, checked for secrets at the end. */
const outputs: Array<{ what: string; result: CliResult }> = [];

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function browser(mode: BrowserMode): void {
  standIn.mode(mode);
}

function openings(): BrowserOpening[] {
  return standIn.openings();
}

function remember(what: string, result: CliResult): CliResult {
  outputs.push({ what, result });
  for (const value of keychainEntries(keychain.env).values()) {
    const v = JSON.parse(value) as { accessToken?: string; refreshToken?: string; clientSecret?: string };
    for (const s of [v.accessToken, v.refreshToken, v.clientSecret]) if (s) secrets.add(s);
  }
  return result;
}

/** The built CLI on a terminal (a pty from `script`), its stdout and stderr kept apart. */
async function onTerminal(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  const n = (runs += 1);
  const out = join(home, `.out-${n}`);
  const err = join(home, `.err-${n}`);
  const command = `${[process.execPath, CLI, ...args].map(shq).join(' ')} >${shq(out)} 2>${shq(err)}`;
  const r = await runProcess('script', ['-qec', command, '/dev/null'], { env: { ...env, ...extra }, cwd: home, timeoutMs: 60_000 });
  const result = { exitCode: r.exitCode, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  rmSync(out);
  rmSync(err);
  return remember(`${args.join(' ')} (terminal)`, result);
}

/** The built CLI in a session of its own: /dev/tty cannot be opened, as in an editor or a script. */
async function noTerminal(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return remember(
    args.join(' '),
    await runProcess('setsid', ['-w', process.execPath, CLI, ...args], { env: { ...env, ...extra }, cwd: home, timeoutMs: 60_000 }),
  );
}

const ssoState = async (): Promise<{ authorizations: Array<{ status: string }>; sessions: Array<{ loggedOut: boolean }>; clients: unknown[] }> =>
  (await (await fetch(`${emu.url}/__emulator/sso`)).json()) as never;
const calls = async (): Promise<string[]> => (await emu.calls()).map((c) => `${c.action} ${c.code}`);
const tokenEntries = (): string[] => [...keychainEntries(keychain.env).keys()].filter((k) => k.startsWith('sso-')).sort();

async function startPoller(): Promise<typeof poller> {
  const child = spawn(process.execPath, ['-e', POLLER, keychain.env.DBUS_SESSION_BUS_ADDRESS!], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return [];
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await closed;
      return JSON.parse(out) as string[];
    },
  };
}

beforeAll(async () => {
  emu = await startTestEmulator(FIXTURE);
  keychain = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-sso-keychain-')));
  const made = makeHome('awsdir-sso-cli-');
  home = made.home;
  standIn = installStandInBrowser(home);
  userFile = join(home, '.config', 'awsdir', 'config.yaml');
  mkdirSync(join(home, '.config', 'awsdir'), { recursive: true });
  writeFileSync(userFile, 'version: 1\nkeyring: os\n');
  env = {
    ...made.env,
    ...emu.env,
    ...keychain.env,
    PATH: `${standIn.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    USER: 'alice',
    ...standIn.env,
  };
  poller = await startPoller();
});

afterAll(async () => {
  // Stopped by the last test; here when a filter left it out.
  await poller?.stop();
  await keychain?.stop();
  await emu?.close();
});

describe('add SOURCE --sso-start-url', () => {
  test('a start URL that is not https, or no region, is a usage error (exit 2) that records nothing', async () => {
    const before = readFileSync(userFile, 'utf8');
    const http = await noTerminal(['add', 'corp', '--sso-start-url', 'http://corp.awsapps.com/start', '--sso-region', 'eu-west-1']);
    expect({ exit: http.exitCode, stdout: http.stdout }).toEqual({ exit: 2, stdout: '' });
    expect(http.stderr).toBe(
      'awsdir: --sso-start-url http://corp.awsapps.com/start is not an https URL (got "http://corp.awsapps.com/start"); give the https URL of your AWS access portal, such as https://corp.awsapps.com/start\n',
    );
    const noRegion = await noTerminal(['add', 'corp', '--sso-start-url', START_URL]);
    expect(noRegion.exitCode).toBe(2);
    expect(noRegion.stderr).toBe(
      'awsdir: --sso-start-url needs --sso-region, the region of your IAM Identity Center instance (such as eu-west-1), or use --sso-session NAME for an [sso-session] of ~/.aws/config\n',
    );
    const mixed = await noTerminal(['add', 'corp', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1', '--from-env']);
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toMatch(/^awsdir: --from-env is for a source of keys, and --sso-start-url adds an IAM Identity Center source/);
    expect(readFileSync(userFile, 'utf8')).toBe(before);
    expect(await calls()).toEqual([]);
  });

  test('a start URL IAM Identity Center does not know is refused, and nothing is recorded', async () => {
    const before = readFileSync(userFile, 'utf8');
    const r = await onTerminal(['add', 'corp', '--sso-start-url', 'https://other.awsapps.com/start', '--sso-region', 'eu-west-1']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^awsdir: sign-in to corp: IAM Identity Center in eu-west-1 does not take the start URL https:\/\/other\.awsapps\.com\/start \(.*\); check sso_start_url and sso_region/m,
    );
    expect(readFileSync(userFile, 'utf8')).toBe(before);
    expect(openings()).toEqual([]);
    expect(tokenEntries().filter((n) => n.startsWith('sso-token/'))).toEqual([]);
  });

  test('on a terminal: records the source, opens the browser once on a private page, and is signed in; URL and code are on stderr too', async () => {
    await emu.clearCalls();
    const r = await onTerminal(['add', 'corp', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1']);
    expect(r.stderr).toMatch(SIGNED_IN);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 0, stdout: '' });
    const [opened, ...more] = openings();
    expect(more).toEqual([]);
    const code = new URL(opened!.location).searchParams.get('user_code')!;
    expect(opened).toEqual({
      args: [expect.stringMatching(/^file:\/\/\//)],
      location: `${emu.url}/device?user_code=${code}`,
      mode: 'approve',
      pageMode: '600',
    });
    expect(r.stderr).toContain(`awsdir: added source 'corp' (IAM Identity Center ${START_URL} in eu-west-1) to ${userFile}\n`);
    expect(r.stderr).toContain(`to sign in to corp, confirm the code ${code} at ${emu.url}/device`);
    expect(readFileSync(userFile, 'utf8')).toContain(`sources:\n  corp:\n    sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n`);
    expect(await calls()).toEqual(expect.arrayContaining(['RegisterClient OK', 'StartDeviceAuthorization OK', 'CreateToken OK', 'ListAccounts OK']));
    expect(tokenEntries()).toEqual([expect.stringMatching(/^sso-client\/[0-9a-f]{24}$/), expect.stringMatching(/^sso-token\/[0-9a-f]{24}$/)]);
  });

  test('tokens and the registration are in the keychain only: no file under HOME (state directory included) holds them, and there is no ~/.aws/sso/cache', () => {
    expect(secrets.size).toBeGreaterThanOrEqual(3);
    expect(filesHolding([home], secrets)).toEqual([]);
    expect(existsSync(join(home, '.aws', 'sso'))).toBe(false);
  });
});

describe('login SOURCE', () => {
  test('while the token is good: no browser, no sign-in; --json gives the accounts', async () => {
    await emu.clearCalls();
    const r = await noTerminal(['login', 'corp', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(SIGNED_IN);
    expect(JSON.parse(r.stdout)).toEqual({
      source: 'corp',
      startUrl: START_URL,
      region: 'eu-west-1',
      expiresAt: expect.stringMatching(/Z$/),
      accounts: [
        { accountId: '222222222222', accountName: 'acme-production', emailAddress: 'aws-production@corp.example' },
        { accountId: '333333333333', accountName: 'acme-development' },
      ],
    });
    expect(await calls()).toEqual(['ListAccounts OK']);
    expect(openings()).toHaveLength(1);
  });

  test('once the access token is over at the portal, it is refreshed without the browser, even without a terminal', async () => {
    await emu.advanceClock(3601);
    await emu.clearCalls();
    const r = await noTerminal(['login', 'corp']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(SIGNED_IN);
    expect(await calls()).toEqual(['ListAccounts UnauthorizedException', 'CreateToken OK', 'ListAccounts OK']);
    expect(openings()).toHaveLength(1);
  });

  test('ten at once on terminals after a logout: one browser page, one sign-in, all succeed', async () => {
    expect((await noTerminal(['logout', 'corp'])).exitCode).toBe(0);
    await emu.clearCalls();
    const results = await Promise.all(Array.from({ length: 10 }, () => onTerminal(['login', 'corp'])));
    for (const r of results) expect({ exit: r.exitCode, signedIn: SIGNED_IN.test(r.stderr) }).toEqual({ exit: 0, signedIn: true });
    expect(openings()).toHaveLength(2);
    expect((await calls()).filter((c) => c.startsWith('StartDeviceAuthorization'))).toEqual(['StartDeviceAuthorization OK']);
  });

  test('without a terminal, a sign-in that needs the browser fails at once naming `awsdir login`; nothing is opened or asked of AWS', async () => {
    expect((await noTerminal(['logout', 'corp'])).exitCode).toBe(0);
    await emu.clearCalls();
    const r = await noTerminal(['login', 'corp']);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
    expect(r.stderr).toBe(
      'awsdir: signing in to corp needs you at a terminal, to show the code you confirm in the browser, and there is none here (ENXIO); run `awsdir login corp` in a terminal\n',
    );
    expect(await calls()).toEqual([]);
    expect(openings()).toHaveLength(2);
  });

  test('--no-browser prints URL and code and opens nothing; the person confirms elsewhere', async () => {
    await emu.clearCalls();
    let settled = false;
    const running = noTerminal(['login', 'corp', '--no-browser']).finally(() => (settled = true));
    let code: string | undefined;
    while (!code && !settled) {
      const pending = (await ssoState()).authorizations.find((a) => a.status === 'pending') as { userCode?: string } | undefined;
      code = pending?.userCode;
      if (!code) await new Promise((r) => setTimeout(r, 50));
    }
    await fetch(`${emu.url}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify({ user: 'alice', user_code: code }) });
    const r = await running;
    expect(code).toBeDefined();
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`awsdir: to sign in to corp, confirm the code ${code} at ${emu.url}/device in a browser`);
    expect(r.stderr).toMatch(SIGNED_IN);
    expect(openings()).toHaveLength(2);
  });

  test('a request denied in the browser: a clear error, the token of before is gone and no new one is stored', async () => {
    expect((await noTerminal(['logout', 'corp'])).exitCode).toBe(0);
    browser('deny');
    const r = await onTerminal(['login', 'corp']);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
    expect(r.stderr).toMatch(
      /^awsdir: sign-in to corp: the request with code [A-Z]{4}-[A-Z]{4} was denied in the browser, so nothing was stored; run `awsdir login corp` to sign in again/m,
    );
    expect(tokenEntries().filter((n) => n.startsWith('sso-token/'))).toEqual([]);
  });

  test('a code that expires before anyone confirms it: a clear error, no token stored', async () => {
    browser('expire');
    const r = await onTerminal(['login', 'corp']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^awsdir: sign-in to corp: the code [A-Z]{4}-[A-Z]{4} expired before it was confirmed in the browser \(codes last 10 minutes\), so nothing was stored; run `awsdir login corp` to get a new code$/m,
    );
    expect(tokenEntries().filter((n) => n.startsWith('sso-token/'))).toEqual([]);
    browser('approve');
  });

  test('a source that is not in the user file, or holds keys, is named with what to run', async () => {
    const unknown = await noTerminal(['login', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe(
      `awsdir: source 'nope' is not in ${userFile} (it has: corp); add it with \`awsdir add nope --sso-start-url URL --sso-region REGION\`\n`,
    );
    const before = readFileSync(userFile, 'utf8');
    writeFileSync(userFile, `${before}  ci:\n    from_env: true\n`);
    const keys = await noTerminal(['logout', 'ci']);
    expect(keys.exitCode).toBe(2);
    expect(keys.stderr).toBe(
      "awsdir: source 'ci' holds access keys, not an IAM Identity Center sign-in; `awsdir login` and `awsdir logout` are for sources added with --sso-start-url or --sso-session\n",
    );
    const taken = await noTerminal(['add', 'ci', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1']);
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toBe(
      "awsdir: source 'ci' already holds keys (from the environment); choose another name for the IAM Identity Center source, or `awsdir remove ci` first\n",
    );
    writeFileSync(userFile, before);
  });
});

describe('logout SOURCE', () => {
  test('ends the sign-in at the portal and removes token and registration; the portal refuses the old token; again, it says there is nothing to do', async () => {
    const signedIn = await onTerminal(['login', 'corp']);
    expect(signedIn.exitCode).toBe(0);
    const token = [...keychainEntries(keychain.env).entries()]
      .filter(([k]) => k.startsWith('sso-token/'))
      .map(([, v]) => (JSON.parse(v) as { accessToken: string }).accessToken)[0]!;
    await emu.clearCalls();
    const r = await noTerminal(['logout', 'corp']);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 0, stdout: '' });
    expect(r.stderr).toBe(
      'awsdir: signed out of corp: the sign-in is ended at the portal and its tokens are removed from the keychain; role credentials it already gave stay valid until they expire\n',
    );
    expect(await calls()).toEqual(['Logout OK']);
    expect(tokenEntries()).toEqual([]);
    const portal = new SSOClient({ region: 'eu-west-1', endpoint: emu.url, maxAttempts: 1 });
    await expect(portal.send(new ListAccountsCommand({ accessToken: token }))).rejects.toMatchObject({ name: 'UnauthorizedException' });

    const again = await noTerminal(['logout', 'corp', '--json']);
    expect({ exit: again.exitCode, stdout: JSON.parse(again.stdout) as unknown }).toEqual({
      exit: 0,
      stdout: { source: 'corp', signedOut: false, endedAtPortal: false, sessionsRemoved: 0 },
    });
    expect(again.stderr).toBe('awsdir: not signed in to corp; nothing to do\n');
  });
});

describe('add without a terminal', () => {
  test('records the source, then fails at once naming `awsdir login`, which then signs in on a terminal', async () => {
    const r = await noTerminal(['add', 'work', '--sso-start-url', `${START_URL}/`, '--sso-region', 'eu-west-1']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `awsdir: added source 'work' (IAM Identity Center ${START_URL}/ in eu-west-1) to ${userFile}\n` +
        'awsdir: signing in to work needs you at a terminal, to show the code you confirm in the browser, and there is none here (ENXIO); run `awsdir login work` in a terminal\n',
    );
    expect(readFileSync(userFile, 'utf8')).toContain(`  work:\n    sso_start_url: ${START_URL}/\n`);
    const login = await onTerminal(['login', 'work']);
    expect(login.exitCode).toBe(0);
    expect(login.stderr).toMatch(/^awsdir: signed in to work until .*; 2 accounts$/m);
  });

  test('remove keeps a sign-in another source shares, and signs out the last one', async () => {
    const work = await noTerminal(['remove', 'work']);
    expect(work.exitCode).toBe(0);
    expect(work.stderr).toBe("awsdir: removed source 'work'; the sign-in stays, as corp uses it too\n");
    expect(tokenEntries().filter((n) => n.startsWith('sso-token/'))).toHaveLength(1);
    expect(readFileSync(userFile, 'utf8')).not.toContain('work');
    const corp = await noTerminal(['remove', 'corp']);
    expect(corp.stderr).toBe("awsdir: removed source 'corp' and signed it out (its tokens are removed from the keychain)\n");
    expect(tokenEntries()).toEqual([]);
    expect((await onTerminal(['add', 'corp', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1'])).exitCode).toBe(0);
  });
});

describe('add SOURCE --sso-session', () => {
  test('takes start URL and region from an [sso-session] of ~/.aws/config and shares the sign-in of corp; a missing section is a configuration error', async () => {
    const awsConfig = join(home, '.aws', 'config');
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(awsConfig, `[sso-session acme]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n`);
    const before = readFileSync(userFile, 'utf8');
    const missing = await noTerminal(['add', 'shared', '--sso-session', 'nope']);
    expect({ exit: missing.exitCode, stderr: missing.stderr }).toEqual({
      exit: 3,
      stderr: `awsdir: --sso-session nope: ${awsConfig} has no [sso-session nope]; add the section (sso_start_url and sso_region), or give --sso-start-url and --sso-region instead\n`,
    });
    expect(readFileSync(userFile, 'utf8')).toBe(before);

    await emu.clearCalls();
    const r = await noTerminal(['add', 'shared', '--sso-session', 'acme']);
    expect(r.exitCode).toBe(0);
    const [added, signed, ...rest] = r.stderr.split('\n');
    expect({ added, rest }).toEqual({
      added: `awsdir: added source 'shared' (IAM Identity Center sso-session acme: ${START_URL} in eu-west-1) to ${userFile}`,
      rest: [''],
    });
    expect(signed).toMatch(/^awsdir: signed in to shared until .*; 2 accounts$/);
    expect(readFileSync(userFile, 'utf8')).toContain('  shared:\n    sso_session: acme\n');
    expect(await calls()).toEqual(['ListAccounts OK']);
    expect((await noTerminal(['remove', 'shared'])).stderr).toBe("awsdir: removed source 'shared'; the sign-in stays, as corp uses it too\n");
  });

  test('with AWSDIR_DEBUG=1 a whole sign-in says more, and still no secret (checked below with every other output)', async () => {
    const r = await onTerminal(['login', 'corp', '--force'], { AWSDIR_DEBUG: '1' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('awsdir[debug]: sso: signed in to corp until');
    expect(r.stderr).toMatch(SIGNED_IN);
  });
});

describe('endpoints', () => {
  let trap: { url: string; requests: string[]; server: Server };
  beforeAll(async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    trap = { url: `http://127.0.0.1:${address.port}`, requests, server };
  });
  afterAll(() => new Promise((resolve) => trap.server.close(resolve)));

  const configWithTrap = (): string => {
    const file = join(home, 'repo-config');
    writeFileSync(
      file,
      `[default]\nendpoint_url = ${trap.url}\nservices = trap\n\n[services trap]\nsso =\n  endpoint_url = ${trap.url}\nsso_oidc =\n  endpoint_url = ${trap.url}\n`,
    );
    return file;
  };

  test('come from AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO, never from endpoint_url or a services section of the config file', async () => {
    const variables = { AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_SSO_OIDC: emu.url, AWS_ENDPOINT_URL_SSO: emu.url, AWS_CONFIG_FILE: configWithTrap() };
    expect((await noTerminal(['logout', 'corp'], variables)).exitCode).toBe(0);
    await emu.clearCalls();
    const r = await onTerminal(['login', 'corp'], variables);
    expect(r.stderr).toMatch(SIGNED_IN);
    expect(trap.requests).toEqual([]);
    expect(await calls()).toEqual(['RegisterClient OK', 'StartDeviceAuthorization OK', 'CreateToken OK', 'ListAccounts OK']);
    expect(tokenEntries().filter((n) => n.startsWith('sso-token/'))).toHaveLength(1);
    expect(
      (await onTerminal(['logout', 'corp'], { AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_SSO_OIDC: emu.url, AWS_ENDPOINT_URL_SSO: emu.url })).exitCode,
    ).toBe(0);
  });

  test('without an endpoint variable, calls go to AWS itself, not to the endpoint_url of the config file', async () => {
    const resolves = await lookup('oidc.eu-west-1.amazonaws.com').then(
      () => true,
      () => false,
    );
    if (resolves) {
      console.log('SKIPPED: this machine reaches AWS, where a sign-in would really start');
      return;
    }
    const r = await noTerminal(['login', 'corp', '--no-browser'], {
      AWS_ENDPOINT_URL: undefined,
      AWS_ENDPOINT_URL_STS: undefined,
      AWS_ENDPOINT_URL_IAM: undefined,
      AWS_CONFIG_FILE: configWithTrap(),
    });
    expect(trap.requests).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      'awsdir: RegisterClient: could not reach https://oidc.eu-west-1.amazonaws.com (ENOTFOUND); check the network, or AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL if you set one\n',
    );
  });
});

describe('secrets', () => {
  test('no token, refresh token or client secret in any argv of this file, in any stderr or stdout, or in any file', async () => {
    const lines = await poller.stop();
    expect(lines.some((l) => l.includes('xdg-open') && l.includes('file:///'))).toBe(true);
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const line of lines)
      for (const s of secrets) expect({ line: line.slice(0, 80), leaked: line.includes(s) }).toEqual({ line: line.slice(0, 80), leaked: false });
    for (const { what, result } of outputs) {
      for (const s of secrets) expect({ what, leaked: result.stderr.includes(s) || result.stdout.includes(s) }).toEqual({ what, leaked: false });
    }
    expect(filesHolding([home, keychain.env.XDG_RUNTIME_DIR!], secrets)).toEqual([]);
  });
});

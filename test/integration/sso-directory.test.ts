/**
 * A directory whose identity is an IAM Identity Center permission set, through the built CLI
 * against the emulator: `add` signs in (the stand-in browser confirms the code through the
 * emulator's hook), `init --source corp --account --sso-role` writes the project file, `export`
 * hands out GetRoleCredentials' session, which the real AWS CLI takes; the access token expires on
 * the emulator's clock and is refreshed without the browser; a second account needs no second
 * sign-in; `logout` leaves nothing usable in the keychain. Bad cases: no assignment, a denied or
 * expired code, a token revoked at the portal, no terminal, ten exports at once.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import { CLI, makeHome, runProcess, type CliResult } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { filesHolding } from '../support/secrets';
import { keychainEntries, startPrivateKeychain, type PrivateKeychain } from '../support/privateKeychain';
import { installStandInBrowser, type StandInBrowser } from '../support/ssoBrowser';
import { SSO_START_URL, ssoFixture } from '../support/fixture';

jest.setTimeout(180_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const START_URL = SSO_START_URL;
const FIXTURE = ssoFixture({
  accounts: {
    '222222222222': { alias: 'acme-production' },
    '333333333333': { alias: 'acme-development' },
    '444444444444': { alias: 'acme-sandbox' },
  },
  assignments: [
    { account: '222222222222', permission_set: 'AdministratorAccess' },
    { account: '333333333333', permission_set: 'ReadOnlyAccess' },
    { account: '333333333333', permission_set: 'AdministratorAccess' },
    { account: '444444444444', permission_set: 'ReadOnlyAccess' },
  ],
});
const SSO_ARN = /^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/;

let emu: TestEmulator;
let keychain: PrivateKeychain;
let home: string;
let env: Record<string, string>;
let browser: StandInBrowser;
let runs = 0;
/** Every token, refresh token, client secret and role secret the keychain held at some point. */
const secrets = new Set<string>();
const outputs: Array<{ what: string; result: CliResult }> = [];

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function remember(what: string, result: CliResult): CliResult {
  outputs.push({ what, result });
  for (const value of keychainEntries(keychain.env).values()) {
    const v = JSON.parse(value) as { accessToken?: string; refreshToken?: string; clientSecret?: string; secretAccessKey?: string; sessionToken?: string };
    for (const s of [v.accessToken, v.refreshToken, v.clientSecret, v.secretAccessKey, v.sessionToken]) if (s) secrets.add(s);
  }
  return result;
}

/** The built CLI on a terminal (a pty from `script`), its stdout and stderr kept apart. */
async function onTerminal(args: string[], cwd = home): Promise<CliResult> {
  const n = (runs += 1);
  const out = join(home, `.out-${n}`);
  const err = join(home, `.err-${n}`);
  const command = `${[process.execPath, CLI, ...args].map(shq).join(' ')} >${shq(out)} 2>${shq(err)}`;
  const r = await runProcess('script', ['-qec', command, '/dev/null'], { env, cwd, timeoutMs: 90_000 });
  const result = { exitCode: r.exitCode, signal: r.signal, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  rmSync(out);
  rmSync(err);
  return remember(`${args.join(' ')} (terminal)`, result);
}

/** The built CLI in a session of its own: /dev/tty cannot be opened, as in an editor or a script. */
async function noTerminal(args: string[], cwd = home): Promise<CliResult> {
  return remember(args.join(' '), await runProcess('setsid', ['-w', process.execPath, CLI, ...args], { env, cwd, timeoutMs: 60_000 }));
}

/** `eval "$(awsdir export)"` in bash, then the real AWS CLI asks who it is. */
async function awsCliIn(dir: string): Promise<CliResult> {
  const script = `eval "$(${shq(process.execPath)} ${shq(CLI)} export --shell bash)" && /usr/bin/aws sts get-caller-identity --endpoint-url ${shq(emu.url)} --query Arn --output text`;
  return remember(`aws in ${dir}`, await runProcess('setsid', ['-w', 'bash', '-c', script], { env, cwd: dir, timeoutMs: 60_000 }));
}

const calls = async (): Promise<string[]> => (await emu.calls()).map((c) => `${c.action} ${c.code}`);
const entries = (prefix: string): string[] => [...keychainEntries(keychain.env).keys()].filter((k) => k.startsWith(prefix)).sort();
const dir = (name: string): string => join(home, name);

async function initDir(name: string, account: string, role: string, label: string): Promise<CliResult> {
  mkdirSync(dir(name), { recursive: true });
  return noTerminal(['init', '--source', 'corp', '--account', account, '--sso-role', role, '--region', 'ap-northeast-1', '--label', label, '--dir', dir(name)]);
}

beforeAll(async () => {
  emu = await startTestEmulator(FIXTURE);
  keychain = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-sso-dir-keychain-')));
  const made = makeHome('awsdir-sso-dir-');
  home = made.home;
  browser = installStandInBrowser(home);
  mkdirSync(join(home, '.config', 'awsdir'), { recursive: true });
  writeFileSync(join(home, '.config', 'awsdir', 'config.yaml'), 'version: 1\nkeyring: os\n');
  env = { ...made.env, ...emu.env, ...keychain.env, ...browser.env, PATH: `${browser.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, USER: 'alice' };
});

afterAll(async () => {
  await keychain?.stop();
  await emu?.close();
});

describe('a directory of an IAM Identity Center permission set', () => {
  test('add signs in once; init writes the project file with sso:, allowed', async () => {
    const added = await onTerminal(['add', 'corp', '--sso-start-url', START_URL, '--sso-region', 'eu-west-1']);
    expect(added.stderr).toMatch(/^awsdir: signed in to corp until .*; 3 accounts$/m);
    expect(added.exitCode).toBe(0);
    expect(browser.openings()).toHaveLength(1);

    const init = await initDir('prod', '222222222222', 'AdministratorAccess', 'production');
    expect({ exit: init.exitCode, stdout: init.stdout }).toEqual({ exit: 0, stdout: '' });
    expect(init.stderr).toContain(
      `awsdir: wrote ${dir('prod')}/.awsdir.yaml (production: AdministratorAccess @ 222222222222, ap-northeast-1) and allowed it\n`,
    );
    const text = readFileSync(join(dir('prod'), '.awsdir.yaml'), 'utf8');
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'version: 1',
      'sso: { account: "222222222222", role: AdministratorAccess }  # an account and permission set of an IAM Identity Center source',
      'region: ap-northeast-1',
      'source: corp',
      'label: "production"',
      '',
    ]);
  });

  test('export hands out the permission set session, and the AWS CLI sees AWSReservedSSO_AdministratorAccess_.../alice; no browser, one GetRoleCredentials', async () => {
    await emu.clearCalls();
    const r = await awsCliIn(dir('prod'));
    expect(r.stderr).toMatch(
      /^awsdir: production · AdministratorAccess @ 222222222222 \(acme-production\) · ap-northeast-1 · (59m|1h) left · endpoint http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(r.stdout.trim()).toMatch(SSO_ARN);
    expect(r.exitCode).toBe(0);
    expect((await calls()).filter((c) => !c.startsWith('ListAccountAliases') && !c.startsWith('GetCallerIdentity'))).toEqual(['GetRoleCredentials OK']);
    expect(browser.openings()).toHaveLength(1);
    expect(entries('role/')).toHaveLength(1);

    // Again: served from the keychain, no call to AWS at all.
    await emu.clearCalls();
    const again = await noTerminal(['export', '--shell', 'json'], dir('prod'));
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ AWSDIR_LABEL: 'production', AWSDIR_ACCOUNT: '222222222222', AWS_REGION: 'ap-northeast-1' });
    expect(await calls()).toEqual([]);
  });

  test('whoami in the exported environment shows the role ARN AWS knows and the directory', async () => {
    const script = `eval "$(${shq(process.execPath)} ${shq(CLI)} export --shell bash)" && ${shq(process.execPath)} ${shq(CLI)} whoami --json`;
    const r = remember('whoami', await runProcess('setsid', ['-w', 'bash', '-c', script], { env, cwd: dir('prod'), timeoutMs: 60_000 }));
    expect(r.exitCode).toBe(0);
    const who = JSON.parse(r.stdout) as { Arn: string; Account: string; Awsdir?: { Label?: string; RoleArn: string } };
    expect(who.Arn).toMatch(SSO_ARN);
    expect(who.Account).toBe('222222222222');
    expect(who.Awsdir).toMatchObject({ Label: 'production', RoleArn: who.Arn });
  });

  test('a second account needs no second sign-in', async () => {
    await initDir('dev', '333333333333', 'ReadOnlyAccess', 'development');
    await emu.clearCalls();
    const r = await noTerminal(['export'], dir('dev'));
    expect(r.stderr).toMatch(/^awsdir: development · ReadOnlyAccess @ 333333333333 \(acme-development\) · ap-northeast-1 · \dh\d*m? left/);
    expect(r.exitCode).toBe(0);
    expect((await calls()).filter((c) => !c.startsWith('ListAccountAliases'))).toEqual(['GetRoleCredentials OK']);
    expect(browser.openings()).toHaveLength(1);
  });

  test('init --tree lays out one allowed directory per account, and per permission set where an account has several; it overwrites nothing', async () => {
    const tree = dir('aws');
    const r = await noTerminal(['init', '--source', 'corp', '--tree', tree, '--region', 'eu-west-1']);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 0, stdout: '' });
    expect(r.stderr).toBe(
      [
        `awsdir: made ${tree}/acme-production (AdministratorAccess @ 222222222222, acme-production)`,
        `awsdir: made ${tree}/acme-development/AdministratorAccess (AdministratorAccess @ 333333333333, acme-development)`,
        `awsdir: made ${tree}/acme-development/ReadOnlyAccess (ReadOnlyAccess @ 333333333333, acme-development)`,
        `awsdir: made ${tree}/acme-sandbox (ReadOnlyAccess @ 444444444444, acme-sandbox)`,
        `awsdir: made 4 directories under ${tree}, each allowed for awsdir; run \`direnv allow\` in each (or init --tree again elsewhere with --allow)`,
        '',
      ].join('\n'),
    );
    expect(readFileSync(join(tree, 'acme-development', 'ReadOnlyAccess', '.awsdir.yaml'), 'utf8')).toMatch(
      /^sso: \{ account: "333333333333", role: ReadOnlyAccess \} .*\nregion: eu-west-1\nsource: corp\nlabel: "acme-development ReadOnlyAccess"$/m,
    );
    expect(readFileSync(join(tree, 'acme-sandbox', '.envrc'), 'utf8')).toMatch(/^use aws$/m);
    // Allowed: the directory's identity is served at once (here from the session prod cached).
    const served = await noTerminal(['export'], join(tree, 'acme-production'));
    expect(served.stderr).toMatch(/^awsdir: acme-production · AdministratorAccess @ 222222222222 /);
    expect(served.exitCode).toBe(0);

    writeFileSync(join(tree, 'acme-sandbox', '.envrc'), 'use aws\n# mine\n');
    const again = await noTerminal(['init', '--source', 'corp', '--tree', tree, '--region', 'eu-west-1']);
    expect({ exit: again.exitCode, stdout: again.stdout }).toEqual({ exit: 1, stdout: '' });
    expect(again.stderr).toMatch(
      /^awsdir: init --tree: .*acme-production\/\.awsdir\.yaml, .* already exist, so nothing was written; move them away, or give another --tree directory\n$/,
    );
    expect(readFileSync(join(tree, 'acme-sandbox', '.envrc'), 'utf8')).toBe('use aws\n# mine\n');
  });

  test('init without a terminal names the flags an IAM Identity Center directory needs', async () => {
    mkdirSync(dir('missing'));
    const r = await noTerminal(['init', '--source', 'corp', '--region', 'eu-west-1', '--dir', dir('missing')]);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 2, stdout: '' });
    expect(r.stderr).toBe(
      "awsdir: init needs --account and --sso-role for IAM Identity Center source 'corp' and there is no terminal to pick on; pass them, e.g. awsdir init --source corp --account 222222222222 --sso-role AdministratorAccess --region eu-west-1 (`awsdir login corp --json` lists your accounts)\n",
    );
    const role = await noTerminal([
      'init',
      '--source',
      'corp',
      '--role',
      'admin',
      '--account',
      '222222222222',
      '--region',
      'eu-west-1',
      '--dir',
      dir('missing'),
    ]);
    expect(role.exitCode).toBe(2);
    expect(role.stderr).toMatch(
      /^awsdir: init: --role is for a role assumed with keys, and 'corp' is an IAM Identity Center source; give --account and --sso-role/,
    );
  });

  test('an account without that permission set: a clear error naming the account and the permission set, nothing cached', async () => {
    await initDir('sandbox', '444444444444', 'AdministratorAccess', 'sandbox');
    const before = entries('role/');
    const r = await noTerminal(['export'], dir('sandbox'));
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
    expect(r.stderr).toBe(
      `awsdir: ${dir('sandbox')}/.awsdir.yaml: the sign-in of corp has no access to permission set AdministratorAccess in account 444444444444; check \`sso:\` there (\`awsdir login corp --json\` lists the accounts and permission sets you have), or ask your administrator to assign AdministratorAccess in 444444444444 to you\n`,
    );
    expect(entries('role/')).toEqual(before);
  });

  test('credential-process, exec and console take the same session', async () => {
    const cp = await noTerminal(['credential-process'], dir('prod'));
    expect(cp.exitCode).toBe(0);
    expect(JSON.parse(cp.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
    const exec = await noTerminal(
      ['exec', '--', '/usr/bin/aws', 'sts', 'get-caller-identity', '--endpoint-url', emu.url, '--query', 'Arn', '--output', 'text'],
      dir('prod'),
    );
    expect(exec.exitCode).toBe(0);
    expect(exec.stdout.trim()).toMatch(SSO_ARN);
    // A permission set's session is no chained role session: the federation endpoint takes its SessionDuration.
    const consoleUrl = await noTerminal(['console', '--print'], dir('prod'));
    expect(consoleUrl.exitCode).toBe(0);
    expect(consoleUrl.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/federation\?Action=login&.*SigninToken=/);
  });

  test('status shows the permission set, the sign-in and its expiry, and the cached sessions; no secret', async () => {
    const r = await noTerminal(['status'], dir('prod'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^role {12}permission set AdministratorAccess \(arn:aws:iam::222222222222:role\/aws-reserved\/sso\.amazonaws\.com\/\*AWSReservedSSO_AdministratorAccess_\*\)/m,
    );
    expect(r.stdout).toMatch(new RegExp(`^sign-in {9}IAM Identity Center ${START_URL.replace(/[./]/g, '\\$&')} \\(eu-west-1\\)`, 'm'));
    expect(r.stdout).toMatch(
      /^IAM Identity Center sign-ins:\n {2}corp {7}https:\/\/corp\.awsapps\.com\/start \(eu-west-1\) {2}token until \S+Z {2}[\dhms]+ left, refreshed without the browser$/m,
    );
    expect(r.stdout).toMatch(/^ {2}role {8}AdministratorAccess @ 222222222222 +source corp .* <- this directory$/m);
    expect(r.stdout).toMatch(/^ {2}role {8}ReadOnlyAccess @ 333333333333 +source corp /m);
  });

  test('doctor checks the sign-in from the keychain: signed in, until when, refreshed without the browser; the key checks do not apply', async () => {
    const r = await noTerminal(['doctor', '--json']);
    const checks = Object.fromEntries((JSON.parse(r.stdout) as Array<{ id: string; status: string; message: string; fix: string }>).map((c) => [c.id, c]));
    expect(checks['sso-sign-in']).toEqual({
      id: 'sso-sign-in',
      status: 'pass',
      message: expect.stringMatching(/^corp is signed in \(token until \S+Z, refreshed without the browser while the sign-in lasts\)$/),
      fix: '',
    });
    for (const id of ['base-user-permissions', 'key-age', 'mfa-device']) {
      expect(checks[id]).toMatchObject({
        status: 'pass',
        message: "does not apply: source 'corp' signs in through IAM Identity Center and holds no IAM user key",
      });
    }
  });

  test('the access token ends at the portal (the emulator clock moves on): refreshed without the browser, even without a terminal', async () => {
    await initDir('dev-admin', '333333333333', 'AdministratorAccess', 'development admin');
    await emu.advanceClock(3601);
    await emu.clearCalls();
    const r = await noTerminal(['export'], dir('dev-admin'));
    expect(r.exitCode).toBe(0);
    expect((await calls()).filter((c) => !c.startsWith('ListAccountAliases'))).toEqual([
      'GetRoleCredentials UnauthorizedException',
      'CreateToken OK',
      'GetRoleCredentials OK',
    ]);
    expect(browser.openings()).toHaveLength(1);
  });

  test('a token the portal revoked: without a terminal a fast failure naming `awsdir login corp`; on a terminal one new sign-in', async () => {
    // Ended at the portal behind awsdir's back (another tool's logout with the same token).
    const [stored] = [...keychainEntries(keychain.env).entries()].filter(([k]) => k.startsWith('sso-token/'));
    const { accessToken } = JSON.parse(stored![1]) as { accessToken: string };
    const portal = new SSOClient({ region: 'eu-west-1', endpoint: emu.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await portal.send(new LogoutCommand({ accessToken }));
    portal.destroy();
    await initDir('sandbox-ro', '444444444444', 'ReadOnlyAccess', 'sandbox');
    await emu.clearCalls();

    const r = await noTerminal(['export'], dir('sandbox-ro'));
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
    expect(r.stderr).toMatch(/^awsdir: signing in to corp needs you at a terminal, .*; run `awsdir login corp` in a terminal\n$/);
    expect((await calls()).filter((c) => c.startsWith('StartDeviceAuthorization'))).toEqual([]);
    expect(browser.openings()).toHaveLength(1);

    const t = await onTerminal(['export'], dir('sandbox-ro'));
    expect(t.exitCode).toBe(0);
    expect(t.stderr).toMatch(/^awsdir: sandbox · ReadOnlyAccess @ 444444444444 /m);
    expect(browser.openings()).toHaveLength(2);
  });

  test('a denied or expired code on a terminal fails naming `awsdir login corp`, and hands out nothing', async () => {
    await noTerminal(['logout', 'corp']);
    for (const [mode, said] of [
      ['deny', /was denied in the browser, so nothing was stored; run `awsdir login corp`/],
      ['expire', /expired before it was confirmed in the browser .* run `awsdir login corp`/],
    ] as const) {
      browser.mode(mode);
      const r = await onTerminal(['export'], dir('prod'));
      expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
      expect(r.stderr).toMatch(said);
      expect(entries('sso-token/')).toEqual([]);
    }
    browser.mode('approve');
  });

  test('ten exports at once with no sign-in: one browser opening, one sign-in, one GetRoleCredentials, all served', async () => {
    const opened = browser.openings().length;
    await emu.clearCalls();
    const all = await Promise.all(Array.from({ length: 10 }, () => onTerminal(['export', '--shell', 'json'], dir('prod'))));
    expect(all.map((r) => r.exitCode)).toEqual(Array(10).fill(0));
    const keys = new Set(all.map((r) => (JSON.parse(r.stdout) as { AWS_ACCESS_KEY_ID: string }).AWS_ACCESS_KEY_ID));
    expect(keys.size).toBe(1);
    expect(browser.openings().length - opened).toBe(1);
    const made = await calls();
    expect(made.filter((c) => c.startsWith('StartDeviceAuthorization'))).toEqual(['StartDeviceAuthorization OK']);
    expect(made.filter((c) => c.startsWith('GetRoleCredentials'))).toEqual(['GetRoleCredentials OK']);
  });

  test('logout leaves nothing usable in the keychain: no token, no registration, no role session of the sign-in', async () => {
    expect(entries('role/').length).toBeGreaterThan(0);
    const r = await noTerminal(['logout', 'corp']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /^awsdir: signed out of corp: the sign-in is ended at the portal and its tokens and \d+ cached role sessions? it gave are removed from the keychain; /,
    );
    expect(entries('sso-')).toEqual([]);
    expect(entries('role/')).toEqual([]);

    const after = await noTerminal(['export'], dir('prod'));
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toMatch(/run `awsdir login corp` in a terminal\n$/);
    const doctor = JSON.parse((await noTerminal(['doctor', '--json'])).stdout) as Array<{ id: string; status: string; message: string; fix: string }>;
    expect(doctor.find((c) => c.id === 'sso-sign-in')).toEqual({
      id: 'sso-sign-in',
      status: 'warn',
      message: 'corp is not signed in',
      fix: '`awsdir login corp`',
    });
  });

  test('no secret in any output, and none in a file under HOME', () => {
    expect(secrets.size).toBeGreaterThan(6);
    for (const { what, result } of outputs) {
      const exported = what.startsWith('export') || what.startsWith('aws in') || what.startsWith('credential-process') || what === 'whoami';
      for (const s of secrets) {
        expect({ what, leaked: result.stderr.includes(s) }).toEqual({ what, leaked: false });
        if (!exported) expect({ what, leaked: result.stdout.includes(s) }).toEqual({ what, leaked: false });
      }
    }
    expect(filesHolding([home], secrets)).toEqual([]);
  });
});

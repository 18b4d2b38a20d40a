/**
 * The cold path of a `cd`: the MFA session cached, the role session not. The BUILT CLI, the real
 * keychain and the emulator; a preload hook records every module loaded and keychain call. The hit
 * bundle fetches the role session itself through the STS chunk (dist/sts.cjs): one AssumeRole, no
 * full CLI, no full AWS SDK, and the account alias from what was looked up before (once per account).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess, type CliResult } from '../support/cli';
import { useWorld } from '../support/world';
const HOOK = join(__dirname, '..', 'perf', 'recordLoads.cjs');

interface LoadLog {
  modules: string[];
  keyring: string[];
}

const w = useWorld('cold');
let logs = 0;

async function recorded(args: string[], cwd: string, extra: Record<string, string> = {}): Promise<CliResult & { log: LoadLog }> {
  const file = join(w.home, `loads-${(logs += 1)}.json`);
  const r = await runProcess(process.execPath, ['-r', HOOK, w.cli, ...args], { cwd, env: { ...w.env, ...extra, AWSDIR_LOAD_LOG: file } });
  return { ...r, log: JSON.parse(readFileSync(file, 'utf8')) as LoadLog };
}

const chunks = (log: LoadLog): string[] =>
  [...new Set(log.modules.filter((m) => /[\\/]dist[\\/][a-z]+\.cjs$/.test(m)).map((m) => m.replace(/.*[\\/]/, '')))].sort();
const calls = async (): Promise<string[]> => (await w.emu.calls()).map((c) => `${c.service}:${c.action}`);

const project = (name: string, role: string, extra = ''): Promise<string> =>
  w.addProject(name, `role: ${role}\nregion: eu-west-1\nlabel: ${name}\nsession_name: alice-${name}\n${extra}`);

test('the first role session of an account: the MFA code, AssumeRole and the alias, once; served by the hit bundle and the STS chunk', async () => {
  const dir = await project('first', 'arn:aws:iam::222222222222:role/admin');
  await w.emu.clearCalls();
  const r = await recorded(['export'], dir, { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect(r.stderr).toMatch(/^awsdir: first · admin @ 222222222222 \(acme-production\) · eu-west-1 · 59m left · endpoint http:\/\/127\.0\.0\.1:\d+\n$/);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  expect(await calls()).toEqual(['sts:GetSessionToken', 'sts:AssumeRole', 'iam:ListAccountAliases']);
  // The alias is looked up with the full SDK, once per account; the rest never needs it.
  expect(chunks(r.log)).toEqual(['aws.cjs', 'awsdir.cjs', 'sts.cjs']);
});

test('a cold export in an account whose alias is known: one AssumeRole, the alias on the summary line, neither the full CLI nor the full SDK', async () => {
  const dir = await project('cold', 'arn:aws:iam::222222222222:role/admin');
  await w.emu.clearCalls();
  const r = await recorded(['export', '--shell', 'bash'], dir);
  expect(r.stderr).toMatch(/^awsdir: cold · admin @ 222222222222 \(acme-production\) · eu-west-1 · 59m left · endpoint http:\/\/127\.0\.0\.1:\d+\n$/);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  expect(await calls()).toEqual(['sts:AssumeRole']);
  expect(chunks(r.log)).toEqual(['awsdir.cjs', 'sts.cjs']);
  // The role entry (a miss, then again under the lock), the MFA session; one write, the new role session.
  expect(r.log.keyring.filter((c) => c === 'getPassword')).toHaveLength(3);
  expect(r.log.keyring.filter((c) => c === 'setPassword')).toHaveLength(1);

  // And the next export is a hit of what this one cached.
  await w.emu.clearCalls();
  const hit = await recorded(['export', '--shell', 'bash'], dir);
  expect(hit.stdout).toBe(r.stdout);
  expect(await calls()).toEqual([]);
});

test('a cold credential-process goes the same way: the JSON, one AssumeRole, nothing on stderr', async () => {
  const dir = await project('process', 'arn:aws:iam::222222222222:role/admin');
  await w.emu.clearCalls();
  const r = await recorded(['credential-process', '--dir', dir], w.home);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(Object.keys(json)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
  expect(await calls()).toEqual(['sts:AssumeRole']);
  expect(chunks(r.log)).toEqual(['awsdir.cjs', 'sts.cjs']);
});

test('another account: its alias is looked up with its first role session, and remembered for the next', async () => {
  const admin = await project('dev', 'arn:aws:iam::333333333333:role/admin');
  const readonly = await project('devro', 'arn:aws:iam::333333333333:role/readonly', 'mfa: false\n');
  await w.emu.clearCalls();
  const first = await recorded(['export'], admin);
  expect(first.stderr).toContain('· admin @ 333333333333 (acme-development) ·');
  expect(await calls()).toEqual(['sts:AssumeRole', 'iam:ListAccountAliases']);
  await w.emu.clearCalls();
  const second = await recorded(['export'], readonly);
  expect(second.exitCode).toBe(0);
  expect(second.stderr).toContain('· readonly @ 333333333333 (acme-development) ·');
  expect(await calls()).toEqual(['sts:AssumeRole']);
});

test('a role that may not list the aliases: the export goes on without one, and the next role session does not ask again', async () => {
  const deploy = await project('staging', 'arn:aws:iam::444444444444:role/deploy', 'external_id: staging-ext\n');
  const again = await project('staging2', 'arn:aws:iam::444444444444:role/deploy', 'external_id: staging-ext\n');
  await w.emu.fault({ action: 'ListAccountAliases', code: 'AccessDenied', status: 403 });
  await w.emu.clearCalls();
  const denied = await recorded(['export'], deploy);
  expect(denied.stderr).toMatch(/^awsdir: staging · deploy @ 444444444444 · eu-west-1 · 59m left · /);
  expect(denied.exitCode).toBe(0);
  expect(await calls()).toEqual(['sts:AssumeRole', 'iam:ListAccountAliases']);
  await w.emu.clearCalls();
  const next = await recorded(['export'], again);
  expect(next.stderr).toMatch(/^awsdir: staging2 · deploy @ 444444444444 · eu-west-1 · 59m left · /);
  expect(await calls()).toEqual(['sts:AssumeRole']);
  expect(chunks(next.log)).toEqual(['awsdir.cjs', 'sts.cjs']);
});

test('an error on the cold path is reported once, by the command that met it: no second AssumeRole from the full CLI', async () => {
  const dir = await project('refused', 'arn:aws:iam::222222222222:role/admin');
  // The cached MFA session is refused as expired: it is dropped, and a new one needs a code there is no terminal for.
  await w.emu.fault({ action: 'AssumeRole', code: 'ExpiredToken', status: 400, message: 'The security token included in the request is expired' });
  await w.emu.clearCalls();
  const r = await recorded(['export'], dir);
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^awsdir: [^\n]*give the code with AWSDIR_MFA_CODE=123456 or --mfa-code/);
  expect(r.stderr).not.toContain('internal error');
  expect(await calls()).toEqual(['sts:AssumeRole']);
  expect(chunks(r.log)).toEqual(['awsdir.cjs', 'sts.cjs']);

  // The code given, the next export gets a new MFA session and the role session.
  await w.emu.clearCalls();
  const fixed = await recorded(['export'], dir, { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect(fixed.exitCode).toBe(0);
  expect(await calls()).toEqual(['sts:GetSessionToken', 'sts:AssumeRole']);
});

test('the state directory remembers aliases per account and endpoint, and nothing secret', () => {
  const state = join(w.home, '.local', 'state', 'awsdir');
  const text = readFileSync(join(state, 'account-aliases.json'), 'utf8');
  const book = JSON.parse(text) as Record<string, { alias?: string; failed?: boolean }>;
  expect(Object.keys(book).sort()).toEqual(['222222222222', '333333333333', '444444444444'].map((a) => `${a} ${w.emu.url}`));
  expect(book[`222222222222 ${w.emu.url}`]?.alias).toBe('acme-production');
  expect(book[`444444444444 ${w.emu.url}`]?.failed).toBe(true);
  expect(text).not.toMatch(/ASIA|AKIA/);
});

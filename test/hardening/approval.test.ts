/**
 * Attacks on what `awsdir allow` approves, replayed through the built CLI against the emulator and
 * the real keychain: a deleted project file that hands its directory to a parent's role, and an
 * ~/.aws/config profile (or the user file's source) edited after the project was allowed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from '../support/cli';
import { MFA_SERIAL as SERIAL, PRODUCTION_PROJECT as PRODUCTION } from '../support/fixture';
import { useWorld } from '../support/world';

jest.setTimeout(60_000);

const DEVELOPMENT = 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: development\n';

const w = useWorld('approval');

beforeAll(async () => {
  // One MFA session for the whole file: every later export assumes its role from it without a code.
  const warm = await w.addProject('warm', DEVELOPMENT);
  const r = await w.exportIn(warm, { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect(r.exitCode).toBe(0);
}, 60_000);

const account = (r: CliResult): string | undefined => /export AWSDIR_ACCOUNT='(\d+)'/.exec(r.stdout)?.[1];

/** Exit 1, nothing exported, one line of stderr; and no AWS call was made to get there. */
async function expectRefused(dir: string): Promise<string> {
  await w.emu.clearCalls();
  const r = await w.exportIn(dir);
  expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
  expect(await w.emu.calls()).toEqual([]);
  return r.stderr;
}

describe('a deleted project file does not hand its directory to a parent', () => {
  test("deleting the nearer file refuses the directory, naming both files and the parent's role, until `awsdir allow` there", async () => {
    const work = await w.addProject('work', PRODUCTION);
    const app = await w.addProject('work/app', DEVELOPMENT);
    mkdirSync(join(app, 'src', 'deep'), { recursive: true });
    expect(account(await w.exportIn(app))).toBe('333333333333');
    expect(account(await w.exportIn(work))).toBe('222222222222');

    // The pulled commit: app/.awsdir.yaml is gone, ~/work/.awsdir.yaml (production admin) is next up.
    rmSync(join(app, '.awsdir.yaml'));
    for (const dir of [app, join(app, 'src', 'deep')]) {
      const stderr = await expectRefused(dir);
      expect(stderr).toContain(join(app, '.awsdir.yaml'));
      expect(stderr).toContain(join(work, '.awsdir.yaml'));
      expect(stderr).toContain('role admin @ 222222222222');
      expect(stderr).toContain('region ap-northeast-1');
      expect(stderr.endsWith(`run \`awsdir allow ${app}\`\n`)).toBe(true);
    }
    // The parent's own directory is not affected.
    expect(account(await w.exportIn(work))).toBe('222222222222');

    const allowed = await w.run(['allow'], { cwd: app });
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stderr).toContain(join(app, '.awsdir.yaml'));
    await w.emu.clearCalls();
    for (const dir of [app, join(app, 'src', 'deep')]) expect(account(await w.exportIn(dir))).toBe('222222222222');
    // The parent's cached session serves it: accepting the parent asked AWS for nothing.
    expect(await w.emu.calls()).toEqual([]);

    // The file coming back is a file to allow again, not the one approved before.
    writeFileSync(join(app, '.awsdir.yaml'), `version: 1\nsource: ${w.source}\n${DEVELOPMENT}`);
    expect(await expectRefused(app)).toContain('is not allowed yet');
  });

  test('`awsdir deny` there forgets the vanished file: the refusal ends and the parent keeps its approval', async () => {
    const team = await w.addProject('team', PRODUCTION);
    const svc = await w.addProject('team/svc', DEVELOPMENT);
    rmSync(join(svc, '.awsdir.yaml'));
    await expectRefused(svc);

    const denied = await w.run(['deny'], { cwd: svc });
    expect(denied.exitCode).toBe(0);
    expect(denied.stderr).toContain(`denied ${join(svc, '.awsdir.yaml')}`);
    expect(denied.stderr).toContain(join(team, '.awsdir.yaml'));
    expect(account(await w.exportIn(team))).toBe('222222222222');
    expect(account(await w.exportIn(svc))).toBe('222222222222');
  });
});

describe('approval covers the identity a profile and the user file give a project', () => {
  const configFile = (): string => join(w.home, '.aws', 'config');
  const TEAM = '[profile team]\nrole_arn = arn:aws:iam::333333333333:role/readonly\nregion = eu-west-1\n';
  let dir: string;

  beforeAll(async () => {
    mkdirSync(join(w.home, '.aws'), { recursive: true });
    writeFileSync(configFile(), TEAM);
    dir = await w.addProject('profiled', 'profile: team\nlabel: team\n');
    expect(account(await w.exportIn(dir))).toBe('333333333333');
  });

  test('the profile edited to another role is refused, naming the change, until allowed', async () => {
    writeFileSync(configFile(), TEAM.replace('arn:aws:iam::333333333333:role/readonly', 'arn:aws:iam::222222222222:role/admin'));
    const stderr = await expectRefused(dir);
    expect(stderr).toContain('role: arn:aws:iam::333333333333:role/readonly -> arn:aws:iam::222222222222:role/admin');
    expect(stderr).toContain('account: 333333333333 -> 222222222222');
    expect(stderr).toContain(`${configFile()} [profile team]`);
    expect(stderr.endsWith(`run \`awsdir allow ${dir}\`\n`)).toBe(true);

    expect((await w.run(['allow'], { cwd: dir })).exitCode).toBe(0);
    expect(account(await w.exportIn(dir))).toBe('222222222222');
    // Back to what it was: that identity is no longer the approved one.
    writeFileSync(configFile(), TEAM);
    expect(await expectRefused(dir)).toContain('role: arn:aws:iam::222222222222:role/admin -> arn:aws:iam::333333333333:role/readonly');
    expect((await w.run(['allow'], { cwd: dir })).exitCode).toBe(0);
  });

  const edits: Array<[string, string, string]> = [
    ['region', 'region = us-west-2\n', 'region: eu-west-1 -> us-west-2'],
    ['duration_seconds', 'duration_seconds = 7200\n', 'duration: 1h -> 2h'],
    ['external_id', 'external_id = planted\n', 'external_id: none -> planted'],
    ['mfa_serial', 'mfa_serial = arn:aws:iam::111111111111:mfa/mallory\n', `mfa_serial: ${SERIAL} -> arn:aws:iam::111111111111:mfa/mallory`],
  ];
  test.each(edits)('the profile given %s is refused naming the change; put back, it is accepted again', async (_, line, change) => {
    writeFileSync(configFile(), TEAM.replace('region = eu-west-1\n', line.startsWith('region') ? line : `region = eu-west-1\n${line}`));
    expect(await expectRefused(dir)).toContain(change);
    writeFileSync(configFile(), TEAM);
    expect(account(await w.exportIn(dir))).toBe('333333333333');
  });

  test("the user file's source given another MFA device is refused naming the change", async () => {
    const userFile = join(w.home, '.config', 'awsdir', 'config.yaml');
    const before = readFileSync(userFile, 'utf8');
    expect(before).toContain(SERIAL);
    writeFileSync(userFile, before.replace(SERIAL, 'arn:aws:iam::111111111111:mfa/mallory'));
    try {
      expect(await expectRefused(dir)).toContain(`mfa_serial: ${SERIAL} -> arn:aws:iam::111111111111:mfa/mallory (from ${userFile})`);
    } finally {
      writeFileSync(userFile, before);
    }
    expect(account(await w.exportIn(dir))).toBe('333333333333');
  });
});

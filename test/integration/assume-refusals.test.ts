/**
 * AssumeRole refused: AWS answers "User: ARN is not authorized to perform: sts:AssumeRole on
 * resource: ROLE" whatever the reason (no such role, a trust policy that does not name the user,
 * a missing external id, an MFA too old). The built CLI against the emulator, which answers the
 * same way: a new MFA code is asked for only when the cached MFA session is old enough for its age
 * to be the reason, and every other refusal ends at once, naming what to check.
 */
import { runCli, type CliResult } from '../support/cli';
import { addProject, closeWorld, makeWorld, type World } from '../helpers/world';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const ALICE = 'arn:aws:iam::111111111111:user/alice';

const withMfa = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
const trust = (principal: string, condition: Record<string, Record<string, string>> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: { ...withMfa, ...condition } }],
});

const FIXTURE = {
  accounts: {
    '111111111111': { alias: 'acme-identity', users: { alice: { mfa: { serial: SERIAL, seed: 'JBSWY3DPEHPK3PXP' } }, bob: {} } },
    '222222222222': {
      alias: 'acme-production',
      roles: {
        admin: { trust_policy: trust('arn:aws:iam::111111111111:root') },
        partner: { trust_policy: trust('arn:aws:iam::111111111111:root', { StringEquals: { 'sts:ExternalId': 'acme-42' } }) },
        bobonly: { trust_policy: trust('arn:aws:iam::111111111111:user/bob') },
        recent: { trust_policy: trust('arn:aws:iam::111111111111:root', { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }) },
      },
    },
  },
};

const role = (name: string) => `role: arn:aws:iam::222222222222:role/${name}\nregion: eu-west-1\nlabel: ${name}\n`;

async function exportIn(w: World, dir: string, extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['export', '--shell', 'bash'], { env: { ...w.env, ...extra }, cwd: dir });
}

const stsCalls = async (w: World): Promise<string[]> => (await w.emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);

describe('a refusal with a fresh MFA session in the cache fails at once, naming what to check', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld('refusefresh', FIXTURE);
    // The day's first directory: the MFA session every other directory assumes its role from.
    const first = await exportIn(w, await addProject(w, 'admin', role('admin')), { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
    expect(first.exitCode).toBe(0);
  }, 60_000);
  afterAll(() => closeWorld(w));
  beforeEach(() => w.emu.clearCalls());

  async function refused(dir: string): Promise<string> {
    const r = await exportIn(w, dir);
    expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 1, stdout: '' });
    // One AssumeRole with the cached MFA session; no new code, no second GetSessionToken.
    expect(await stsCalls(w)).toEqual(['AssumeRole:AccessDenied']);
    expect(r.stderr).not.toMatch(/recent MFA|new code|AWSDIR_MFA_CODE/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // It says why MFA age is ruled out, and names the user the trust policy must name.
    expect(r.stderr).toMatch(/not the age of your MFA: the MFA session is (\d+ minutes?|less than a minute) old/);
    expect(r.stderr).toContain(ALICE);
    return r.stderr;
  }

  test('a typo in the role name: check `role:` first, naming the role and its account', async () => {
    const dir = await addProject(w, 'typo', role('admn'));
    const stderr = await refused(dir);
    expect(stderr).toMatch(/^awsdir: role arn:aws:iam::222222222222:role\/admn refused /);
    expect(stderr).toContain(`\`role:\` in ${dir}/.awsdir.yaml (role admn in account 222222222222)`);
    expect(stderr).toContain('`awsdir init --print-trust-policy`');
  });

  test('no external id where the trust policy demands one: `external_id:` in the file, or `awsdir init --external-id`', async () => {
    const dir = await addProject(w, 'partner', role('partner'));
    const stderr = await refused(dir);
    expect(stderr).toContain(
      `no external id is set: if the role demands one, add \`external_id:\` to ${dir}/.awsdir.yaml (or \`awsdir init --external-id ID\`)`,
    );

    // With the right one it works, from the same MFA session: no code.
    await addProject(w, 'partner', `${role('partner')}external_id: acme-42\n`);
    const r = await exportIn(w, dir);
    expect(r.exitCode).toBe(0);
  });

  test('a wrong external id is named as such', async () => {
    const dir = await addProject(w, 'partnerwrong', `${role('partner')}external_id: acme-43\n`);
    const stderr = await refused(dir);
    expect(stderr).toContain(`the external id acme-43 of ${dir}/.awsdir.yaml does not match what the role demands`);
  });

  test('a trust policy that does not name the user: the trust policy to give the administrator', async () => {
    const dir = await addProject(w, 'bobonly', role('bobonly'));
    const stderr = await refused(dir);
    expect(stderr).toContain(`the role's trust policy must name ${ALICE}`);
    expect(stderr).toMatch(/`awsdir init --print-trust-policy` prints one for your administrator\n$/);
  });
});

describe('a refusal of an old MFA session asks for one new code, once', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld('refuseold', FIXTURE);
  }, 60_000);
  afterAll(() => closeWorld(w));

  test('a role that demands an MFA of the last hour gets it when the MFA session is two hours old', async () => {
    // The MFA session is issued two hours ago at AWS (its expiration says so too), then the clock is today's again.
    await w.emu.advanceClock(-2 * 3600);
    const admin = await exportIn(w, await addProject(w, 'admin', role('admin')), { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
    expect(admin.exitCode).toBe(0);
    await w.emu.advanceClock(2 * 3600);

    const dir = await addProject(w, 'recent', role('recent'));
    await w.emu.clearCalls();
    const r = await exportIn(w, dir, { AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) });
    expect(r.stderr).toMatch(
      /role arn:aws:iam::222222222222:role\/recent refused the MFA session of 2h\d*m? ago; a role that demands a recent MFA accepts a new one: asking for a code/,
    );
    expect(r.exitCode).toBe(0);
    expect(await stsCalls(w)).toEqual(['AssumeRole:AccessDenied', 'GetSessionToken:OK', 'AssumeRole:OK']);

    // The new MFA session is now the cached one: the next refusal of another role is not MFA age.
    await w.emu.clearCalls();
    const typo = await exportIn(w, await addProject(w, 'typo', role('admn')));
    expect(typo.exitCode).toBe(1);
    expect(await stsCalls(w)).toEqual(['AssumeRole:AccessDenied']);
    expect(typo.stderr).toMatch(/not the age of your MFA/);
  });
});

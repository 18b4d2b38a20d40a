import { FixtureError, loadFixture } from '../../src/emulator';
import { ACCOUNTS, ALIASES, ALICE, DEMO_FIXTURE, MFA_DEVICE, ROLES } from '../support/fixture';

function reason(fixture: object): string {
  try {
    loadFixture(fixture);
  } catch (error) {
    if (error instanceof FixtureError) return `${error.path}: ${error.reason}`;
    throw error;
  }
  return 'loaded';
}

describe('emulator fixtures', () => {
  it('loads the demo fixture with the same derived keys every time', () => {
    const a = loadFixture(DEMO_FIXTURE);
    const b = loadFixture(DEMO_FIXTURE);
    expect(a.accounts['111111111111']?.users.alice?.accessKeys[0]?.id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(a.accounts['111111111111']?.users.alice?.accessKeys[0]).toEqual(b.accounts['111111111111']?.users.alice?.accessKeys[0]);
    expect(a.accounts['222222222222']?.roles.longadmin?.maxSessionDuration).toBe(43200);
  });

  it("agrees with the names tests use for it (test/support/fixture.ts): accounts, aliases, roles, alice's device and keys", () => {
    const demo = loadFixture(DEMO_FIXTURE);
    expect(Object.fromEntries(Object.entries(ACCOUNTS).map(([name, id]) => [name, demo.accounts[id]?.alias]))).toEqual(ALIASES);
    const roles = Object.values(demo.accounts).flatMap((a) => Object.values(a.roles).map((r) => r.arn));
    for (const arn of Object.values(ROLES)) expect(roles).toContain(arn);
    const alice = demo.accounts[ACCOUNTS.identity]?.users.alice;
    expect(alice?.arn).toBe(ALICE.arn);
    expect(alice?.mfa.map((m) => ({ serial: m.serial, seed: m.seed }))).toEqual([MFA_DEVICE]);
    expect(alice?.accessKeys.map((k) => ({ accessKeyId: k.id, secretAccessKey: k.secret }))).toEqual([ALICE.keys]);
  });

  it('names the path and the reason of each mistake', () => {
    expect(reason({ accounts: { '1234': {} } })).toBe('accounts.1234: an account id is 12 digits (quote it in YAML)');
    expect(reason({ accounts: { '111111111111': { users: { a: { mfa: { seed: 'not base32!' } } } } } })).toMatch(
      /^accounts.111111111111.users.a.mfa.seed: a TOTP seed is base32/,
    );
    expect(reason({ accounts: { '111111111111': { roles: { r: {} } } } })).toMatch(/^accounts.111111111111.roles.r.trust_policy: missing/);
    expect(
      reason({
        accounts: {
          '111111111111': {
            roles: {
              r: {
                trust_policy: {
                  Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
                },
              },
            },
          },
        },
      }),
    ).toBe(
      "accounts.111111111111.roles.r.trust_policy.Statement.0.Condition.Bool.aws:SecureTransport: condition key 'aws:SecureTransport' is not supported by the emulator; supported: aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge, sts:ExternalId, aws:username",
    );
    expect(reason({ accounts: { '111111111111': { users: { a: { policies: ['Missing'] } } } } })).toMatch(
      /^accounts.111111111111.users.a.policies.0: no managed policy 'Missing'/,
    );
    expect(reason({ accounts: { '111111111111': { users: { a: {} } } }, settings: { issue_seconds: { AssumeRole: 20 } } })).toBe('loaded');
  });

  it('checks the sso section: every assignment names a user, an account of the fixture and a permission set', () => {
    const sso = (over: object) => ({
      accounts: { '222222222222': { alias: 'acme-production' } },
      sso: {
        start_url: 'https://corp.awsapps.com/start',
        region: 'eu-west-1',
        users: { alice: { email: 'alice@corp.example' } },
        permission_sets: { AdministratorAccess: { session_duration: '1h' }, ReadOnlyAccess: { session_duration: '8h' } },
        assignments: [{ user: 'alice', account: '222222222222', permission_set: 'AdministratorAccess' }],
        ...over,
      },
    });
    expect(reason(sso({}))).toBe('loaded');
    const loaded = loadFixture(sso({ poll_interval: 5, access_token_lifetime: '15m' })).sso;
    expect(loaded).toMatchObject({
      pollIntervalSeconds: 5,
      accessTokenSeconds: 900,
      deviceCodeSeconds: 600,
      portalSessionSeconds: 28800,
      permissionSets: { ReadOnlyAccess: { sessionSeconds: 28800 } },
    });
    expect(reason(sso({ assignments: [{ user: 'alice', account: '999999999999', permission_set: 'AdministratorAccess' }] }))).toBe(
      "sso.assignments.0.account: no account '999999999999' in the fixture; declare it under accounts (quote the id in YAML)",
    );
    expect(reason(sso({ assignments: [{ user: 'bob', account: '222222222222', permission_set: 'AdministratorAccess' }] }))).toBe(
      "sso.assignments.0.user: no user 'bob' under sso.users",
    );
    expect(reason(sso({ assignments: [{ user: 'alice', account: '222222222222', permission_set: 'PowerUser' }] }))).toBe(
      "sso.assignments.0.permission_set: no permission set 'PowerUser' under sso.permission_sets",
    );
    expect(reason(sso({ permission_sets: { AdministratorAccess: { session_duration: '13h' } } }))).toBe(
      'sso.permission_sets.AdministratorAccess.session_duration: must be from 1h to 12h, as in IAM Identity Center',
    );
    expect(reason(sso({ poll_interval: 'soon' }))).toMatch(/^sso.poll_interval: must be a duration/);
    expect(reason(sso({ start_url: 'corp.awsapps.com' }))).toMatch(/^sso.start_url: must be an https URL/);
    expect(reason(sso({ startUrl: 'x' }))).toMatch(/^sso.startUrl: unknown key; allowed: start_url, region, /);
  });
});

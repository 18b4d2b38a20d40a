import { FixtureError, loadFixture } from '../../src/emulator';
import { DEMO_FIXTURE } from '../helpers/emulator';

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

  it('names the path and the reason of each mistake', () => {
    expect(reason({ accounts: { '1234': {} } })).toBe('accounts.1234: an account id is 12 digits (quote it in YAML)');
    expect(reason({ accounts: { '111111111111': { users: { a: { mfa: { seed: 'not base32!' } } } } } })).toMatch(/^accounts.111111111111.users.a.mfa.seed: a TOTP seed is base32/);
    expect(reason({ accounts: { '111111111111': { roles: { r: {} } } } })).toMatch(/^accounts.111111111111.roles.r.trust_policy: missing/);
    expect(reason({ accounts: { '111111111111': { roles: { r: { trust_policy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] } } } } } })).toBe(
      "accounts.111111111111.roles.r.trust_policy.Statement.0.Condition.Bool.aws:SecureTransport: condition key 'aws:SecureTransport' is not supported by the emulator; supported: aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge, sts:ExternalId, aws:username",
    );
    expect(reason({ accounts: { '111111111111': { users: { a: { policies: ['Missing'] } } } } })).toMatch(/^accounts.111111111111.users.a.policies.0: no managed policy 'Missing'/);
    expect(reason({ accounts: { '111111111111': { users: { a: {} } } }, settings: { issue_seconds: { AssumeRole: 20 } } })).toBe('loaded');
  });
});

/**
 * The demo fixture (test/fixtures/emulator/demo.yaml) as tests name it: its file, accounts, users,
 * roles, alice's MFA device and her keys, written here once. test/emulator/fixture.test.ts checks
 * that these agree with the YAML.
 */
import { join } from 'node:path';
import { generatedKey } from '../../src/emulator/fixture';
import { ROOT } from './cli';

export const DEMO_FIXTURE = join(ROOT, 'test', 'fixtures', 'emulator', 'demo.yaml');

/** Account ids of the demo fixture: people live in `identity`, the roles in the others. */
export const ACCOUNTS = {
  identity: '111111111111',
  production: '222222222222',
  development: '333333333333',
  staging: '444444444444',
} as const;

export const ALIASES = {
  identity: 'acme-identity',
  production: 'acme-production',
  development: 'acme-development',
  staging: 'acme-staging',
} as const;

/** alice's virtual MFA device, as a fixture names it (`mfa: MFA_DEVICE`); the seed gives the emulator's codes. */
export const MFA_DEVICE = { serial: `arn:aws:iam::${ACCOUNTS.identity}:mfa/alice`, seed: 'JBSWY3DPEHPK3PXP' } as const;
export const MFA_SERIAL = MFA_DEVICE.serial;

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A fixture user's n-th long-term key when the fixture lists none: derived from account and name, the same every run. */
export function derivedKeys(user: string, account: string = ACCOUNTS.identity, index = 0): Keys {
  const key = generatedKey(account, user, index);
  return { accessKeyId: key.id, secretAccessKey: key.secret };
}

/** The person of most tests: an IAM user in the identity account with an MFA device. */
export const ALICE = {
  name: 'alice',
  arn: `arn:aws:iam::${ACCOUNTS.identity}:user/alice`,
  keys: derivedKeys('alice'),
} as const;

/** The keys as `awsdir add --from-env` reads them. */
export function keyEnv(keys: Keys): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey };
}

export const ROLES = {
  /** Trusts the identity account with MFA; sessions of at most 1 hour. */
  productionAdmin: `arn:aws:iam::${ACCOUNTS.production}:role/admin`,
  /** As productionAdmin, with sessions of up to 12 hours. */
  productionLongAdmin: `arn:aws:iam::${ACCOUNTS.production}:role/longadmin`,
  developmentAdmin: `arn:aws:iam::${ACCOUNTS.development}:role/admin`,
  /** Trusts the identity account without MFA. */
  developmentReadonly: `arn:aws:iam::${ACCOUNTS.development}:role/readonly`,
  /** Trusts the identity account with the external id `staging-ext`. */
  stagingDeploy: `arn:aws:iam::${ACCOUNTS.staging}:role/deploy`,
} as const;

/** The production role as a person would write it in ~/production/.awsdir.yaml (the world adds version and source). */
export const PRODUCTION_PROJECT = `role: ${ROLES.productionAdmin}\nregion: ap-northeast-1\nlabel: production\n`;

/** The IAM Identity Center sign-in the SSO tests share: alice of corp, two permission sets. */
export const SSO_START_URL = 'https://corp.awsapps.com/start';

/**
 * An emulator fixture with IAM Identity Center: the accounts given (alice's user in the identity
 * account is added) and alice's assignments, each test choosing what its counts depend on.
 */
export function ssoFixture(options: {
  accounts: Record<string, { alias: string; email?: string }>;
  assignments: Array<{ account: string; permission_set: 'AdministratorAccess' | 'ReadOnlyAccess' }>;
  sso?: Record<string, unknown>;
}): object {
  return {
    accounts: { [ACCOUNTS.identity]: { alias: ALIASES.identity, users: { alice: {} } }, ...options.accounts },
    sso: {
      start_url: SSO_START_URL,
      region: 'eu-west-1',
      users: { alice: { email: 'alice@corp.example' } },
      permission_sets: { AdministratorAccess: { session_duration: '1h' }, ReadOnlyAccess: { session_duration: '8h' } },
      assignments: options.assignments.map((a) => ({ user: 'alice', ...a })),
      ...options.sso,
    },
  };
}

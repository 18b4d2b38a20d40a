// Kept so that files importing this path still build; new tests import test/support/privateKeychain.
export * from '../support/privateKeychain';

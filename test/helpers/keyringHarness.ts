// Kept so that files importing this path still build; new tests import test/support/keyringHarness.
export * from '../support/keyringHarness';

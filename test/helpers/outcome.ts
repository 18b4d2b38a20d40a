// Kept so that files importing this path still build; new tests import test/support/outcome.
export * from '../support/outcome';

// Kept so that files importing this path still build; new tests import test/support/cli.
export * from '../support/cli';

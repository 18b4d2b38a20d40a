// Kept so that files importing this path still build; new tests import test/support/emulator.
export * from '../support/emulator';

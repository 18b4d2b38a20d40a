/**
 * The local STS, IAM and IAM Identity Center emulator (dist/emulator.cjs): what the test suite and
 * `awsdir demo` talk to instead of AWS. Reached from the CLI only through loadEmulator() (loadEmulator.ts).
 */
export { startEmulator, type Emulator, type EmulatorOptions } from './startEmulator';
export { loadFixture, FixtureError, generatedKey, type Fixture } from './fixture';
export { totpAt, stepAt } from './totp';
export type { Call, Fault } from './world';

import { join } from 'node:path';

/**
 * The AWS SDK and the emulator live in chunks of their own (dist/aws.cjs, dist/emulator.cjs),
 * loaded only when a command needs them: requiring client-sts costs ~170 ms, which the
 * cache-hit path of every `cd` must not pay. Unbundled (tests), the sources are required directly.
 */
declare const AWSDIR_BUNDLED: boolean | undefined;

export type AwsChunk = typeof import('../aws/sdk');
export type EmulatorChunk = typeof import('../emulator/index');
export type CliChunk = typeof import('./runProgram');

export function loadAwsChunk(): AwsChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
    ? (require(join(__dirname, 'aws.cjs')) as AwsChunk)
    : (require('../aws/sdk') as AwsChunk);
}

export function loadEmulatorChunk(): EmulatorChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
    ? (require(join(__dirname, 'emulator.cjs')) as EmulatorChunk)
    : (require('../emulator/index') as EmulatorChunk);
}

/** The argument parser and every command: all of awsdir but the cache-hit export (see main.ts). */
export function loadCliChunk(): CliChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
    ? (require(join(__dirname, 'cli.cjs')) as CliChunk)
    : (require('./runProgram') as CliChunk);
}

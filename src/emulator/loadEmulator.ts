import { join } from 'node:path';

export type EmulatorChunk = typeof import('./index');

/**
 * The local AWS emulator, in a chunk of its own (dist/emulator.cjs) loaded only by
 * `awsdir emulator` and `awsdir demo`. Unbundled (tests), the sources are required directly.
 */
export function loadEmulator(): EmulatorChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
    ? (require(join(__dirname, 'emulator.cjs')) as EmulatorChunk)
    : (require('./index') as EmulatorChunk);
}

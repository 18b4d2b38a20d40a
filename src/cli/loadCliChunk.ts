import { join } from 'node:path';

export type CliChunk = typeof import('./runProgram');

/**
 * The argument parser and every command: all of awsdir but the cache-hit export (see main.ts), in
 * a chunk of its own (dist/cli.cjs). Unbundled (tests), the sources are required directly.
 */
export function loadCliChunk(): CliChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED ? (require(join(__dirname, 'cli.cjs')) as CliChunk) : (require('./runProgram') as CliChunk);
}

import type { Env } from '../core/context';
import { requireChunk } from '../aws/compileCache';

export type AwsFetcherModule = typeof import('./awsFetcher');

/**
 * The real fetcher for the hit bundle, which has it stubbed out (scripts/build.mjs): from the STS
 * chunk (dist/sts.cjs, stsChunk.ts), loaded when the cache has nothing fresh. Unbundled (tests),
 * the source is required directly.
 */
export function loadAwsFetcher(env: Env): AwsFetcherModule {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
    ? (requireChunk('sts.cjs', env) as AwsFetcherModule)
    : (require('./awsFetcher') as AwsFetcherModule);
}

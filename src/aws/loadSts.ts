import type { Env } from '../core/context';
import { requireChunk } from './compileCache';

export type StsChunk = typeof import('./stsClient');

/**
 * The STS client of a role session, in the chunk of its own a cache miss loads (dist/sts.cjs): the
 * AWS SDK's STS client and nothing else of the SDK, where the full SDK chunk (dist/aws.cjs) costs
 * a cold export most of its time. Unbundled (tests), the sources are required directly.
 */
export function loadSts(env: Env): StsChunk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED ? (requireChunk('sts.cjs', env) as StsChunk) : (require('./stsClient') as StsChunk);
}

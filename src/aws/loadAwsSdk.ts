import { join } from 'node:path';

export type AwsSdk = typeof import('./sdk');

/**
 * The AWS SDK clients, in a chunk of their own (dist/aws.cjs) loaded only when a command needs
 * them: requiring client-sts costs ~170 ms, which the cache-hit path of every `cd` must not pay.
 * Unbundled (tests), the sources are required directly.
 */
export function loadAwsSdk(): AwsSdk {
  return typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED ? (require(join(__dirname, 'aws.cjs')) as AwsSdk) : (require('./sdk') as AwsSdk);
}

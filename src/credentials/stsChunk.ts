/**
 * The chunk dist/sts.cjs: what a role session needs beyond a cache read, without the rest of the
 * AWS SDK. The full CLI loads it for its STS calls (loadSts.ts); the hit bundle loads it when the
 * role session is not cached (loadAwsFetcher.ts) and goes on from there without the full CLI: the
 * fetcher (source keys, MFA codes, the lock, the account alias as remembered) and an STS client.
 */
export { createSts } from '../aws/stsClient';
export { createAwsFetcher } from './awsFetcher';

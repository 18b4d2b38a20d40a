/**
 * node:crypto as the cache-hit bundle (dist/awsdir.cjs) sees it; scripts/build.mjs substitutes it
 * there. Loading node:crypto costs a `cd` 5-8 ms, and the hit path needs only a few SHA-256
 * digests of short strings (cache and approval file names, keychain entry names): those are
 * computed by @noble/hashes in plain JavaScript, byte for byte what node:crypto gives (test/unit/hit-path-crypto.test.ts).
 * Everything else is node:crypto itself, loaded on first use. A name missing here fails the build.
 */
import type * as NodeCrypto from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

let loaded: typeof NodeCrypto | undefined;
const real = (): typeof NodeCrypto => (loaded ??= require('node:crypto') as typeof NodeCrypto);

/** SHA-256 of `data`, by @noble/hashes (audited, pure JavaScript, no node:crypto). */
export function sha256(data: Uint8Array): Buffer {
  return Buffer.from(nobleSha256(data));
}

/** The slice of node:crypto's Hash the hit path uses, over noble's incremental hasher. */
class Sha256 {
  private readonly hash = nobleSha256.create();
  update(data: string | Uint8Array, encoding?: BufferEncoding): this {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : data);
    return this;
  }
  digest(): Buffer;
  digest(encoding: BufferEncoding): string;
  digest(encoding?: BufferEncoding): Buffer | string {
    const digest = Buffer.from(this.hash.digest());
    return encoding ? digest.toString(encoding) : digest;
  }
}

export const createHash = ((algorithm: string, options?: NodeCrypto.HashOptions) =>
  algorithm === 'sha256' && options === undefined ? new Sha256() : real().createHash(algorithm, options)) as unknown as typeof NodeCrypto.createHash;

export const randomBytes = ((...args: Parameters<typeof NodeCrypto.randomBytes>) => real().randomBytes(...args)) as typeof NodeCrypto.randomBytes;
export const createHmac = ((...args: Parameters<typeof NodeCrypto.createHmac>) => real().createHmac(...args)) as typeof NodeCrypto.createHmac;
export const createCipheriv = ((...args: Parameters<typeof NodeCrypto.createCipheriv>) =>
  real().createCipheriv(...args)) as unknown as typeof NodeCrypto.createCipheriv;
export const createDecipheriv = ((...args: Parameters<typeof NodeCrypto.createDecipheriv>) =>
  real().createDecipheriv(...args)) as unknown as typeof NodeCrypto.createDecipheriv;
export const scrypt = ((...args: Parameters<typeof NodeCrypto.scrypt>) => real().scrypt(...args)) as typeof NodeCrypto.scrypt;
export const timingSafeEqual = ((...args: Parameters<typeof NodeCrypto.timingSafeEqual>) =>
  real().timingSafeEqual(...args)) as typeof NodeCrypto.timingSafeEqual;

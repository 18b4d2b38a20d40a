/**
 * The cache-hit bundle computes SHA-256 without node:crypto (src/cli/hitPathCrypto.ts). Cache file
 * names, approval records and keychain entry names derive from those digests: one bit of
 * difference would orphan every approval and cached session, so they must equal node:crypto's.
 */
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { createHash, sha256 } from '../../src/cli/hitPathCrypto';

const reference = (data: Uint8Array): string => nodeCrypto.createHash('sha256').update(data).digest('hex');

test('digests equal node:crypto for every length around the padding boundaries', () => {
  for (let n = 0; n <= 300; n++) {
    const data = nodeCrypto.randomBytes(n);
    expect(sha256(data).toString('hex')).toBe(reference(data));
  }
});

test('digests equal node:crypto for arbitrary strings and chunkings, in every encoding', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), (parts) => {
      const ours = createHash('sha256');
      const theirs = nodeCrypto.createHash('sha256');
      for (const p of parts) {
        ours.update(p);
        theirs.update(p);
      }
      const a = ours.digest();
      const b = theirs.digest();
      expect(a.equals(b)).toBe(true);
      expect(a.toString('hex')).toBe(b.toString('hex'));
    }),
    { numRuns: 300 },
  );
  expect(createHash('sha256').update('abc').digest('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(createHash('sha256').update('abc').digest('base64')).toBe(nodeCrypto.createHash('sha256').update('abc').digest('base64'));
});

test('other algorithms and functions are node:crypto itself', () => {
  expect(createHash('sha1').update('abc').digest('hex')).toBe(nodeCrypto.createHash('sha1').update('abc').digest('hex'));
});

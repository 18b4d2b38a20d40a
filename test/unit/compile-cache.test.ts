import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWithCodeCache } from '../../src/aws/compileCache';

/** The Node.js 20 code cache of a chunk: kept per content, never served for another chunk. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'awsdir-compile-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The chunk's text at a path of its own: V8 keeps what it compiled in the process too, per source
 * and file name, and would answer a second compile of the same file from there, not from the cache.
 */
let copies = 0;
function chunkAt(text: string): string {
  const at = join(dir, `copy${(copies += 1)}`);
  mkdirSync(at);
  writeFileSync(join(at, 'sts.cjs'), text);
  return join(at, 'sts.cjs');
}

function load(chunk: string): { exports: unknown; wrote: boolean } {
  let write: (() => void) | undefined;
  const exports = loadWithCodeCache(chunk, join(dir, 'cache'), (w) => (write = w));
  write?.();
  return { exports, wrote: write !== undefined };
}

test('a chunk is compiled and run as a CommonJS module; its code cache is written at exit, and used by the next load', () => {
  const text = "exports.answer = function () { return require('node:path').basename(__filename) + ':' + (module.exports === exports); };\n";
  const first = load(chunkAt(text));
  expect((first.exports as { answer(): string }).answer()).toBe('sts.cjs:true');
  expect(first.wrote).toBe(true);
  expect(readdirSync(join(dir, 'cache'))).toEqual([expect.stringMatching(/^sts-[0-9a-f]{16}\.v8$/)]);
  const second = load(chunkAt(text));
  expect((second.exports as { answer(): string }).answer()).toBe('sts.cjs:true');
  // The cache was accepted: nothing to write again.
  expect(second.wrote).toBe(false);
});

test('a changed chunk of the same length is not given the code of the old one, and the old cache goes', () => {
  // V8 checks a code cache against the source's length only: the file name carries the content hash.
  expect(load(chunkAt('module.exports = { n: 1111 };\n')).exports).toEqual({ n: 1111 });
  const changed = load(chunkAt('module.exports = { n: 2222 };\n'));
  expect(changed.exports).toEqual({ n: 2222 });
  expect(changed.wrote).toBe(true);
  expect(readdirSync(join(dir, 'cache'))).toHaveLength(1);
  expect(load(chunkAt('module.exports = { n: 2222 };\n'))).toEqual({ exports: { n: 2222 }, wrote: false });
});

test('a cache file that is garbage is refused by V8 and replaced', () => {
  load(chunkAt('module.exports = { ok: true };\n'));
  const [name] = readdirSync(join(dir, 'cache'));
  writeFileSync(join(dir, 'cache', name!), 'not a code cache');
  const again = load(chunkAt('module.exports = { ok: true };\n'));
  expect(again.exports).toEqual({ ok: true });
  expect(again.wrote).toBe(true);
});

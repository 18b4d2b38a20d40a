import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import type * as NodeModule from 'node:module';
import { dirname, join } from 'node:path';
import type * as NodeVm from 'node:vm';
import type { Env } from '../core/context';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { stateDir } from '../config/paths';

type EnableCompileCache = (directory?: string) => unknown;

// Required where used, not imported: this module is in the hit bundle, and loading node:module
// (with Node's ES module loader behind it) and node:vm would cost every `cd` that never needs them.
const nodeModule = (): typeof NodeModule => require('node:module') as typeof NodeModule;
const nodeVm = (): typeof NodeVm => require('node:vm') as typeof NodeVm;

/** Where V8's compiled code of the chunks is kept: owner-only, like the rest of the state directory. */
export const compileCacheDir = (env: Env): string => join(stateDir(env), 'compile-cache');

/**
 * A chunk of dist/ (beside the running bundle), with V8's compiled code of it kept in the state
 * directory for the next process: parsing and compiling the AWS SDK is most of what a cold `cd`
 * costs beyond the round trip to STS, and the next process would do it again byte for byte.
 * Node.js 22.1 and later do this themselves (module.enableCompileCache); on Node.js 20 the chunk is
 * compiled here with V8's code cache (loadWithCodeCache). Only the chunk a role session's cache
 * miss loads (dist/sts.cjs) comes through here, never the cache-hit path.
 */
export function requireChunk(file: string, env: Env): unknown {
  const path = join(__dirname, file);
  const loaded = require.cache[path];
  if (loaded?.loaded) return loaded.exports;
  const dir = compileCacheDir(env);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return require(path);
  }
  const enable = (nodeModule() as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (enable) {
    // NODE_COMPILE_CACHE, when set, has enabled it already, where it names; this call is then a no-op.
    enable(dir);
    return require(path);
  }
  return loadWithCodeCache(path, dir);
}

/**
 * Requires `path` as Node.js would, but compiled with the code cache of a file named by the chunk's
 * content hash (V8 itself checks only the source's length, its own version and its flags, and
 * refuses what does not match them). A chunk loaded without a usable cache gets one written when
 * the process exits, so that it holds the code of the functions the command ran, not only of the
 * chunk's top level: that is what the next process saves most on.
 */
export function loadWithCodeCache(path: string, dir: string, atExit: (write: () => void) => void = (write) => void process.once('exit', write)): unknown {
  const { Module, createRequire } = nodeModule();
  const { Script, constants: vmConstants } = nodeVm();
  const source = readFileSync(path, 'utf8');
  const requireHere = createRequire(path);
  // Native SHA-256, asked for at run time: the hit bundle, which loads this chunk on a cache miss,
  // has node:crypto's createHash replaced at build time by one in JavaScript for short strings
  // (src/cli/hitPathCrypto.ts), which takes milliseconds over a chunk of hundreds of kilobytes.
  const { createHash } = requireHere('node:crypto') as typeof import('node:crypto');
  const name = `${basenameOf(path)}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.v8`;
  const cacheFile = join(dir, name);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), {
    filename: path,
    ...(cachedData ? { cachedData } : {}),
    // The chunks are built without import(); should one remain, it behaves as in a required file.
    ...(vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  if (!cachedData || script.cachedDataRejected) {
    atExit(() => {
      try {
        writeFileAtomic(cacheFile, script.createCachedData());
        for (const old of readdirSync(dir)) if (old !== name && old.startsWith(`${basenameOf(path)}-`) && old.endsWith('.v8')) unlinkSync(join(dir, old));
      } catch {
        // Only an optimisation: the next process compiles the chunk itself.
      }
    });
  }
  const chunk = new Module(path);
  chunk.filename = path;
  require.cache[path] = chunk;
  try {
    const wrapper = script.runInThisContext() as (
      exports: unknown,
      require: NodeJS.Require,
      module: NodeModule.Module,
      filename: string,
      dirname: string,
    ) => void;
    wrapper.call(chunk.exports, chunk.exports, requireHere, chunk, path, dirname(path));
  } catch (error) {
    delete require.cache[path];
    throw error;
  }
  chunk.loaded = true;
  return chunk.exports;
}

const basenameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1).replace(/\.cjs$/, '');

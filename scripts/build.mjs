// Four CommonJS bundles: the one every `cd` starts (dist/awsdir.cjs: main.ts and the cache-hit
// export), and chunks it loads only when needed: the full CLI with its argument parser and every
// command (dist/cli.cjs), the AWS SDK on a cache miss, the emulator for `awsdir emulator`/`demo`.
// Node has no compile cache here, so every byte of the first bundle is parsed on every `cd`.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  sourcemap: false,
  // Native binding: resolved from node_modules at run time.
  external: ['@napi-rs/keyring'],
  define: { AWSDIR_BUNDLED: 'true', AWSDIR_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

// What the cache-hit export reaches in the sources but never runs on a hit: the YAML and zod
// parsers behind the resolved-config cache, the rest of the engine (MFA, locks, the user-file
// editor) and the terminal prompt. In dist/awsdir.cjs each becomes a stub that throws when used,
// which the hit path takes as a miss, handing the command to the full CLI (dist/cli.cjs), where
// the real modules live. test/perf/hit-path.test.ts proves a hit never gets there.
const offHitPath = [
  'src/config/resolveProjectFile.ts',
  'src/config/parseUserConfig.ts',
  'src/config/updateUserConfig.ts',
  'src/credentials/createEngine.ts',
  'src/mfa/readTty.ts',
].map((f) => resolvePath(root, f));
const hitPathStubs = {
  name: 'hit-path-stubs',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = resolvePath(args.resolveDir, args.path);
      const hit = offHitPath.find((f) => path === f || path === f.replace(/\.ts$/, ''));
      return hit ? { path: hit, namespace: 'off-hit-path' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'off-hit-path' }, (args) => ({
      loader: 'js',
      // Every export is a function that throws, whether reached through require() or an import.
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path.slice(root.length)} is not on the cache-hit path`)}); };
module.exports = Object.create(new Proxy({}, { get: (_, key) => (typeof key === 'string' && key !== '__esModule' && key !== 'then' ? fail : undefined) }));`,
    }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/awsdir.cjs', banner: { js: '#!/usr/bin/env node' }, plugins: [hitPathStubs] }),
  build({ ...common, entryPoints: ['src/cli/runProgram.ts'], outfile: 'dist/cli.cjs' }),
  build({ ...common, entryPoints: ['src/aws/sdk.ts'], outfile: 'dist/aws.cjs' }),
  build({ ...common, entryPoints: ['src/emulator/index.ts'], outfile: 'dist/emulator.cjs' }),
]);

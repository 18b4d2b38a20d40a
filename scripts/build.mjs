// Three CommonJS bundles: the CLI every `cd` starts, and two chunks it loads only when needed
// (the AWS SDK on a cache miss, the emulator for `awsdir emulator`/`demo`), so the cache-hit
// path never pays for parsing the SDK.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

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

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/awsdir.cjs', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['src/aws/sdk.ts'], outfile: 'dist/aws.cjs' }),
  build({ ...common, entryPoints: ['src/emulator/index.ts'], outfile: 'dist/emulator.cjs' }),
]);

// Four CommonJS bundles: the one every `cd` starts (dist/awsdir.cjs: main.ts and the cache-hit
// export), and chunks it loads only when needed: the full CLI with its argument parser and every
// command (dist/cli.cjs), the AWS SDK on a cache miss, the emulator for `awsdir emulator`/`demo`.
// Node has no compile cache here, so every byte of the first bundle is parsed on every `cd`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRegions } from './aws-regions.mjs';

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
// parsers behind the resolved-config cache, the chain's real fetcher (the SDK loader, MFA codes,
// the lock), the user-file editor, the terminal prompt, STS error wording and
// `export --credential-process`. In dist/awsdir.cjs each becomes a stub that throws when used,
// which the hit path takes as a miss, handing the command to the full CLI (dist/cli.cjs), where
// the real modules live. test/perf/hit-path.test.ts proves a hit never gets there.
const offHitPath = [
  'src/config/resolveProjectFile.ts',
  'src/config/parseUserConfig.ts',
  'src/config/updateUserConfig.ts',
  'src/credentials/awsFetcher.ts',
  'src/mfa/readTty.ts',
  'src/aws/errors.ts',
  'src/credentials/credentialProcessProfile.ts',
].map((f) => resolvePath(root, f));
// node:crypto costs a `cd` 5-8 ms to load, for a few SHA-256 digests of short strings: the hit
// bundle gets src/cli/hitPathCrypto.ts instead (the same digests; the rest of node:crypto on use).
const hitPathCrypto = resolvePath(root, 'src/cli/hitPathCrypto.ts');
const hitPathStubs = {
  name: 'hit-path-stubs',
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, (args) => (args.importer === hitPathCrypto ? undefined : { path: hitPathCrypto }));
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

const main = { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/awsdir.cjs', banner: { js: '#!/usr/bin/env node' }, plugins: [hitPathStubs] };

// The region list of the config check, from the AWS SDK installed now (names and patterns only).
if (writeRegions()) console.warn('build: src/config/awsRegions.json updated from the installed AWS SDK');

await Promise.all([
  build(main),
  build({ ...common, entryPoints: ['src/cli/runProgram.ts'], outfile: 'dist/cli.cjs' }),
  build({ ...common, entryPoints: ['src/aws/sdk.ts'], outfile: 'dist/aws.cjs' }),
  build({ ...common, entryPoints: ['src/emulator/index.ts'], outfile: 'dist/emulator.cjs' }),
]);

// Help, rendered by the CLI just built into dist/help.json (src/cli/prerenderedHelp.ts),
// so `awsdir --help` costs what a bare `node` does. Rendered in two different environments: help
// that depends on anything of the machine (a path, a user) must not be frozen, so then none is.
// One process per environment renders every form through the full CLI (its stdout a pipe).
const RENDER = `
const { runProgram } = require(process.argv[1]);
const render = async (argv) => {
  let text = '';
  const ctx = { env: process.env, cwd: process.cwd(), now: () => Date.now(), pid: process.pid, platform: process.platform,
    io: { stdout: (t) => { text += t; }, stderr: () => undefined, stdinIsTTY: false, stderrIsTTY: false },
    self: { node: process.execPath, script: 'awsdir' }, signal: new AbortController().signal, onSignal: () => () => undefined };
  return (await runProgram(argv, ctx)) === 0 ? text : null;
};
(async () => {
  const root = await render(['--help']);
  const names = [...(root.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)\\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
  const forms = [['--help'], ['-h'], ['help'], [], ...names.flatMap((n) => [[n, '--help'], [n, '-h'], ['help', n]])];
  const texts = [];
  const index = {};
  for (const argv of forms) {
    const text = await render(argv);
    if (text === null) continue;
    if (!texts.includes(text)) texts.push(text);
    index[JSON.stringify(argv)] = texts.indexOf(text);
  }
  process.stdout.write(JSON.stringify({ forms: index, texts }));
})();
`;
const render = (home) =>
  execFileSync(process.execPath, ['-e', RENDER, resolvePath(root, 'dist/cli.cjs')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '', HOME: home, USER: home.replace(/\W/g, ''), LANG: 'C.UTF-8' },
  });
const help = render('/nonexistent/a');
const stable = help === render('/nonexistent/b') && Object.keys(JSON.parse(help).forms).length > 4;
if (!stable) console.warn('build: help depends on the environment (or did not render); `awsdir --help` is not prerendered');
if (stable) writeFileSync(resolvePath(root, 'dist/help.json'), help);
else rmSync(resolvePath(root, 'dist/help.json'), { force: true });

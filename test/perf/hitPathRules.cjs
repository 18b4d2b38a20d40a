'use strict';
// What the cache-hit path of `awsdir export` must never do, checked against a log written by
// recordLoads.cjs (shared by test/perf/hit-path.test.ts and the CI benchmark step).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const FORBIDDEN_MODULES = [
  [/[\\/]@aws-sdk[\\/]/, 'an @aws-sdk module'],
  [/[\\/]@smithy[\\/]/, 'an @smithy module'],
  [/[\\/]zod[\\/]/, 'zod'],
  [/[\\/]yaml[\\/]/, 'yaml'],
  [/[\\/]commander[\\/]/, 'commander'],
  [/[\\/]aws\.cjs$/, 'the AWS SDK chunk dist/aws.cjs'],
  [/[\\/]emulator\.cjs$/, 'the emulator chunk dist/emulator.cjs'],
  [/[\\/]cli\.cjs$/, 'the full CLI chunk dist/cli.cjs (the hit path fell through)'],
  // Not wrong, only slow (5-8 ms each): the hit bundle hashes without node:crypto and lists nothing.
  [/^(node:)?crypto$/, 'node:crypto'],
  [/^(node:)?child_process$/, 'node:child_process'],
];

// What esbuild bundles into dist/awsdir.cjs is evaluated without a require: its module comments say what is inside.
const FORBIDDEN_BUNDLED = [
  ['node_modules/zod/', 'zod'],
  ['node_modules/yaml/', 'yaml'],
  ['node_modules/commander/', 'commander'],
  ['node_modules/@aws-sdk/', 'the AWS SDK'],
  ['node_modules/@smithy/', 'the AWS SDK (smithy)'],
  ['node_modules/execa/', 'execa'],
  ['src/emulator/', 'the emulator'],
  ['src/aws/sdk.ts', 'the AWS SDK wrapper'],
  // Regions are checked when a configuration is computed, never on a hit served from its cache.
  ['src/config/awsRegions.json', "the AWS SDK's region list"],
  ['src/config/regions.ts', 'the region check'],
];

/** Every rule the log breaks, as sentences; empty when the hit path behaved. */
function hitPathViolations(log, { keyringReads = 1 } = {}) {
  const found = [];
  for (const file of log.modules) {
    for (const [pattern, what] of FORBIDDEN_MODULES) if (pattern.test(file)) found.push(`loaded ${what}: ${file}`);
  }
  for (const call of log.keyring) {
    if (/^findCredentials/.test(call)) found.push(`listed keychain entries (${call})`);
    if (/^(setPassword|deleteCredential|setSecret)/.test(call)) found.push(`wrote to the keychain (${call})`);
  }
  const reads = log.keyring.filter((c) => c === 'getPassword' || c === 'getSecret').length;
  if (reads !== keyringReads) found.push(`read ${reads} keychain entries, not ${keyringReads}`);
  for (const child of log.children) found.push(`started a child process: ${child}`);
  return [...new Set(found)];
}

/** Modules bundled into the hit bundle that the hit path must never carry. */
function bundleViolations(distDir) {
  const text = readFileSync(join(distDir, 'awsdir.cjs'), 'utf8');
  const found = [];
  for (const [marker, what] of FORBIDDEN_BUNDLED) if (text.includes(`// ${marker}`)) found.push(`dist/awsdir.cjs bundles ${what} (${marker})`);
  return found;
}

module.exports = { hitPathViolations, bundleViolations };

// The layers of docs/architecture.md, from the bottom up: an import may point down, or sideways
// within its own layer, never up. `npm run lint:layers` checks every import of src/, type-only
// imports included (a type is as much a dependency as a value).
const LAYERS = [
  ['core'],
  ['config'],
  ['keyring'],
  ['aws'],
  ['mfa'],
  ['credentials'],
  ['shell'],
  ['doctor', 'security', 'demo', 'init', 'console', 'server'],
  ['cli'],
];
const ALL = [...LAYERS.flat(), 'emulator'];

const dirs = (names) => `^src/(${names.join('|')})/`;

/** For each layer, the layers above it, which it must not import. */
const noUpwardImports = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-import-above-${layer.join('-')}`,
  comment: `${layer.join(', ')} may import only layers below it (${LAYERS.slice(0, i).flat().join(', ') || 'none'}) and itself (docs/architecture.md)`,
  severity: 'error',
  from: { path: dirs(layer) },
  to: { path: dirs(LAYERS.slice(i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cli-outside-cli',
      comment: 'nothing outside src/cli imports src/cli: errors, context and reporter live in src/core',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'core-imports-nothing-of-src',
      comment: 'src/core is the bottom layer every other one may use; it imports nothing else of src',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    ...noUpwardImports,
    {
      name: 'aws-sdk-only-in-aws',
      comment: 'only src/aws imports @aws-sdk: every other layer reaches AWS through it, loaded lazily (loadAwsSdk)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/aws/' },
      to: { path: '(^|/)node_modules/@aws-sdk/' },
    },
    {
      name: 'no-aws-in-config-keyring-shell',
      comment: 'config, keyring and shell never import src/aws: the cache-hit path runs on them',
      severity: 'error',
      from: { path: dirs(['config', 'keyring', 'shell']) },
      to: { path: '^src/aws/' },
    },
    {
      name: 'emulator-imports-only-core',
      comment: 'the emulator stands in for AWS and imports nothing of awsdir but src/core',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: dirs(['emulator', 'core']) },
    },
    {
      name: 'emulator-only-from-its-commands-and-demo',
      comment: 'only the emulator and demo commands and src/demo reach the emulator',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/emulator/', '^src/demo/', '^src/cli/commands/(emulator|demo)\\.ts$'] },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'every-module-in-a-layer',
      comment: `a folder of src/ that is no layer (${ALL.join(', ')}) escapes these rules: place it in one, or add it here and to docs/architecture.md`,
      severity: 'error',
      from: { path: '^src/', pathNot: [dirs(ALL), '\\.d\\.ts$'] },
      to: {},
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that resolves to nothing is a typo or a missing file',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};

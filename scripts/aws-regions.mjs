// The regions awsdir knows, taken from the partition data of the installed AWS SDK: for each
// partition its id, its regionRegex (the shape of a region newer than the data) and the names of
// its regions. Only these go into awsdir (src/config/awsRegions.json), never the SDK: the config
// check runs without loading it. Pseudo-regions such as aws-global name endpoints, not places, and
// do not fit their own partition's pattern: they are left out.
//
// `node scripts/aws-regions.mjs` rewrites src/config/awsRegions.json; the build does the same, so
// the bundle always carries the data of the SDK it was built with.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const REGIONS_FILE = join(root, 'src', 'config', 'awsRegions.json');

/** Where SDK versions have kept the partition data: a JSON file, or a module holding that JSON. */
const CANDIDATES = [
  ['@aws-sdk/util-endpoints', 'dist-cjs/lib/aws/partitions.json'],
  ['@aws-sdk/core', 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'],
];

function readPartitions() {
  const require = createRequire(join(root, 'package.json'));
  for (const [name, file] of CANDIDATES) {
    let pkg;
    try {
      pkg = require.resolve(`${name}/package.json`);
    } catch {
      continue;
    }
    let text;
    try {
      text = readFileSync(join(dirname(pkg), file), 'utf8');
    } catch {
      continue;
    }
    // The module form is `export const partitionsInfo = { ...JSON... };`.
    const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
    return { source: `${name} ${version}`, data: JSON.parse(json) };
  }
  throw new Error(`no AWS partition data found in ${CANDIDATES.map(([n, f]) => `${n}/${f}`).join(' or ')}; is the AWS SDK installed?`);
}

export function regionData() {
  const { source, data } = readPartitions();
  const partitions = data.partitions.map((p) => {
    const pattern = new RegExp(p.regionRegex);
    return {
      id: p.id,
      regionRegex: p.regionRegex,
      regions: Object.keys(p.regions)
        .filter((r) => pattern.test(r))
        .sort(),
    };
  });
  return { source, partitions };
}

export const regionText = (data) => `${JSON.stringify(data, null, 2)}\n`;

/** Writes the file when the installed SDK says something else; returns whether it did. */
export function writeRegions() {
  const text = regionText(regionData());
  let before = '';
  try {
    before = readFileSync(REGIONS_FILE, 'utf8');
  } catch {
    // first run
  }
  if (before === text) return false;
  writeFileSync(REGIONS_FILE, text);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(writeRegions() ? `wrote ${REGIONS_FILE}` : `${REGIONS_FILE} is up to date`);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configHome } from '../support/configHome';
import { loadUserConfig } from '../../src/config/loadUserConfig';
import { parseProjectYaml, suggest } from '../../src/config/parseConfigYaml';
import { resolveProject } from '../../src/config/resolveProject';
import { PROJECT_KEYS, SOURCE_KEYS, USER_KEYS } from '../../src/config/schema';
import { editDistance } from '../../src/config/editDistance';
import { checkRegion } from '../../src/config/regions';
import { onConfigWarning } from '../../src/core/configWarnings';
import { ROOT } from '../support/cli';

function setup() {
  const made = configHome('awsdir-regions-');
  return { ...made, env: { ...made.env, AWS_CONFIG_FILE: join(made.home, '.aws/config') } };
}

/** Collects what the full CLI would print as warnings while `fn` runs. */
async function warningsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const said: string[] = [];
  const stop = onConfigWarning((message) => said.push(message));
  try {
    await fn();
  } finally {
    stop();
  }
  return said;
}

const ROLE = 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\n';

describe('the region data', () => {
  it('is what the installed AWS SDK ships: names and patterns only, nothing else of the SDK', async () => {
    const generator = (await import(join(ROOT, 'scripts', 'aws-regions.mjs'))) as { regionData: () => unknown; regionText: (d: unknown) => string };
    const committed = readFileSync(join(ROOT, 'src', 'config', 'awsRegions.json'), 'utf8');
    expect(committed).toBe(generator.regionText(generator.regionData()));
    const data = JSON.parse(committed) as { partitions: Array<Record<string, unknown>> };
    for (const p of data.partitions) expect(Object.keys(p).sort()).toEqual(['id', 'regionRegex', 'regions']);
    expect(data.partitions.find((p) => p.id === 'aws')?.regions).toEqual(expect.arrayContaining(['eu-west-1', 'us-east-1', 'ap-northeast-1']));
    // Endpoint aliases are not places a directory works in.
    expect(JSON.stringify(data)).not.toContain('aws-global');
  });
});

describe('editDistance', () => {
  it('counts a transposition of neighbours as one edit', () => {
    expect(editDistance('eu-wset-1', 'eu-west-1')).toBe(1);
    expect(editDistance('lable', 'label')).toBe(1);
    expect(editDistance('roel', 'role')).toBe(1);
    expect(editDistance('eu-west-1', 'eu-west-1')).toBe(0);
    expect(editDistance('us-est-1', 'us-east-1')).toBe(1);
    expect(editDistance('ue-wset-1', 'eu-west-1')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('checkRegion', () => {
  it('knows the regions of every partition', () => {
    for (const r of ['eu-west-1', 'us-east-1', 'cn-northwest-1', 'us-gov-west-1', 'eusc-de-east-1', 'us-isob-east-1'])
      expect(checkRegion(r)).toEqual({ kind: 'known' });
  });

  it('a value a couple of letters from a known region is a typo, with the region it meant', () => {
    expect(checkRegion('eu-wset-1')).toEqual({ kind: 'typo', suggestion: 'eu-west-1' });
    expect(checkRegion('us-est-1')).toEqual({ kind: 'typo', suggestion: 'us-east-1' });
    expect(checkRegion('ue-west-1')).toEqual({ kind: 'typo', suggestion: 'eu-west-1' });
    expect(checkRegion('eu-west1')).toEqual({ kind: 'typo', suggestion: 'eu-west-1' });
    expect(checkRegion('us-east-1a')).toEqual({ kind: 'typo', suggestion: 'us-east-1' });
    expect(checkRegion('EU-WEST-1')).toEqual({ kind: 'typo', suggestion: 'eu-west-1' });
    expect(checkRegion('eu_west_1')).toEqual({ kind: 'typo', suggestion: 'eu-west-1' });
  });

  it('a region newer than the data, made of the parts regions are named with, is new, not a typo', () => {
    expect(checkRegion('eu-north-9')).toEqual({ kind: 'new', partition: 'aws' });
    expect(checkRegion('ap-southeast-12')).toEqual({ kind: 'new', partition: 'aws' });
    expect(checkRegion('us-gov-central-1')).toEqual({ kind: 'new', partition: 'aws-us-gov' });
    // A new name fits the pattern too; a known region close to it is named, in case it was meant.
    expect(checkRegion('mx-pacific-1')).toEqual({ kind: 'new', partition: 'aws' });
    expect(checkRegion('mx-south-1')).toEqual({ kind: 'new', partition: 'aws', nearest: 'me-south-1' });
  });

  it('anything else is not a region', () => {
    for (const r of ['Europe', 'west', '', 'xyz-west-1', 'eu-WestEurope-1', 'eu-west-one']) expect(checkRegion(r)).toEqual({ kind: 'invalid' });
  });
});

describe('region checks in the files', () => {
  it('a typo in a project file is refused where it stands, naming the region meant', () => {
    expect(() => parseProjectYaml('/p/.awsdir.yaml', `${ROLE}region: eu-wset-1\n`, '/u')).toThrow(
      /^\/p\/\.awsdir\.yaml:3:9: key 'region': not an AWS region \(got "eu-wset-1"\); did you mean eu-west-1\?$/,
    );
  });

  it('a value of no region shape is refused listing the shapes allowed', () => {
    expect(() => parseProjectYaml('/p/.awsdir.yaml', `${ROLE}region: Europe\n`, '/u')).toThrow(
      /^\/p\/\.awsdir\.yaml:3:9: key 'region': not an AWS region \(got "Europe"\); allowed: a region such as eu-west-1, or a newer one shaped \(us\|eu\|ap\|sa\|ca\|me\|af\|il\|mx\)-NAME-N, cn-NAME-N, .*us-gov-NAME-N/,
    );
  });

  it('a new region is accepted with a warning at resolve time, once: a cache hit says nothing', async () => {
    const { home, env, write } = setup();
    const file = write('p/.awsdir.yaml', `${ROLE}region: eu-north-9\n`);
    const deps = { env, userConfig: await loadUserConfig(env), user: 'alice' };
    const first = await warningsOf(async () => expect((await resolveProject(join(home, 'p'), deps)).region).toBe('eu-north-9'));
    expect(first).toEqual([
      expect.stringMatching(new RegExp(`^${file}:3:9: key 'region': eu-north-9 is not among the regions awsdir knows .*partition aws.*used as written`)),
    ]);
    expect(await warningsOf(() => resolveProject(join(home, 'p'), deps))).toEqual([]);
    // Without the resolved-config cache every resolve computes, and says so again.
    expect(await warningsOf(() => resolveProject(join(home, 'p'), { ...deps, env: { ...env, AWSDIR_CONFIG_CACHE: '0' } }))).toHaveLength(1);
  });

  it('the region of an ~/.aws/config profile a project names is checked where it is written', async () => {
    const { home, env, write } = setup();
    const config = write('.aws/config', '[profile team]\nrole_arn = arn:aws:iam::222222222222:role/admin\nregion =  us-esat-1\n');
    write('p/.awsdir.yaml', 'version: 1\nprofile: team\n');
    const deps = { env, userConfig: await loadUserConfig(env), user: 'alice' };
    await expect(resolveProject(join(home, 'p'), deps)).rejects.toMatchObject({
      kind: 'config',
      message: `${config}:3:11: key 'region' of [profile team]: not an AWS region (got "us-esat-1"); did you mean us-east-1?`,
    });
    // The project's own region wins, and the profile's is then no concern of awsdir's.
    write('p/.awsdir.yaml', 'version: 1\nprofile: team\nregion: eu-west-1\n');
    expect((await resolveProject(join(home, 'p'), deps)).region).toBe('eu-west-1');
    write('.aws/config', '[profile team]\nrole_arn = arn:aws:iam::222222222222:role/admin\nregion = us-east-7\n');
    write('p/.awsdir.yaml', 'version: 1\nprofile: team\n');
    expect(await warningsOf(() => resolveProject(join(home, 'p'), deps))).toEqual([
      expect.stringMatching(new RegExp(`^${config}:3:10: key 'region' of \\[profile team\\]: us-east-7 is not among`)),
    ]);
  });

  it('sts_region of the user file: a typo is refused, a new region warns once', async () => {
    const { env, write } = setup();
    const file = write('.config/awsdir/config.yaml', 'version: 1\nsts_region: eu-wset-1\n');
    await expect(loadUserConfig(env)).rejects.toMatchObject({
      kind: 'config',
      message: `${file}:2:13: key 'sts_region': not an AWS region (got "eu-wset-1"); did you mean eu-west-1?`,
    });
    write('.config/awsdir/config.yaml', 'version: 1\nsts_region: eu-central-7\n');
    expect(await warningsOf(() => loadUserConfig(env))).toEqual([
      expect.stringMatching(new RegExp(`^${file}:2:13: key 'sts_region': eu-central-7 is not among`)),
    ]);
    expect(await warningsOf(() => loadUserConfig(env))).toEqual([]);
    expect((await loadUserConfig(env)).stsRegion).toBe('eu-central-7');
  });
});

describe('misspelt keys', () => {
  it('a transposition gets a suggestion, in the project file, the user file and a source', () => {
    expect(suggest('lable', PROJECT_KEYS)).toBe('label');
    expect(suggest('roel', PROJECT_KEYS)).toBe('role');
    expect(suggest('sts_regoin', USER_KEYS)).toBe('sts_region');
    expect(suggest('mfa_sreial', SOURCE_KEYS)).toBe('mfa_serial');
    expect(suggest('colour', PROJECT_KEYS)).toBeUndefined();
  });

  it('the error says it where the key stands', () => {
    expect(() => parseProjectYaml('/p/.awsdir.yaml', `${ROLE}region: eu-west-1\nlable: production\n`, '/u')).toThrow(
      /^\/p\/\.awsdir\.yaml:4:1: key 'lable': unknown key \(did you mean 'label'\?\); allowed: /,
    );
  });
});

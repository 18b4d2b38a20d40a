/**
 * Regions are checked against the ones AWS has, through the built CLI's `awsdir allow`: a typo is
 * refused (exit 3) where it is written, with the region meant; a region newer than awsdir's data
 * is accepted with one warning when the configuration is computed, and none while it is served
 * from the resolved-config cache. The same for the region of an ~/.aws/config profile a project
 * names and for sts_region of the user file.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileWriter } from '../support/configHome';
import { makeHome, runCli } from '../support/cli';

const ROLE = 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\n';

function place() {
  const { home, env } = makeHome('awsdir-region-');
  const dir = join(home, 'app');
  mkdirSync(dir);
  const write = fileWriter(home);
  const recorded = (): string[] => {
    const allow = join(home, '.local/state/awsdir/allow');
    return existsSync(allow) ? readdirSync(allow) : [];
  };
  return { home, env: { ...env, AWS_CONFIG_FILE: join(home, '.aws/config') }, dir, write, recorded };
}

const warnings = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('awsdir: warning: '));

test('a misspelt region is refused where it stands, with the region meant, and nothing is allowed', async () => {
  const { env, dir, write, recorded } = place();
  const file = write('app/.awsdir.yaml', `${ROLE}region: eu-wset-1\n`);
  const r = await runCli(['allow', dir], { env });
  expect(r.exitCode).toBe(3);
  expect(r.stderr).toBe(`awsdir: ${file}:3:9: key 'region': not an AWS region (got "eu-wset-1"); did you mean eu-west-1?\n`);
  expect(recorded()).toEqual([]);
});

test('a region newer than awsdir is allowed with one warning, said again only when the file changes', async () => {
  const { env, dir, write, recorded } = place();
  const file = write('app/.awsdir.yaml', `${ROLE}region: eu-north-9\n`);
  const first = await runCli(['allow', dir], { env });
  expect(first.exitCode).toBe(0);
  expect(warnings(first.stderr)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^awsdir: warning: ${file}:3:9: key 'region': eu-north-9 is not among the regions awsdir knows \\(.+\\), but has the shape of a region of partition aws: used as written`,
      ),
    ),
  ]);
  expect(first.stderr).toContain('region eu-north-9');
  expect(recorded()).toHaveLength(1);

  // Served from the resolved-config cache: checked already, nothing to say.
  const again = await runCli(['allow', dir], { env });
  expect(again.exitCode).toBe(0);
  expect(warnings(again.stderr)).toEqual([]);

  write('app/.awsdir.yaml', `${ROLE}region: eu-north-9\nlabel: app\n`);
  const changed = await runCli(['allow', dir], { env });
  expect(changed.exitCode).toBe(0);
  expect(warnings(changed.stderr)).toHaveLength(1);
});

test('the region of the ~/.aws/config profile a project names: a typo is refused at its line and column', async () => {
  const { env, dir, write, recorded } = place();
  const config = write('.aws/config', '[profile team]\nrole_arn = arn:aws:iam::222222222222:role/admin\nregion = ap-nrotheast-1\n');
  write('app/.awsdir.yaml', 'version: 1\nprofile: team\n');
  const r = await runCli(['allow', dir], { env });
  expect(r.exitCode).toBe(3);
  expect(r.stderr).toBe(`awsdir: ${config}:3:10: key 'region' of [profile team]: not an AWS region (got "ap-nrotheast-1"); did you mean ap-northeast-1?\n`);
  expect(recorded()).toEqual([]);
});

test('sts_region of the user file: a typo is refused, a new region warns', async () => {
  const { env, dir, write } = place();
  write('app/.awsdir.yaml', `${ROLE}region: eu-west-1\n`);
  const user = write('.config/awsdir/config.yaml', 'version: 1\nsts_region: us-esat-1\n');
  const typo = await runCli(['allow', dir], { env });
  expect(typo.exitCode).toBe(3);
  expect(typo.stderr).toBe(`awsdir: ${user}:2:13: key 'sts_region': not an AWS region (got "us-esat-1"); did you mean us-east-1?\n`);

  write('.config/awsdir/config.yaml', 'version: 1\nsts_region: us-east-9\n');
  const fresh = await runCli(['allow', dir], { env });
  expect(fresh.exitCode).toBe(0);
  expect(warnings(fresh.stderr)).toEqual([
    expect.stringMatching(new RegExp(`^awsdir: warning: ${user}:2:13: key 'sts_region': us-east-9 is not among the regions awsdir knows`)),
  ]);
});

test('a transposed key gets the key meant', async () => {
  const { env, dir, write } = place();
  const file = write('app/.awsdir.yaml', `${ROLE}region: eu-west-1\nroel: admin\n`);
  const r = await runCli(['allow', dir], { env });
  expect(r.exitCode).toBe(3);
  expect(r.stderr).toMatch(new RegExp(`^awsdir: ${file}:4:1: key 'roel': unknown key \\(did you mean 'role'\\?\\); allowed: `));
});

/**
 * denyDirectory: forgetting an approval, and, where an allowed file below was deleted, which
 * project the directory falls to and whether that one is used.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowProject } from '../../src/config/approval';
import { denyDirectory } from '../../src/config/denyDirectory';

const PROD = 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\n';
const DEV = 'version: 1\nrole: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\n';

let home: string;
let env: Record<string, string>;

beforeEach(() => {
  home = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-deny-')));
  env = { HOME: home, USER: 'alice', XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') };
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

function project(dir: string, text: string): string {
  mkdirSync(join(home, dir), { recursive: true });
  writeFileSync(join(home, dir, '.awsdir.yaml'), text);
  return join(home, dir);
}

test('an allowed file is forgotten once; a second deny has nothing to forget', async () => {
  const work = project('work', PROD);
  await allowProject(work, env);
  expect(await denyDirectory(work, env)).toEqual({ projectFile: join(work, '.awsdir.yaml'), removed: true, vanished: [] });
  expect(await denyDirectory(work, env)).toEqual({ projectFile: join(work, '.awsdir.yaml'), removed: false, vanished: [] });
});

test('a deleted allowed file below an allowed parent: forgotten, and the directory now uses the parent', async () => {
  const work = project('work', PROD);
  const app = project('work/app', DEV);
  await allowProject(work, env);
  await allowProject(app, env);
  rmSync(join(app, '.awsdir.yaml'));
  const denied = await denyDirectory(app, env);
  expect(denied).toMatchObject({
    projectFile: join(work, '.awsdir.yaml'),
    removed: false,
    vanished: [join(app, '.awsdir.yaml')],
    successor: { allowed: true },
  });
  expect(denied.successor?.project?.role.arn).toBe('arn:aws:iam::222222222222:role/admin');
});

test('a deleted allowed file below a parent that is not allowed: the directory falls to a refused file', async () => {
  const work = project('work', PROD);
  const app = project('work/app', DEV);
  await allowProject(app, env);
  rmSync(join(app, '.awsdir.yaml'));
  expect((await denyDirectory(app, env)).successor).toEqual({ project: expect.objectContaining({ projectFile: join(work, '.awsdir.yaml') }), allowed: false });
});

test('a deleted allowed file below an invalid parent: no project, not allowed', async () => {
  const work = project('work', 'version: 1\nrole: 42\n');
  const app = project('work/app', DEV);
  await allowProject(app, env);
  rmSync(join(app, '.awsdir.yaml'));
  expect(await denyDirectory(app, env)).toEqual({
    projectFile: join(work, '.awsdir.yaml'),
    removed: false,
    vanished: [join(app, '.awsdir.yaml')],
    successor: { project: undefined, allowed: false },
  });
});

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeHome, ROOT, runCli } from '../support/cli';

/**
 * Every broken project file of the corpus, through the built CLI: `awsdir allow` exits 3, names
 * the file, the line and column and the reason on one line, and records nothing.
 */
const BAD = join(ROOT, 'test', 'fixtures', 'config', 'bad');

const expected: Record<string, { at: string; words: string[]; dir?: string; file?: string }> = {
  'account-mismatch': { at: '3:10', words: ["key 'account'", 'is not the account of the role'] },
  'akia-value': { at: '4:8', words: ["key 'label'", 'shaped like an access key id', 'never belong in a project file', '`awsdir add`'] },
  'bad-arn': { at: '2:7', words: ["key 'role'", 'not a role ARN', 'allowed: a role ARN such as'] },
  'bad-partition': { at: '3:7', words: ["key 'role'", 'aws-cn or aws-us-gov'] },
  'bad-region': {
    at: '3:9',
    words: ["key 'region'", 'not an AWS region', '"Europe"', 'allowed: a region such as eu-west-1, or a newer one shaped', 'cn-NAME-N'],
  },
  'bad-session-name': { at: '4:15', words: ["key 'session_name'", 'the character " " is not allowed'] },
  'bad-version': { at: '1:10', words: ["key 'version'", 'must be 1'] },
  'duration-garbage': { at: '4:11', words: ["key 'duration'", 'not a duration', 'from 15m to 12h'] },
  'duration-too-long': { at: '4:11', words: ["key 'duration'", 'out of range', '"13h"', 'from 15m to 12h'] },
  'duration-too-short': { at: '4:11', words: ["key 'duration'", 'out of range', 'from 15m to 12h'] },
  empty: { at: '1:1', words: ['the file is empty'] },
  'extends-loop': { at: '2:10', words: ["key 'extends'", 'makes a loop'], dir: 'a/b', file: 'a/.awsdir.yaml' },
  'invalid-yaml': { at: '4:1', words: ['invalid YAML'] },
  'key-transposed': { at: '4:1', words: ["key 'lable'", 'unknown key', "did you mean 'label'?"] },
  'label-too-long': { at: '4:8', words: ["key 'label'", 'longer than 64 characters'] },
  'mfa-process': { at: '4:1', words: ["key 'mfa_process'", 'nothing in a project file can run a command', 'user file'] },
  'missing-parent': { at: '2:10', words: ["key 'extends'", 'does not exist'] },
  'missing-region': { at: '1:1', words: ["key 'region'", 'missing', "AWS CLI's default region"] },
  'region-typo': { at: '3:9', words: ["key 'region'", 'not an AWS region', '"eu-wset-1"', 'did you mean eu-west-1?'] },
  'secret-key': { at: '4:1', words: ["key 'aws_secret_access_key'", 'looks like a secret', 'committed', '`awsdir add`'] },
  'unknown-key': { at: '4:1', words: ["key 'role_arn'", 'unknown key', "did you mean 'role'?"] },
  'unknown-placeholder': { at: '4:15', words: ["key 'session_name'", 'unknown placeholder {project}'] },
  'wrong-type': { at: '4:10', words: ["key 'confirm'", 'must be true or false', '"yes please"'] },
};

const VALID = 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\nregion: eu-west-1\n';

async function allowIn(dir: string) {
  const { home, env } = makeHome();
  const result = await runCli(['allow', dir], { env, cwd: home });
  const allowDir = join(home, '.local/state/awsdir/allow');
  return { ...result, recorded: existsSync(allowDir) ? readdirSync(allowDir) : [] };
}

function expectRefused(r: { exitCode: number | null; stdout: string; stderr: string; recorded: string[] }, file: string, at: string, words: string[]) {
  expect(r.exitCode).toBe(3);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(`awsdir: ${file}${at ? `:${at}` : ''}: `);
  for (const w of words) expect(r.stderr).toContain(w);
  expect(r.recorded).toEqual([]);
}

describe('the corpus of bad project files', () => {
  it('covers every case in the fixture folder', () => {
    expect(readdirSync(BAD).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s: exit 3 with file, line and reason, nothing recorded', async (name, c) => {
    const r = await allowIn(join(BAD, name, c.dir ?? ''));
    expectRefused(r, join(BAD, name, c.file ?? '.awsdir.yaml'), c.at, c.words);
  });

  describe('files that cannot be committed as fixtures', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'awsdir-bad-'));
    });

    it('a huge file', async () => {
      writeFileSync(join(dir, '.awsdir.yaml'), `${VALID}# ${'x'.repeat(70 * 1024)}\n`);
      expectRefused(await allowIn(dir), join(dir, '.awsdir.yaml'), '', ['too large', 'at most 64 KiB']);
    });

    it('a binary file', async () => {
      writeFileSync(join(dir, '.awsdir.yaml'), Buffer.from([0x72, 0x6f, 0x00, 0x01, 0xff, 0x0a]));
      expectRefused(await allowIn(dir), join(dir, '.awsdir.yaml'), '', ['binary file']);
    });

    it('invalid UTF-8', async () => {
      writeFileSync(join(dir, '.awsdir.yaml'), Buffer.concat([Buffer.from(VALID), Buffer.from('label: caf\xe9\n', 'latin1')]));
      expectRefused(await allowIn(dir), join(dir, '.awsdir.yaml'), '', ['not valid UTF-8']);
    });

    it('a symlink to a file outside the directory tree', async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'awsdir-elsewhere-'));
      writeFileSync(join(elsewhere, 'shared.yaml'), VALID);
      mkdirSync(join(dir, 'project'));
      symlinkSync(join(elsewhere, 'shared.yaml'), join(dir, 'project', '.awsdir.yaml'));
      expectRefused(await allowIn(join(dir, 'project')), join(dir, 'project', '.awsdir.yaml'), '', ['a symlink to', 'outside', 'extends:']);
    });

    it('a symlink inside the tree is fine', async () => {
      writeFileSync(join(dir, 'awsdir.yaml'), VALID);
      symlinkSync('awsdir.yaml', join(dir, '.awsdir.yaml'));
      const r = await allowIn(dir);
      expect(r.exitCode).toBe(0);
      expect(r.recorded).toHaveLength(1);
    });
  });
});

describe('awsdir allow and deny', () => {
  it('allow approves a valid file from a subdirectory, says what it selects on stderr, and deny forgets it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsdir-good-'));
    cpSync(join(ROOT, 'test/fixtures/config/good/production'), dir, { recursive: true });
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    const { home, env } = makeHome();
    const r = await runCli(['allow', 'src/deep'], { env, cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`awsdir: allowed ${join(dir, '.awsdir.yaml')}`);
    expect(r.stderr).toContain('role admin @ 222222222222');
    expect(r.stderr).toContain('region ap-northeast-1');
    expect(r.stderr).toContain('"production"');
    expect(readdirSync(join(home, '.local/state/awsdir/allow'))).toHaveLength(1);

    const d = await runCli(['deny'], { env, cwd: dir });
    expect(d.exitCode).toBe(0);
    expect(d.stderr).toContain(`denied ${join(dir, '.awsdir.yaml')}`);
    expect(readdirSync(join(home, '.local/state/awsdir/allow'))).toHaveLength(0);
  });

  it('allow outside any project exits 1 and names `awsdir init`', async () => {
    const { home, env } = makeHome();
    const r = await runCli(['allow'], { env, cwd: home });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`no .awsdir.yaml in ${home} or any parent; create one with \`awsdir init\``);
  });

  it('has help with an example', async () => {
    for (const command of ['allow', 'deny']) {
      const r = await runCli([command, '--help']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('Example:');
    }
  });
});

/**
 * Files that belong to the person, not to awsdir, are often symbolic links into a dotfiles
 * repository (stow, chezmoi, yadm): ~/.aws/credentials, the user file, .envrc. What awsdir writes
 * must land in the link's target, and `init` must not write outside the directory it sets up.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useWorld } from '../support/world';

jest.setTimeout(120_000);

type Check = { id: string; status: 'pass' | 'warn' | 'fail'; message: string; fix: string };

const world = useWorld('symlinks');
// The keychain is shared by every test file of the run: source names of our own.
const imported = `symlinkimp${process.pid}`;
beforeAll(() => world.removeOnClose(imported));

async function doctorChecks(): Promise<Record<string, Check>> {
  const r = await world.run(['doctor', '--json', '--source', world.source], { timeoutMs: 60_000 });
  if (!r.stdout.startsWith('[')) throw new Error(`doctor printed no JSON (exit ${r.exitCode}): ${r.stderr}`);
  return Object.fromEntries((JSON.parse(r.stdout) as Check[]).map((c) => [c.id, c]));
}

test('add --from-profile --remove-from-file with ~/.aws/credentials and the user file linked into a dotfiles repository', async () => {
  const keys = world.emu.keys('alice');
  const dotfiles = join(world.home, 'dotfiles');
  mkdirSync(join(dotfiles, 'aws'), { recursive: true });
  mkdirSync(join(dotfiles, 'awsdir'), { recursive: true });
  const target = join(dotfiles, 'aws', 'credentials');
  writeFileSync(
    target,
    `[work]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n\n[other]\naws_access_key_id = AKIAKEEPMEKEEPME2345\naws_secret_access_key = keepmekeepmekeepme\n`,
    { mode: 0o600 },
  );
  mkdirSync(join(world.home, '.aws'));
  const link = join(world.home, '.aws', 'credentials');
  // Relative, as stow makes them.
  symlinkSync('../dotfiles/aws/credentials', link);
  const userTarget = join(dotfiles, 'awsdir', 'config.yaml');
  renameSync(world.userFile, userTarget);
  symlinkSync(userTarget, world.userFile);

  const r = await world.run(['add', imported, '--from-profile', 'work', '--remove-from-file']);
  expect({ exit: r.exitCode, stdout: r.stdout }).toEqual({ exit: 0, stdout: '' });
  expect(r.stderr).not.toContain(keys.secretAccessKey);

  // The links are still links, and their targets carry the change.
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readlinkSync(link)).toBe('../dotfiles/aws/credentials');
  const after = readFileSync(target, 'utf8');
  expect(after).not.toContain(keys.secretAccessKey);
  expect(after).not.toContain(keys.accessKeyId);
  expect(after).toContain('[other]');
  expect(after).toContain('AKIAKEEPMEKEEPME2345');
  expect(statSync(target).mode & 0o777).toBe(0o600);
  expect(readdirSync(join(dotfiles, 'aws'))).toEqual(['credentials']);
  expect(lstatSync(world.userFile).isSymbolicLink()).toBe(true);
  expect(readFileSync(userTarget, 'utf8')).toContain(`${imported}:`);

  // The backup holds the key in plain text: it is named, with how to delete it.
  const backup = /kept in (\S+\/credentials\.awsdir-backup-\d{8}T\d{6}Z)\b/.exec(r.stderr)?.[1];
  expect(backup).toBeDefined();
  expect(readFileSync(backup!, 'utf8')).toContain(keys.secretAccessKey);
  expect(statSync(backup!).mode & 0o777).toBe(0o600);
  expect(r.stderr).toContain(`shred -u ${backup}`);
  expect(r.stderr).toContain(`rm ${backup}`);

  // doctor fails while the backup exists, naming it and the fix; deleting it is the fix.
  const withBackup = (await doctorChecks())['plaintext-credentials'];
  expect(withBackup).toMatchObject({ status: 'fail', message: expect.stringContaining(backup!), fix: expect.stringContaining(`shred -u ${backup}`) });
  expect(withBackup?.message).toContain('profile other');
  rmSync(backup!);
  const withoutBackup = (await doctorChecks())['plaintext-credentials'];
  expect(withoutBackup?.message).not.toContain('awsdir-backup');
  writeFileSync(target, '[other]\nregion = eu-west-1\n');
  expect((await doctorChecks())['plaintext-credentials']).toMatchObject({ status: 'pass' });
});

describe('init and links that point outside the directory', () => {
  const role = ['--role', 'arn:aws:iam::333333333333:role/readonly', '--region', 'eu-west-1', '--source', 'SOURCE'];
  const args = (dir: string) => ['init', ...role.map((a) => (a === 'SOURCE' ? world.source : a)), '--force', '--dir', dir];

  test.each(['.envrc', '.awsdir.yaml'])('a %s linked outside: init refuses, names the link and its target, writes nothing', async (name) => {
    const dir = join(world.home, 'projects', `linked${name}`);
    mkdirSync(dir, { recursive: true });
    const outside = join(world.home, 'dotfiles', `shared${name}`);
    mkdirSync(join(world.home, 'dotfiles'), { recursive: true });
    const text = name === '.envrc' ? 'export EDITOR=vi\n' : 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\n';
    writeFileSync(outside, text, { mode: 0o644 });
    symlinkSync(outside, join(dir, name));
    const before = statSync(outside);

    const r = await world.run(args(dir));
    expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 1, stdout: '', lines: 1 });
    expect(r.stderr).toContain(`${join(dir, name)} is a symbolic link to ${outside}, outside ${dir}`);
    expect(r.stderr).toMatch(/rm .*and run .*init.* again/);
    expect(readFileSync(outside, 'utf8')).toBe(text);
    expect(statSync(outside).mtimeMs).toBe(before.mtimeMs);
    expect(lstatSync(join(dir, name)).isSymbolicLink()).toBe(true);
    // Checked before the first byte: neither file was written.
    expect(readdirSync(dir).sort()).toEqual([name]);
  });

  test('an .envrc linked inside the directory: init appends to the target and the link stays', async () => {
    const dir = join(world.home, 'projects', 'linked-inside');
    mkdirSync(join(dir, 'env'), { recursive: true });
    writeFileSync(join(dir, 'env', 'envrc'), 'export EDITOR=vi\n', { mode: 0o640 });
    symlinkSync('env/envrc', join(dir, '.envrc'));
    const r = await world.run(args(dir));
    expect({ exit: r.exitCode, stderr: r.stderr }).toMatchObject({ exit: 0 });
    expect(lstatSync(join(dir, '.envrc')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'env', 'envrc'), 'utf8')).toBe('export EDITOR=vi\nuse aws\n');
    expect(statSync(join(dir, 'env', 'envrc')).mode & 0o777).toBe(0o640);
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(true);
  });
});

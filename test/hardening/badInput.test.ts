/**
 * Gaps the config and shell tests leave: the bad-file corpus through `export` (not only `allow`),
 * broken user files, and hostile labels carried by the built CLI's export into real shells.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/cli';
import { useWorld } from '../support/world';

jest.setTimeout(120_000);

const BAD = join(ROOT, 'test/fixtures/config/bad');

const world = useWorld('badinput', { privateKeychain: true, source: 'default' });

test.each(readdirSync(BAD).sort())('bad project file %s: export exits 3 with the file named, prints nothing, calls no AWS', async (name) => {
  // extends-loop keeps its project one level down.
  const dir = existsSync(join(BAD, name, '.awsdir.yaml')) ? join(BAD, name) : join(BAD, name, 'a', 'b');
  await world.emu.clearCalls();
  const r = await world.run(['export'], { cwd: dir });
  expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 3, stdout: '', lines: 1 });
  expect(r.stderr).toMatch(new RegExp(`^awsdir: ${BAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${name}/`));
  expect(await world.emu.calls()).toEqual([]);
});

describe('a FIFO where a config file should be', () => {
  // Opening a FIFO for reading waits for a writer, and a read that waits holds the event loop: not
  // even SIGINT or SIGTERM ended the command. The timeout only guards the test against that wait.
  const ROLE = 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\n';
  const cases: Array<[string, (dir: string) => { fifo: string; cwd: string; env?: Record<string, string> }]> = [
    [
      'the file an `extends:` names',
      (dir) => {
        writeFileSync(join(dir, '.awsdir.yaml'), `version: 1\nextends: ./parent.yaml\n${ROLE}`);
        return { fifo: join(dir, 'parent.yaml'), cwd: dir };
      },
    ],
    [
      'the project file itself',
      (dir) => {
        mkdirSync(join(dir, 'nested'));
        return { fifo: join(dir, 'nested', '.awsdir.yaml'), cwd: join(dir, 'nested') };
      },
    ],
    [
      'the ~/.aws/config that `profile:` reads',
      (dir) => {
        writeFileSync(join(dir, '.awsdir.yaml'), 'version: 1\nprofile: team\n');
        return { fifo: join(dir, 'aws-config'), cwd: dir, env: { AWS_CONFIG_FILE: join(dir, 'aws-config') } };
      },
    ],
  ];
  test.each(cases)('%s: export and allow exit 3 at once naming it, print nothing', async (what, place) => {
    const dir = world.writeProject(`fifo-${what.replace(/\W+/g, '-')}`, ROLE);
    const { fifo, cwd, env } = place(dir);
    execFileSync('mkfifo', [fifo]);
    for (const args of [['export'], ['allow']]) {
      const r = await world.run(args, { cwd, timeoutMs: 30_000, ...(env && { env }) });
      expect({ args, exit: r.exitCode, signal: r.signal, stdout: r.stdout }).toEqual({ args, exit: 3, signal: null, stdout: '' });
      expect(r.stderr).toMatch(new RegExp(`^awsdir: ${literal(fifo)}: not a regular file \\(a FIFO\\); `));
    }
  });
});

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('broken user files', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['invalid YAML', 'version: 1\nsources: [\n', /:\d+:\d+: /],
    ['an unknown key', 'version: 1\ncolour: red\n', /:2:1: .*colour/],
    ['refresh_window out of range', 'version: 1\nrefresh_window: 2h\n', /:2:\d+: .*refresh_window/],
    ['an unknown keyring', 'version: 1\nkeyring: vault\n', /:2:\d+: .*keyring/],
    ['a secret in the user file', 'version: 1\nsources:\n  default:\n    secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', /:4:\d+: /],
    ['a source of two kinds', 'version: 1\nsources:\n  default:\n    credentials_profile: old\n    from_env: true\n', /:\d+:\d+: /],
    ['a binary file', '\u0000\u0001\u0002version', /binary/],
  ];
  test.each(cases)('%s: export exits 3 naming the file, line and reason; prints nothing', async (_, text, reason) => {
    const dir = world.writeProject('userfile', 'role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\n');
    await world.allow(dir);
    const good = readFileSync(world.userFile, 'utf8');
    writeFileSync(world.userFile, text);
    try {
      const r = await world.run(['export'], { cwd: dir });
      expect({ exit: r.exitCode, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({ exit: 3, stdout: '', lines: 1 });
      expect(r.stderr.startsWith(`awsdir: ${world.userFile}`)).toBe(true);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).not.toContain('wJalrXUtnFEMI');
    } finally {
      writeFileSync(world.userFile, good);
    }
  });
});

test('hostile labels go through export into bash, zsh and fish as text: nothing runs, every byte comes back', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'awsdir-label-'));
  const labels = ['$(touch c)`touch c`\'"; touch c #', "\\'; touch c; echo \\", '日本語 ✓ $HOME ~ * {a,b} !! %F{red}', "a'b''c\"d\\e"];
  let code = await world.emu.totp();
  for (const [i, label] of labels.entries()) {
    const dir = world.writeProject(`label${i}`, `role: arn:aws:iam::333333333333:role/readonly\nregion: eu-west-1\nlabel: ${JSON.stringify(label)}\n`);
    await world.allow(dir);
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const r = await world.run(['export', '--shell', shell], { cwd: dir, env: { AWSDIR_MFA_CODE: code } });
      expect({ label, shell, exit: r.exitCode, stderr: r.exitCode === 0 ? '' : r.stderr }).toEqual({ label, shell, exit: 0, stderr: '' });
      const script = shell === 'fish' ? `${r.stdout}\nprintf %s $AWSDIR_LABEL` : `${r.stdout}\nprintf %s "$AWSDIR_LABEL"`;
      const out = spawnSync(shell, shell === 'fish' ? ['--no-config', '-c', script] : ['-c', script], {
        cwd: scratch,
        env: { PATH: process.env.PATH ?? '', HOME: scratch },
      });
      expect({ label, shell, value: out.stdout.toString('utf8') }).toEqual({ label, shell, value: label });
      expect(existsSync(join(scratch, 'c'))).toBe(false);
    }
    code = await world.emu.totp();
  }
});

import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkTarget, writeFileAtomic } from '../../src/core/writeFileAtomic';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'awsdir-atomic-'));

describe('writeFileAtomic', () => {
  test('a personal file behind a chain of relative links: the last target is replaced in its own directory, every link stays', () => {
    const root = scratch();
    mkdirSync(join(root, 'home', '.aws'), { recursive: true });
    mkdirSync(join(root, 'dotfiles', 'aws'), { recursive: true });
    mkdirSync(join(root, 'store'));
    writeFileSync(join(root, 'store', 'credentials'), 'old\n', { mode: 0o640 });
    symlinkSync('../../store/credentials', join(root, 'dotfiles', 'aws', 'credentials'));
    symlinkSync('../../dotfiles/aws/credentials', join(root, 'home', '.aws', 'credentials'));

    const written = writeFileAtomic(join(root, 'home', '.aws', 'credentials'), 'new\n', { personal: true });

    expect(written).toBe(join(root, 'store', 'credentials'));
    expect(readFileSync(written, 'utf8')).toBe('new\n');
    expect(statSync(written).mode & 0o777).toBe(0o640);
    expect(readlinkSync(join(root, 'home', '.aws', 'credentials'))).toBe('../../dotfiles/aws/credentials');
    expect(readlinkSync(join(root, 'dotfiles', 'aws', 'credentials'))).toBe('../../store/credentials');
    for (const dir of ['home/.aws', 'dotfiles/aws', 'store']) expect(readdirSync(join(root, dir))).toEqual(['credentials']);
  });

  test('a link to a file not there yet creates the target with the mode asked for', () => {
    const root = scratch();
    mkdirSync(join(root, 'dotfiles'));
    symlinkSync(join(root, 'dotfiles', 'envrc'), join(root, '.envrc'));
    const written = writeFileAtomic(join(root, '.envrc'), 'use aws\n', { mode: 0o600, personal: true });
    expect(written).toBe(join(root, 'dotfiles', 'envrc'));
    expect(lstatSync(join(root, '.envrc')).isSymbolicLink()).toBe(true);
    expect(statSync(written).mode & 0o777).toBe(0o600);
  });

  test("awsdir's own files: a link is replaced by the file, and the mode is the one asked for", () => {
    const root = scratch();
    writeFileSync(join(root, 'elsewhere'), 'keep\n', { mode: 0o644 });
    symlinkSync(join(root, 'elsewhere'), join(root, 'state.json'));
    writeFileAtomic(join(root, 'state.json'), '{}');
    expect(lstatSync(join(root, 'state.json')).isFile()).toBe(true);
    expect(statSync(join(root, 'state.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'elsewhere'), 'utf8')).toBe('keep\n');
  });

  test('a failed rename leaves what was there and no temp file', () => {
    const root = scratch();
    mkdirSync(join(root, 'taken'));
    writeFileSync(join(root, 'taken', 'inside'), 'x');
    expect(() => writeFileAtomic(join(root, 'taken'), 'new')).toThrow();
    expect(readdirSync(root)).toEqual(['taken']);
    expect(readdirSync(join(root, 'taken'))).toEqual(['inside']);
  });

  test('a loop of links is an error, not a hang', () => {
    const root = scratch();
    symlinkSync(join(root, 'b'), join(root, 'a'));
    symlinkSync(join(root, 'a'), join(root, 'b'));
    expect(() => linkTarget(join(root, 'a'))).toThrow(/too many levels of symbolic links/);
    expect(() => writeFileAtomic(join(root, 'a'), 'x', { personal: true })).toThrow(/too many levels/);
  });
});

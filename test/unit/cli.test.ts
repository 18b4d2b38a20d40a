import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

describe('the command line', () => {
  it('prints help with examples and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: awsdir');
    expect(r.stdout).toContain('Exit codes');
    expect(r.stderr).toBe('');
  });

  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses an unknown flag with one line and exit 2', async () => {
    const r = await runCli(['--frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^awsdir: unknown option '--frobnicate'/);
    expect(r.stdout).toBe('');
  });

  it('refuses a configuration error raised below the command line with one line and exit 3', async () => {
    const home = mkdtempSync(join(tmpdir(), 'awsdir-cli-'));
    const r = await runCli(['clear', '--all'], { env: { HOME: home, AWSDIR_KEYRING: 'vault' } });
    rmSync(home, { recursive: true, force: true });
    expect({ exit: r.exitCode, stderr: r.stderr, stdout: r.stdout }).toEqual({
      exit: 3,
      stderr: 'awsdir: AWSDIR_KEYRING="vault" is not a keyring; use auto, os or file\n',
      stdout: '',
    });
  });
});

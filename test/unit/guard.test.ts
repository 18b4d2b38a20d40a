import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processReader, readProcStat } from '../../src/core/procStat';
import { findInteractiveShell, guardProduction, labelColor } from '../../src/credentials/guard';
import type { ResolvedProject } from '../../src/config/types';
import type { Reporter } from '../../src/core/reporter';

// The process tree is a fake /proc: the real one is exercised by the tmux tests in test/e2e.

function fakeProc(tree: Array<[pid: number, ppid: number, comm: string, pgrp: number, start: number]>): string {
  const root = mkdtempSync(join(tmpdir(), 'awsdir-proc-'));
  for (const [pid, ppid, comm, pgrp, start] of tree) {
    mkdirSync(join(root, String(pid)));
    const rest = ['S', ppid, pgrp, pgrp, 34816, pgrp, ...Array(13).fill(0), start, 0].join(' ');
    writeFileSync(join(root, String(pid), 'stat'), `${pid} (${comm}) ${rest}\n`);
  }
  return root;
}

const reporter: Reporter = { info: () => undefined, warn: () => undefined, debug: () => undefined, color: false, debugEnabled: false };
const project = {
  confirm: true,
  label: 'production',
  account: '222222222222',
  role: { arn: 'arn:aws:iam::222222222222:role/admin', name: 'admin' },
} as ResolvedProject;

describe('findInteractiveShell', () => {
  it("under direnv, skips the .envrc bash and its subshell and takes direnv's parent", () => {
    const proc = fakeProc([
      [50, 40, 'node', 10, 900],
      [40, 30, 'bash', 10, 800],
      [30, 20, 'bash', 10, 700],
      [20, 10, 'direnv', 10, 600],
      [10, 5, 'zsh', 10, 500],
      [5, 1, 'tmux: server', 5, 100],
    ]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10, comm: 'zsh', startTime: '500' });
  });

  it('without direnv, takes the nearest shell that leads its process group, not a $(...) subshell', () => {
    const proc = fakeProc([
      [50, 40, 'node', 10, 900],
      [40, 10, 'bash', 10, 800],
      [10, 5, 'bash', 10, 500],
      [5, 1, 'sshd', 5, 100],
    ]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10 });
  });

  it('reads a comm holding spaces and parentheses', () => {
    const proc = fakeProc([
      [50, 30, 'node', 50, 900],
      [30, 10, 'a) (b 1 2', 30, 700],
      [10, 1, 'bash', 10, 500],
    ]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10, startTime: '500' });
  });
});

describe('guardProduction', () => {
  const setup = () => {
    const proc = fakeProc([
      [50, 20, 'node', 10, 900],
      [20, 10, 'direnv', 10, 600],
      [10, 1, 'bash', 10, 500],
    ]);
    const state = mkdtempSync(join(tmpdir(), 'awsdir-state-'));
    return { proc, state };
  };

  it('asks once per shell: a yes is remembered by pid and start time', async () => {
    const { proc, state } = setup();
    const questions: string[] = [];
    const ask = async (q: string): Promise<string> => (questions.push(q), 'y');
    await guardProduction(project, { env: {}, pid: 50, stateDir: state, yes: false, ask, reporter, procRoot: proc });
    await guardProduction(project, { env: {}, pid: 50, stateDir: state, yes: false, ask, reporter, procRoot: proc });
    expect(questions).toEqual(['enter production (admin @ 222222222222)? [y/N] ']);
    expect(readdirSync(join(state, 'guard'))).toEqual(['10-500.json']);
  });

  it('a no, or Enter alone, refuses with how to enter', async () => {
    const { proc, state } = setup();
    await expect(guardProduction(project, { env: {}, pid: 50, stateDir: state, yes: false, ask: async () => '', reporter, procRoot: proc })).rejects.toThrow(
      /^production \(admin @ 222222222222\): not entered, nothing was exported \(you answered no\); to enter, run `direnv reload` \(or cd out and back in\) and answer y$/,
    );
  });

  it('no terminal: refuses naming AWSDIR_YES, which (like --yes) lets it through', async () => {
    const { proc, state } = setup();
    const deps = { env: {}, pid: 50, stateDir: state, yes: false, ask: undefined, reporter, procRoot: proc };
    await expect(guardProduction(project, deps)).rejects.toMatchObject({ kind: 'failure', message: expect.stringContaining('set AWSDIR_YES=1') });
    await expect(guardProduction(project, { ...deps, env: { AWSDIR_YES: '1' } })).resolves.toBeUndefined();
    await expect(guardProduction(project, { ...deps, yes: true })).resolves.toBeUndefined();
    // The exported AWSDIR_CONFIRM=1 of another production directory is not an answer.
    await expect(guardProduction(project, { ...deps, env: { AWSDIR_CONFIRM: '1' } })).rejects.toThrow(/AWSDIR_YES/);
  });

  it('exec and console say how to rerun themselves, not direnv', async () => {
    const { proc, state } = setup();
    const deps = { env: {}, pid: 50, stateDir: state, yes: false, reporter, procRoot: proc };
    await expect(guardProduction(project, { ...deps, ask: async () => 'n', command: 'exec' })).rejects.toThrow(
      /^production \(admin @ 222222222222\): not entered, nothing was run \(you answered "n"\); to enter, run `awsdir exec` again and answer y$/,
    );
    await expect(guardProduction(project, { ...deps, ask: async () => '', command: 'console' })).rejects.toThrow(
      /: not entered, the console was not opened \(you answered no\); to enter, run `awsdir console` again/,
    );
    await expect(guardProduction(project, { ...deps, ask: undefined, command: 'console' })).rejects.toThrow(
      /set AWSDIR_YES=1 \(e\.g\. `AWSDIR_YES=1 awsdir console`\) or run `awsdir console --yes`$/,
    );
  });

  it('a directory without confirm is never asked about', async () => {
    const { proc, state } = setup();
    await expect(
      guardProduction({ ...project, confirm: false }, { env: {}, pid: 50, stateDir: state, yes: false, ask: undefined, reporter, procRoot: proc }),
    ).resolves.toBeUndefined();
  });
});

/**
 * macOS has no /proc: there the shell is identified through `ps`. Here the real ps of this machine
 * answers, with /proc switched off (a root that does not exist) or the platform switched to darwin.
 */
describe('without /proc (macOS)', () => {
  const NO_PROC = '/nonexistent/proc';
  const shells: ChildProcess[] = [];

  /** A shell leading its own process group with a command below it, as a terminal's shell runs awsdir. */
  async function shellWithChild(): Promise<{ shell: number; child: number; exited: Promise<unknown> }> {
    const bash = spawn('bash', ['--norc', '-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    shells.push(bash);
    const child = await new Promise<number>((resolve) => bash.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    return { shell: bash.pid!, child, exited: new Promise((resolve) => bash.once('exit', resolve)) };
  }
  const stop = (pid: number): void => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  afterAll(() => shells.forEach((s) => stop(s.pid!)));

  it('ps gives the same process as /proc, its start time as epoch seconds, the same on every read', () => {
    const viaPs = processReader({ platform: 'darwin' })(process.pid);
    const viaProc = readProcStat(process.pid);
    expect(viaPs).toMatchObject({ pid: process.pid, ppid: viaProc!.ppid, pgrp: viaProc!.pgrp, comm: viaProc!.comm });
    expect(viaPs!.startTime).toMatch(/^\d+$/);
    // The same instant measured twice: lstart has whole seconds.
    expect(Math.abs(Number(viaPs!.startTime) - (Date.now() / 1000 - process.uptime()))).toBeLessThan(3);
    expect(processReader({ proc: NO_PROC })(process.pid)).toEqual(viaPs);
    expect(processReader({ platform: 'darwin' })(2 ** 22 + 1)).toBeUndefined();
  });

  it("reads macOS's ps: a full path or a login shell's -zsh is the command's name", () => {
    const lines = [
      '  501   1 501 Mon Nov 30 09:05:07 2026 /System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal',
      '  600 501 600 Mon Nov 30 09:05:08 2026 -zsh',
      '  700 600 700 Tue Dec  1 10:00:00 2026 /opt/homebrew/bin/direnv',
    ].join('\n');
    const read = processReader({ platform: 'darwin', runPs: () => `${lines}\n` });
    expect(read(600)).toEqual({ pid: 600, ppid: 501, pgrp: 600, comm: 'zsh', startTime: String(Date.UTC(2026, 10, 30, 9, 5, 8) / 1000) });
    expect(read(700)).toMatchObject({ comm: 'direnv', startTime: String(Date.UTC(2026, 11, 1, 10) / 1000) });
    expect(read(501)).toMatchObject({ comm: 'Terminal' });
  });

  it('finds the same interactive shell as /proc does', async () => {
    const { shell, child } = await shellWithChild();
    expect(findInteractiveShell(child, '/proc')).toMatchObject({ pid: shell, comm: 'bash' });
    expect(findInteractiveShell(child, NO_PROC)).toMatchObject({ pid: shell, comm: 'bash', startTime: expect.stringMatching(/^\d+$/) });
  });

  it('asks once per shell, and forgets the answers of shells that are gone', async () => {
    const state = mkdtempSync(join(tmpdir(), 'awsdir-state-'));
    const questions: string[] = [];
    const ask = async (q: string): Promise<string> => (questions.push(q), 'y');
    const first = await shellWithChild();
    const deps = { env: {}, stateDir: state, yes: false, ask, reporter, procRoot: NO_PROC };
    await guardProduction(project, { ...deps, pid: first.child });
    await guardProduction(project, { ...deps, pid: first.child });
    expect(questions).toHaveLength(1);
    const [record] = readdirSync(join(state, 'guard'));
    expect(record).toMatch(new RegExp(`^${first.shell}-\\d+\\.json$`));

    stop(first.shell);
    await first.exited;
    const second = await shellWithChild();
    await guardProduction(project, { ...deps, pid: second.child });
    expect(questions).toHaveLength(2);
    expect(readdirSync(join(state, 'guard'))).toEqual([expect.stringMatching(new RegExp(`^${second.shell}-\\d+\\.json$`))]);
  });
});

describe('labelColor', () => {
  it('is red for production and the same colour for the same label', () => {
    expect(labelColor('anything', true)).toBe('1;31');
    expect(labelColor('prod-eu', false)).toBe('1;31');
    expect(labelColor('development', false)).toBe(labelColor('development', false));
    expect(labelColor('development', false)).not.toMatch(/31/);
  });
});

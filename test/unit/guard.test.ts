import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const project = { confirm: true, label: 'production', account: '222222222222', role: { arn: 'arn:aws:iam::222222222222:role/admin', name: 'admin' } } as ResolvedProject;

describe('findInteractiveShell', () => {
  it("under direnv, skips the .envrc bash and its subshell and takes direnv's parent", () => {
    const proc = fakeProc([[50, 40, 'node', 10, 900], [40, 30, 'bash', 10, 800], [30, 20, 'bash', 10, 700], [20, 10, 'direnv', 10, 600], [10, 5, 'zsh', 10, 500], [5, 1, 'tmux: server', 5, 100]]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10, comm: 'zsh', startTime: '500' });
  });

  it('without direnv, takes the nearest shell that leads its process group, not a $(...) subshell', () => {
    const proc = fakeProc([[50, 40, 'node', 10, 900], [40, 10, 'bash', 10, 800], [10, 5, 'bash', 10, 500], [5, 1, 'sshd', 5, 100]]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10 });
  });

  it('reads a comm holding spaces and parentheses', () => {
    const proc = fakeProc([[50, 30, 'node', 50, 900], [30, 10, 'a) (b 1 2', 30, 700], [10, 1, 'bash', 10, 500]]);
    expect(findInteractiveShell(50, proc)).toMatchObject({ pid: 10, startTime: '500' });
  });
});

describe('guardProduction', () => {
  const setup = () => {
    const proc = fakeProc([[50, 20, 'node', 10, 900], [20, 10, 'direnv', 10, 600], [10, 1, 'bash', 10, 500]]);
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
    await expect(guardProduction(project, { ...deps, ask: async () => '', command: 'console' })).rejects.toThrow(/: not entered, the console was not opened \(you answered no\); to enter, run `awsdir console` again/);
    await expect(guardProduction(project, { ...deps, ask: undefined, command: 'console' })).rejects.toThrow(/set AWSDIR_YES=1 \(e\.g\. `AWSDIR_YES=1 awsdir console`\) or run `awsdir console --yes`$/);
  });

  it('a directory without confirm is never asked about', async () => {
    const { proc, state } = setup();
    await expect(guardProduction({ ...project, confirm: false }, { env: {}, pid: 50, stateDir: state, yes: false, ask: undefined, reporter, procRoot: proc })).resolves.toBeUndefined();
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

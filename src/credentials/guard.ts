import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { processReader, type ProcStat } from '../core/procStat';
import type { Reporter } from '../core/reporter';
import type { ResolvedProject } from '../config/types';
import { writeFileAtomic } from '../core/writeFileAtomic';
import { terminalQuestion } from '../mfa/readTty';

/** Answers yes to the production question without a terminal (CI, `direnv exec`). */
export const CONFIRM_VARIABLE = 'AWSDIR_YES';

export interface GuardDeps {
  env: Env;
  /** This process; the interactive shell is found among its ancestors. */
  pid: number;
  /** Where answers are remembered: the state dir (never a secret in it). */
  stateDir: string;
  /** `--yes` on the command line. */
  yes: boolean;
  /** Asks on the terminal; undefined when there is none. */
  ask: ((question: string) => Promise<string>) | undefined;
  reporter: Reporter;
  /** The command handing out the credentials (default export): the refusals say how to rerun it. */
  command?: 'export' | 'exec' | 'console';
  /** /proc, replaceable in tests; where there is none (macOS), ps is asked. */
  procRoot?: string;
}

/**
 * The production guard: a project with `confirm: true` asks "enter production?" once per
 * interactive shell before anything is fetched or exported. direnv undoes the environment on
 * leaving the directory, so the answer cannot live there; it is kept in the state dir, keyed on the
 * interactive shell's pid and start time (a reused pid is a different shell and is asked again).
 */
export async function guardProduction(project: ResolvedProject, deps: GuardDeps): Promise<void> {
  if (!project.confirm) return;
  const what = `${project.label} (${project.role.name} @ ${project.account})`;
  if (deps.yes || isYes(deps.env[CONFIRM_VARIABLE])) {
    deps.reporter.debug(`entering ${what} without asking: ${deps.yes ? '--yes' : `${CONFIRM_VARIABLE} is set`}`);
    return;
  }
  const proc = deps.procRoot ?? '/proc';
  const shell = findInteractiveShell(deps.pid, proc);
  const record = shell ? join(deps.stateDir, 'guard', `${shell.pid}-${shell.startTime}.json`) : undefined;
  if (record && remembered(record).includes(project.role.arn)) {
    deps.reporter.debug(`${what} was confirmed before in this shell (pid ${shell!.pid})`);
    return;
  }
  const command = deps.command ?? 'export';
  if (!deps.ask) {
    const example =
      command === 'export'
        ? `\`${CONFIRM_VARIABLE}=1 direnv exec DIR CMD\``
        : command === 'exec'
          ? `\`${CONFIRM_VARIABLE}=1 awsdir exec -- CMD\``
          : `\`${CONFIRM_VARIABLE}=1 awsdir console\``;
    throw new AwsdirError(
      `${what} asks before entering, and there is no terminal to ask on; to enter without asking, set ${CONFIRM_VARIABLE}=1 (e.g. ${example}) or run \`awsdir ${command} --yes\``,
    );
  }
  const answer = (await deps.ask(`enter ${what}? [y/N] `)).trim();
  if (!/^y(es)?$/i.test(answer)) {
    const answered = answer === '' ? 'no' : JSON.stringify(answer);
    throw new AwsdirError(
      command === 'export'
        ? `${what}: not entered, nothing was exported (you answered ${answered}); to enter, run \`direnv reload\` (or cd out and back in) and answer y`
        : `${what}: not entered, ${command === 'exec' ? 'nothing was run' : 'the console was not opened'} (you answered ${answered}); to enter, run \`awsdir ${command}\` again and answer y`,
    );
  }
  if (!record) {
    deps.reporter.debug('no interactive shell found among the parent processes; the answer is not remembered');
    return;
  }
  remember(record, project.role.arn, proc);
}

/** The question on /dev/tty (where the MFA prompt asks too), or undefined without a terminal. */
export function guardAsk(ctx: Pick<Context, 'signal'>): GuardDeps['ask'] {
  return terminalQuestion(ctx.signal, `set ${CONFIRM_VARIABLE}=1 to enter without asking`);
}

function isYes(value: string | undefined): boolean {
  return value !== undefined && /^(1|y|yes|true)$/i.test(value);
}

const SHELLS = new Set(['bash', 'zsh', 'fish', 'sh', 'dash', 'ksh', 'mksh', 'tcsh', 'csh', 'nu', 'elvish', 'xonsh']);

/**
 * The interactive shell this awsdir runs for. Under direnv the chain is
 * awsdir <- bash ($(...) in use_aws) <- bash (.envrc) <- direnv <- the person's shell, so direnv's
 * parent is the answer. Without direnv (`eval "$(awsdir export)"`), the nearest shell that leads
 * its own process group: interactive shells with job control do, their subshells do not.
 */
export function findInteractiveShell(pid: number, proc = '/proc'): ProcStat | undefined {
  const read = processReader({ proc });
  const chain: ProcStat[] = [];
  let current = read(pid);
  while (current && current.pid > 1 && chain.length < 64) {
    chain.push(current);
    current = read(current.ppid);
  }
  const ancestors = chain.slice(1);
  const direnv = ancestors.findIndex((p) => p.comm === 'direnv');
  if (direnv >= 0) {
    const above = ancestors.slice(direnv + 1).find((p) => SHELLS.has(p.comm));
    if (above) return above;
  }
  const shells = ancestors.filter((p) => SHELLS.has(p.comm));
  return shells.find((p) => p.pid === p.pgrp) ?? shells[0];
}

function remembered(record: string): string[] {
  try {
    const data = JSON.parse(readFileSync(record, 'utf8')) as { v?: number; roles?: unknown };
    return data.v === 1 && Array.isArray(data.roles) ? data.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

function remember(record: string, roleArn: string, proc: string): void {
  const roles = [...new Set([...remembered(record), roleArn])];
  writeFileAtomic(record, `${JSON.stringify({ v: 1, roles })}\n`);
  forgetGoneShells(join(record, '..'), proc);
}

/** Answers of shells that have exited are of no use to anyone: remove them. */
function forgetGoneShells(dir: string, proc: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const read = processReader({ proc });
  for (const name of names) {
    const m = /^(\d+)-(\d+)\.json$/.exec(name);
    if (!m) continue;
    const alive = read(Number(m[1]));
    if (!alive || alive.startTime !== m[2]) rmSync(join(dir, name), { force: true });
  }
}

/** A stable colour per label (ANSI SGR), red for production: the same label looks the same everywhere. */
export function labelColor(label: string, confirm: boolean): string {
  if (confirm || /prod/i.test(label)) return '1;31';
  const palette = ['32', '34', '35', '36', '33', '1;32', '1;34', '1;35', '1;36'];
  const index = createHash('sha256').update(label).digest()[0]! % palette.length;
  return palette[index]!;
}

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnvironment } from './childEnvironment';

/** What /proc/PID/stat says of a process (Linux, proc(5)). */
export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  pgrp: number;
  /** Clock ticks after boot: with the pid, names one process for its whole life. */
  startTime: string;
}

/** /proc/PID/stat parsed; undefined when there is no such process or no /proc (not Linux). */
export function readProcStat(pid: number, proc = '/proc'): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(join(proc, String(pid), 'stat'), 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: it runs from the first '(' to the last ')'.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5): ppid is 4, pgrp 5, starttime 22.
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const startTime = fields[19];
  if (!Number.isInteger(ppid) || startTime === undefined) return undefined;
  return { pid, ppid, comm: stat.slice(open + 1, close), pgrp, startTime };
}

/** Runs `ps` with these arguments and returns what it printed; replaceable in tests. */
export type PsRunner = (args: readonly string[]) => string;

export interface ProcessReaderOptions {
  /** The /proc to read; a root that does not exist means there is none. */
  proc?: string;
  /** Only Linux has the /proc/PID/stat this reads: elsewhere ps answers, /proc or not. */
  platform?: NodeJS.Platform;
  runPs?: PsRunner;
}

/**
 * A process by its pid, from /proc where there is one (Linux), else from ps (macOS, the BSDs),
 * whose start time is the `lstart` second as epoch seconds: with the pid, it names one process for
 * its whole life, like the clock ticks of /proc. ps runs once per reader, for every process at
 * once, and only when the first pid is asked for.
 */
export function processReader(options: ProcessReaderOptions = {}): (pid: number) => ProcStat | undefined {
  const proc = options.proc ?? '/proc';
  const linux = options.platform === undefined || options.platform === 'linux' || options.platform === 'android';
  if (linux && isDirectory(proc)) return (pid) => readProcStat(pid, proc);
  let table: Map<number, ProcStat> | undefined;
  return (pid) => {
    table ??= psTable(options.runPs ?? runPs);
    return table.get(pid);
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// Separate -o options: BSD ps takes everything after a keyword's `=` as its header, commas included.
const PS_ARGS = ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'lstart=', '-o', 'comm='];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// `  600   501   600 Mon Nov 30 09:05:08 2026 -zsh`
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+(.+?)\s*$/;

function psTable(run: PsRunner): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  let text: string;
  try {
    text = run(PS_ARGS);
  } catch {
    return table;
  }
  for (const line of text.split('\n')) {
    const m = PS_LINE.exec(line);
    const month = m ? MONTHS.indexOf(m[4]!) : -1;
    if (!m || month < 0) continue;
    const [pid = 0, ppid = 0, pgrp = 0, day, hour, minute, second, year = 0] = [m[1], m[2], m[3], m[5], m[6], m[7], m[8], m[9]].map(Number);
    const started = Date.UTC(year, month, day, hour, minute, second) / 1000;
    // macOS names the executable by its path, and a login shell by `-zsh`.
    const comm = m[10]!.replace(/^-/, '').split('/').pop()!;
    table.set(pid, { pid, ppid, pgrp, comm, startTime: String(started) });
  }
  return table;
}

function runPs(args: readonly string[]): string {
  // Required here: on Linux the guard never starts ps, and loading child_process costs a `cd`.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  // ps needs nothing of the caller's; C and UTC make every awsdir read the same lstart for a process.
  const env = childEnvironment({}, { set: { PATH: '/bin:/usr/bin', LC_ALL: 'C', TZ: 'UTC' } });
  return execFileSync('ps', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000, maxBuffer: 16 * 1024 * 1024 });
}

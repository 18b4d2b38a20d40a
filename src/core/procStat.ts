import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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

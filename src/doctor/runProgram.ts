import { execFile } from 'node:child_process';
import type { Env } from '../core/context';
import { childEnvironment } from '../core/childEnvironment';
import type { RunProgram } from './localChecks';

/** The doctor's way to run a program: at most 5 s, and a program that cannot be started (ENOENT, EACCES) counts as not installed. */
export function runProgram(env: Env): RunProgram {
  return (file, args) =>
    new Promise((resolve) => {
      execFile(file, args, { env: childEnvironment(env), timeout: 5000, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT' || code === 'EACCES') return resolve(undefined);
        resolve({ exitCode: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
      });
    });
}

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'awsdir.cjs');

export interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs the built CLI as a person would: a separate process, its own environment, no terminal.
 * The environment is exactly `env` plus PATH, so nothing of the developer's leaks in.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

export function runProcess(command: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, ...baseEnv(), ...options.env })) {
      if (v !== undefined) env[k] = v;
    }
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20000);
    child.on('error', reject);
    // A child that exits without reading its input: what was left unwritten does not matter.
    child.stdin.on('error', () => undefined);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolvePromise({ exitCode, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Variables a test process inherits: the keychain's bus and nothing that names AWS. Nor the switch
 * that silences the AWS SDK's Node.js version warning: awsdir must keep that off the screen itself.
 */
export function baseEnv(): Record<string, string | undefined> {
  return {
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
    LANG: 'C.UTF-8',
  };
}

/** A private HOME with XDG directories inside it, so a test touches none of the person's files. */
export function makeHome(prefix = 'awsdir-test-'): { home: string; env: Record<string, string> } {
  const home = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  for (const d of ['.config', '.local/share', '.local/state', '.cache']) mkdirSync(join(home, d), { recursive: true });
  return {
    home,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_STATE_HOME: join(home, '.local/state'),
      XDG_CACHE_HOME: join(home, '.cache'),
      TMPDIR: tmpdir(),
    },
  };
}

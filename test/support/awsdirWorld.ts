import { mkdirSync, mkdtempSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, type CliResult } from './cli';
import type { TestEmulator } from './emulator';

export const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';

export interface AwsdirWorld {
  home: string;
  /** The TMPDIR every awsdir process of this world gets; searched for secrets like HOME. */
  tmp: string;
  env: Record<string, string>;
  source: string;
  /** Secrets that must never appear outside the keychain and requested stdout. */
  secrets: Set<string>;
  userFile: string;
  writeUserFile(extra?: string): void;
  project(name: string, body: string, source?: string): string;
  allow(dir: string): Promise<void>;
  addSource(name: string): Promise<void>;
  run(args: string[], options?: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string }): Promise<CliResult>;
  exportIn(dir: string, extra?: Record<string, string | undefined>, timeoutMs?: number): Promise<CliResult>;
}

/**
 * A person's private HOME with awsdir set up against the emulator: a user file, one keychain
 * source (alice's key, added with `awsdir add --from-env`), and helpers for projects.
 */
export async function createWorld(
  emu: TestEmulator,
  options: { prefix: string; source: string; env?: Record<string, string>; keyring?: 'os' | 'file'; userExtra?: string },
): Promise<AwsdirWorld> {
  const made = makeHome(options.prefix);
  const tmp = mkdtempSync(join(made.home, '..', `${options.prefix}tmp-`));
  const env: Record<string, string> = { ...made.env, ...emu.env, TMPDIR: tmp, USER: 'alice', ...options.env };
  const userFile = join(made.home, '.config', 'awsdir', 'config.yaml');
  mkdirSync(join(made.home, '.config', 'awsdir'), { recursive: true });
  const keys = emu.keys('alice');
  let sources = '';
  const world: AwsdirWorld = {
    home: made.home,
    tmp,
    env,
    source: options.source,
    secrets: new Set([keys.secretAccessKey]),
    userFile,
    writeUserFile(extra = '') {
      // `add` appends its sources; keep them when the settings change.
      const current = readFileSyncOr(userFile);
      const i = current.indexOf('sources:');
      sources = i >= 0 ? current.slice(i) : sources;
      writeFileSync(userFile, `version: 1\nkeyring: ${options.keyring ?? 'os'}\nsts_region: us-east-1\n${options.userExtra ?? ''}${extra}${sources}`);
    },
    project(name, body, source = options.source) {
      const dir = join(made.home, 'projects', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.awsdir.yaml'), `version: 1\nsource: ${source}\nsession_name: ${name}\n${body}`);
      return dir;
    },
    async allow(dir) {
      const r = await runCli(['allow', dir], { env, cwd: dir });
      if (r.exitCode !== 0) throw new Error(`allow ${dir}: ${r.stderr}`);
    },
    async addSource(name) {
      const r = await runCli(['add', name, '--from-env'], { env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
      if (r.exitCode !== 0) throw new Error(`add ${name}: ${r.stderr}`);
    },
    run: (args, o = {}) => runCli(args, { env: { ...env, ...o.env }, cwd: o.cwd ?? made.home, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), ...(o.input ? { input: o.input } : {}) }),
    exportIn: (dir, extra = {}, timeoutMs) => runCli(['export', '--shell', 'bash'], { env: { ...env, ...extra }, cwd: dir, ...(timeoutMs ? { timeoutMs } : {}) }),
  };
  world.writeUserFile();
  await world.addSource(options.source);
  return world;
}

function readFileSyncOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The role session's secret key and token from bash exports. */
export function sessionOf(stdout: string): { secretAccessKey: string; sessionToken: string; accessKeyId: string } {
  const get = (name: string): string => {
    const m = new RegExp(`export ${name}='([^']+)'`).exec(stdout);
    if (!m?.[1]) throw new Error(`no ${name} in: ${stdout.slice(0, 120)}`);
    return m[1];
  };
  return { accessKeyId: get('AWS_ACCESS_KEY_ID'), secretAccessKey: get('AWS_SECRET_ACCESS_KEY'), sessionToken: get('AWS_SESSION_TOKEN') };
}

/** Every regular file under dir (symlinks are not followed). */
export function walk(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...walk(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** The files under the dirs that contain any of the secrets (as text in any common encoding). */
export function filesHolding(dirs: string[], secrets: Iterable<string>): Array<{ file: string; secret: string }> {
  const found: Array<{ file: string; secret: string }> = [];
  const list = [...secrets].filter((s) => s.length >= 8);
  for (const file of dirs.flatMap(walk)) {
    const bytes = readFileSync(file);
    for (const secret of list) {
      if (bytes.includes(secret) || bytes.includes(Buffer.from(secret, 'utf16le')) || bytes.includes(Buffer.from(secret).toString('base64').slice(0, 40))) {
        found.push({ file, secret: `${secret.slice(0, 4)}...` });
      }
    }
  }
  return found;
}

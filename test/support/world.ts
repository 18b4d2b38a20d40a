import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quotePosix } from '../../src/shell/render';
import { baseEnv, CLI, makeHome, runProcess, type CliResult } from './cli';
import { startTestEmulator, type TestEmulator } from './emulator';
import { ALICE, DEMO_FIXTURE, keyEnv, type Keys } from './fixture';
import { startPrivateKeychain, type PrivateKeychain } from './privateKeychain';

export { PRODUCTION_PROJECT } from './fixture';

export interface WorldOptions {
  /** The fixture of the emulator the world starts (the demo fixture by default). */
  fixture?: string | object;
  /** An emulator shared with other worlds of the file instead: the world neither starts nor stops it. */
  emu?: TestEmulator;
  /** The source alice's keys are added as: `<name><pid>` by default, so that worlds of the run's shared keychain never clash. */
  source?: string;
  /** Whether the world starts with that source added (`awsdir add --from-env`, as a person would). */
  addSource?: boolean;
  /** Whether the user file is written before the first `add` (keyring, sts_region and userExtra). */
  userFile?: boolean;
  keyring?: 'os' | 'file';
  /** More settings of the user file, such as `refresh_window: 1h\n`. */
  userExtra?: string;
  /** More variables for every awsdir process (AWSDIR_FILE_PASSPHRASE, SHELL, AWSDIR_DEBUG...). */
  env?: Record<string, string>;
  /** A gnome-keyring on a bus of the world's own instead of the run's, so a test may lock or restart it. */
  privateKeychain?: boolean;
  /** The built CLI the world runs: dist/awsdir.cjs by default. */
  cli?: string;
  /** `awsdir` on PATH as a person installs it: a wrapper that runs `prelude` (shell) and then the CLI. */
  onPath?: boolean | { prelude: string };
}

export interface RunOptions {
  cwd?: string;
  /** Variables over the world's; undefined removes one. */
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/**
 * A person's machine set up against the emulator: a private HOME whose keys live in the OS keychain
 * (the run's gnome-keyring unless the world has its own), alice's keys added as a source with
 * `awsdir add --from-env`, and the built CLI to run in it.
 */
export interface World {
  emu: TestEmulator;
  home: string;
  /** The TMPDIR of every awsdir process of this world; searched for secrets like HOME. */
  tmp: string;
  /** The built CLI the world runs. */
  cli: string;
  /** Everything an awsdir process of the world gets (PATH, the keychain's bus, HOME, the emulator's endpoints; USER alice). */
  env: Record<string, string>;
  source: string;
  userFile: string;
  /** Secrets that must never appear outside the keychain and requested stdout: alice's key, and what tests add. */
  secrets: Set<string>;
  /** The world's own keychain, with privateKeychain. */
  keychain: PrivateKeychain | undefined;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** `awsdir export --shell bash` in dir. */
  exportIn(dir: string, extra?: Record<string, string | undefined>, timeoutMs?: number): Promise<CliResult>;
  /** Writes `<home>/<path>/.awsdir.yaml` naming the source (the world's by default); returns the directory. */
  writeProject(path: string, body: string, source?: string): string;
  /** writeProject, then `awsdir allow` there. */
  addProject(path: string, body: string, source?: string): Promise<string>;
  allow(dir: string): Promise<void>;
  /** `awsdir add NAME --from-env` with alice's keys or the given ones (its output, for tests of add); close() removes it. */
  addSource(name: string, keys?: Keys): Promise<CliResult>;
  /** A source the test added some other way (`add --from-profile`, `rotate`), for close() to remove too. */
  removeOnClose(name: string): void;
  /** Rewrites the user file's settings (extra after the world's own), keeping the sources `add` wrote. */
  writeUserFile(extra?: string): void;
  /** Stops the world's own keychain and starts it again on the same keyring, unlocked (gnome-keyring cannot be unlocked without a prompter). */
  restartKeychain(): Promise<void>;
  /** Removes the sources (and so their sessions) from the keychain, stops what the world started, deletes HOME. */
  close(): Promise<void>;
}

export async function makeWorld(name: string, options: WorldOptions = {}): Promise<World> {
  const emu = options.emu ?? (await startTestEmulator(options.fixture ?? DEMO_FIXTURE));
  let keychain: PrivateKeychain | undefined;
  let keychainData: string | undefined;
  const sources: string[] = [];
  const made = makeHome(`awsdir-${name}-`);
  const home = made.home;
  const tmp = mkdtempSync(join(tmpdir(), `awsdir-${name}-tmp-`));
  const cli = options.cli ?? CLI;
  const bin = join(home, 'bin');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env.PATH, ...baseEnv() })) if (v !== undefined) env[k] = v;
  Object.assign(env, made.env, emu.env, { TMPDIR: tmp, USER: ALICE.name }, options.env);
  const userFile = join(home, '.config', 'awsdir', 'config.yaml');
  const source = options.source ?? `${name}${process.pid}`;
  let sourcesText = '';

  const run = (args: string[], o: RunOptions = {}): Promise<CliResult> =>
    runProcess(process.execPath, [cli, ...args], {
      env: { ...env, ...o.env },
      cwd: o.cwd ?? home,
      ...(o.input !== undefined && { input: o.input }),
      ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
    });
  const must = async (what: string, r: Promise<CliResult>): Promise<CliResult> => {
    const done = await r;
    if (done.exitCode !== 0) throw new Error(`world ${name}: ${what} exited ${done.exitCode}: ${done.stderr.trim().slice(0, 600)}`);
    return done;
  };

  const world: World = {
    emu,
    home,
    tmp,
    cli,
    env,
    source,
    userFile,
    secrets: new Set(),
    keychain,
    run,
    exportIn: (dir, extra = {}, timeoutMs) => run(['export', '--shell', 'bash'], { cwd: dir, env: extra, ...(timeoutMs !== undefined && { timeoutMs }) }),
    writeProject(path, body, projectSource = source) {
      const dir = join(home, path);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.awsdir.yaml'), `version: 1\nsource: ${projectSource}\n${body}`);
      return dir;
    },
    async addProject(path, body, projectSource) {
      const dir = world.writeProject(path, body, projectSource);
      await world.allow(dir);
      return dir;
    },
    async allow(dir) {
      await must(`awsdir allow ${dir}`, run(['allow', dir], { cwd: dir }));
    },
    async addSource(sourceName, keys = emu.keys(ALICE.name)) {
      world.secrets.add(keys.secretAccessKey);
      const added = await must(`awsdir add ${sourceName}`, run(['add', sourceName, '--from-env'], { env: keyEnv(keys) }));
      sources.push(sourceName);
      return added;
    },
    removeOnClose: (sourceName) => void sources.push(sourceName),
    writeUserFile(extra = '') {
      // `add` appends its sources; keep them when the settings change.
      let current = '';
      try {
        current = readFileSync(userFile, 'utf8');
      } catch {
        // none yet
      }
      const i = current.indexOf('sources:');
      if (i >= 0) sourcesText = current.slice(i);
      mkdirSync(join(home, '.config', 'awsdir'), { recursive: true });
      writeFileSync(userFile, `version: 1\nkeyring: ${options.keyring ?? 'os'}\nsts_region: us-east-1\n${options.userExtra ?? ''}${extra}${sourcesText}`);
    },
    async restartKeychain() {
      if (!keychain || !keychainData) throw new Error(`world ${name}: restartKeychain needs privateKeychain`);
      await keychain.stop();
      keychain = await startPrivateKeychain(keychainData);
      world.keychain = keychain;
      Object.assign(env, keychain.env);
    },
    async close() {
      for (const s of sources) await run(['remove', s]).catch(() => undefined);
      await keychain?.stop();
      if (!options.emu) await emu.close();
      for (const dir of [home, tmp, keychainData]) if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    if (options.privateKeychain) {
      keychainData = mkdtempSync(join(tmpdir(), `awsdir-${name}-keychain-`));
      keychain = await startPrivateKeychain(keychainData);
      world.keychain = keychain;
      Object.assign(env, keychain.env);
    }
    if (options.onPath) {
      mkdirSync(bin, { recursive: true });
      const prelude = typeof options.onPath === 'object' ? `${options.onPath.prelude.trimEnd()}\n` : '';
      // The command people type: a wrapper around the built bundle.
      writeFileSync(join(bin, 'awsdir'), `#!/bin/sh\n${prelude}exec ${quotePosix(process.execPath)} ${quotePosix(cli)} "$@"\n`, { mode: 0o755 });
      env.PATH = `${bin}:${env.PATH ?? ''}`;
    }
    if (options.userFile !== false) world.writeUserFile();
    if (options.addSource !== false) await world.addSource(source);
    return world;
  } catch (error) {
    // No caller gets this world to close: a running emulator or keychain would keep jest from exiting.
    await world.close();
    throw error;
  }
}

/**
 * The world of a test file: made before its tests (with `projects` added and allowed, their
 * directories in `dirs`) and closed after them. Use it inside tests and hooks.
 */
export function useWorld<P extends string = never>(
  name: string,
  options: WorldOptions & { projects?: Record<P, string> } = {},
): World & { dirs: Record<P, string> } {
  let current: (World & { dirs: Record<P, string> }) | undefined;
  beforeAll(async () => {
    const w = await makeWorld(name, options);
    try {
      const dirs = {} as Record<P, string>;
      for (const [path, body] of Object.entries(options.projects ?? {}) as Array<[P, string]>) dirs[path] = await w.addProject(path, body);
      current = Object.assign(w, { dirs });
    } catch (error) {
      await w.close();
      throw error;
    }
  }, 60_000);
  afterAll(() => current?.close());
  const live = (): World & { dirs: Record<P, string> } => {
    if (!current) throw new Error(`world ${name}: used before its beforeAll made it (or that failed)`);
    return current;
  };
  return new Proxy({} as World & { dirs: Record<P, string> }, {
    get: (_, key) => Reflect.get(live(), key),
    set: (_, key, value) => Reflect.set(live(), key, value),
  });
}

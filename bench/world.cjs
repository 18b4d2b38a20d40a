'use strict';
// The world every benchmark and the hit-path guard run in: the tests' world (test/support/world.ts:
// a private HOME, the emulator with the demo fixture in this process, alice's keys added as a
// keychain source) with a snapshot of dist/ as the CLI, `awsdir` on PATH, the direnv helper
// installed, static keys in ~/.aws for the AWS CLI's .envrc, an allowed project `app` and one export
// that fills the cache. Runs inside scripts/with-keychain.sh (or any session whose Secret Service is
// unlocked).
const { spawn } = require('node:child_process');
const { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { buildSync } = require('esbuild');

const ROOT = resolve(__dirname, '..');

/**
 * test/support/world.ts as CommonJS: node runs the bench directly, without the tests' TypeScript
 * transform. Bundled afresh on each run (a fraction of a second), so it is never older than the
 * tests' world; the one __dirname there (test/support/cli.ts, for the repository root) keeps its meaning.
 */
function loadSupportWorld() {
  const parent = join(ROOT, '.tmp');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'bench-world-'));
  try {
    const outfile = join(dir, 'world.cjs');
    buildSync({
      entryPoints: [join(ROOT, 'test', 'support', 'world.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      external: ['@napi-rs/keyring'],
      define: { __dirname: JSON.stringify(join(ROOT, 'test', 'support')) },
      logLevel: 'error',
    });
    return require(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { makeWorld } = loadSupportWorld();

/**
 * A private copy of dist/ inside the repository (so that @napi-rs/keyring still resolves from
 * node_modules): another build running while we measure must not change what we measure.
 */
function snapshotDist(dist = join(ROOT, 'dist')) {
  const parent = join(ROOT, '.tmp');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'bench-dist-'));
  for (const f of readdirSync(dist).filter((n) => n.endsWith('.cjs') || n.endsWith('.json'))) cpSync(join(dist, f), join(dir, f));
  // As `npm install -g` leaves it: run through its #! line, the way direnv's helper runs it.
  chmodSync(join(dir, 'awsdir.cjs'), 0o755);
  return dir;
}

/** Runs a command to completion; resolves with its output and wall time in milliseconds. */
function run(command, args, { env, cwd, input = '' } = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolvePromise({ code, signal, stdout, stderr, ms });
    });
    // A child that exits without reading its input: what was left unwritten does not matter.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function must(what, promise) {
  const r = await promise;
  const code = r.code !== undefined ? r.code : r.exitCode;
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${r.stderr.trim().slice(0, 400)}`);
  return r;
}

/**
 * Builds the world. `keyring` is 'os' or 'file'. Returns what the measurements need; call
 * close() at the end (removes the source and its sessions, stops the emulator, removes HOME and
 * the dist snapshot).
 */
async function createWorld({ keyring = 'os', dist } = {}) {
  const distDir = dist ?? snapshotDist();
  let w;
  try {
    w = await makeWorld('bench', {
      keyring,
      cli: join(distDir, 'awsdir.cjs'),
      onPath: true,
      env: keyring === 'file' ? { AWSDIR_FILE_PASSPHRASE: 'bench-passphrase-not-secret' } : {},
    });
    mkdirSync(join(w.home, '.aws'), { recursive: true });
    Object.assign(w.env, {
      AWSDIR_BIN: w.cli,
      AWS_CONFIG_FILE: join(w.home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(w.home, '.aws', 'credentials'),
    });
  } catch (error) {
    if (!dist) rmSync(distDir, { recursive: true, force: true });
    throw error;
  }
  const { env } = w;

  /** A project directory, allowed; `envrc` is its .envrc text (direnv-allowed when given). */
  const project = async (name, { envrc, role = 'arn:aws:iam::222222222222:role/admin', allow = true, duration = '1h' } = {}) => {
    const dir = w.writeProject(join('projects', name), `role: ${role}\nregion: eu-west-1\nlabel: ${name}\nduration: ${duration}\n`);
    if (allow) await w.allow(dir);
    if (envrc !== undefined) {
      writeFileSync(join(dir, '.envrc'), envrc);
      await must(`direnv allow ${name}`, run('direnv', ['allow', dir], { env, cwd: dir }));
    }
    return dir;
  };

  const close = async () => {
    await w.close();
    if (!dist) rmSync(distDir, { recursive: true, force: true });
  };

  // A world that fails half-built must not leave the emulator listening or HOME behind.
  let app;
  try {
    await must('awsdir hook direnv --install', w.run(['hook', 'direnv', '--install']));
    // The AWS CLI user's .envrc reads static keys from its credentials file: no network either.
    const key = w.emu.keys('alice');
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, `[default]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, {
      mode: 0o600,
    });
    writeFileSync(env.AWS_CONFIG_FILE, '[default]\nregion = eu-west-1\n');
    app = await project('app', { envrc: 'use aws\n' });
    // The first export asks for the MFA code: one GetSessionToken, one AssumeRole; every later export is a hit.
    await must('first export', w.exportIn(app, { AWSDIR_MFA_CODE: await w.emu.totp() }));
  } catch (error) {
    await close();
    throw error;
  }

  return {
    root: ROOT,
    dist: distDir,
    cli: w.cli,
    home: w.home,
    env,
    source: w.source,
    /** alice's long-term keys, for clients the benchmark builds itself. */
    key: w.emu.keys('alice'),
    emulator: { url: w.emu.url },
    app,
    project,
    calls: () => w.emu.calls(),
    run,
    close,
  };
}

module.exports = { createWorld, snapshotDist, run, ROOT };

'use strict';
// The world every benchmark and the hit-path guard run in: a private HOME, the emulator (demo
// fixture) in this process, a keychain source added with `awsdir add --from-env`, allowed project
// directories and one export that fills the cache. Runs inside scripts/with-keychain.sh (or any
// session whose Secret Service is unlocked).
const { spawn } = require('node:child_process');
const { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'emulator', 'demo.yaml');
const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const SOURCE = 'bench';

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
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 400)}`);
  return r;
}

/**
 * Builds the world. `keyring` is 'os' or 'file'. Returns what the measurements need; call
 * close() at the end (stops the emulator, removes HOME and the dist snapshot).
 */
async function createWorld({ keyring = 'os', dist } = {}) {
  const distDir = dist ?? snapshotDist();
  const cli = join(distDir, 'awsdir.cjs');
  const { startEmulator, generatedKey } = require(join(distDir, 'emulator.cjs'));
  const emulator = await startEmulator({ fixture: FIXTURE });

  const home = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-bench-')));
  for (const d of ['.config/awsdir', '.local/share', '.local/state', '.cache', 'bin', '.aws']) mkdirSync(join(home, d), { recursive: true });
  const env = {
    PATH: `${join(home, 'bin')}:${process.env.PATH}`,
    HOME: home,
    USER: 'alice',
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: tmpdir(),
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    AWS_ENDPOINT_URL_IAM: emulator.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWSDIR_BIN: cli,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
  };
  // The keychain's bus, and nothing else of ours (NODE_EXTRA_CA_CERTS alone adds ~38 ms to a node start).
  for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR']) if (process.env[k]) env[k] = process.env[k];
  if (keyring === 'file') env.AWSDIR_FILE_PASSPHRASE = 'bench-passphrase-not-secret';
  // `awsdir` on PATH for anything that looks for it there.
  writeFileSync(join(home, 'bin', 'awsdir'), `#!/bin/sh\nexec node ${JSON.stringify(cli)} "$@"\n`, { mode: 0o755 });

  const awsdir = (args, opts = {}) => run(process.execPath, [cli, ...args], { env: { ...env, ...opts.env }, cwd: opts.cwd ?? home, input: opts.input });
  const totp = async () => {
    for (;;) {
      const res = await fetch(`${emulator.url}/__emulator/totp?serial=${encodeURIComponent(SERIAL)}`);
      const body = await res.json();
      if (res.status === 200 && body.code) return body.code;
      if (res.status !== 409) throw new Error(`emulator totp: ${body.error ?? res.status}`);
      await fetch(`${emulator.url}/__emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: body.retryAfterSeconds ?? 1 }) });
    }
  };
  const calls = async () => (await (await fetch(`${emulator.url}/__emulator/calls`)).json());

  const key = generatedKey('111111111111', 'alice', 0);
  const source = `${SOURCE}${process.pid}`;
  const dirs = [];
  /** A project directory, allowed; `envrc` is its .envrc text (direnv-allowed when given). */
  const project = async (name, { envrc, role = 'arn:aws:iam::222222222222:role/admin', allow = true, duration = '1h' } = {}) => {
    const dir = join(home, 'projects', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.awsdir.yaml'), `version: 1\nsource: ${source}\nrole: ${role}\nregion: eu-west-1\nlabel: ${name}\nduration: ${duration}\n`);
    if (allow) await must(`awsdir allow ${name}`, awsdir(['allow', dir]));
    if (envrc !== undefined) {
      writeFileSync(join(dir, '.envrc'), envrc);
      await must(`direnv allow ${name}`, run('direnv', ['allow', dir], { env, cwd: dir }));
    }
    dirs.push(dir);
    return dir;
  };

  // A world that fails half-built must not leave the emulator listening or HOME behind.
  let app;
  try {
    writeFileSync(join(home, '.config', 'awsdir', 'config.yaml'), `version: 1\nkeyring: ${keyring}\nsts_region: us-east-1\n`);
    await must('awsdir add', awsdir(['add', source, '--from-env'], { env: { AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret } }));
    await must('awsdir hook direnv --install', awsdir(['hook', 'direnv', '--install']));
    // The AWS CLI user's .envrc reads static keys from its credentials file: no network either.
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, `[default]\naws_access_key_id = ${key.id}\naws_secret_access_key = ${key.secret}\n`, { mode: 0o600 });
    writeFileSync(env.AWS_CONFIG_FILE, '[default]\nregion = eu-west-1\n');
    app = await project('app', { envrc: 'use aws\n' });
    // The first export asks for the MFA code: one GetSessionToken, one AssumeRole; every later export is a hit.
    await must('first export', awsdir(['export', '--shell', 'bash'], { cwd: app, env: { AWSDIR_MFA_CODE: await totp() } }));
  } catch (error) {
    await emulator.close();
    await awsdir(['remove', source]).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    if (!dist) rmSync(distDir, { recursive: true, force: true });
    throw error;
  }

  return {
    root: ROOT,
    dist: distDir,
    cli,
    home,
    env,
    source,
    key,
    emulator,
    app,
    project,
    awsdir,
    calls,
    totp,
    run,
    async close() {
      await emulator.close();
      // The source and cached sessions live in the keychain, outside HOME, which tests share:
      // remove exactly ours (never `clear --all`).
      for (const dir of dirs) await awsdir(['clear', '--dir', dir]).catch(() => undefined);
      await awsdir(['remove', source]).catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
      if (!dist) rmSync(distDir, { recursive: true, force: true });
    },
  };
}

module.exports = { createWorld, snapshotDist, run, ROOT };

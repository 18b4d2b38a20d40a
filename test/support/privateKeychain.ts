import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli';

const BUS_WITHOUT_SERVICES = join(ROOT, 'test/fakes/sessionBusWithoutServices.conf');
const SILENT_SERVICE = join(ROOT, 'test/fakes/silentSecretService.cjs');

export interface PrivateKeychain {
  /** DBUS_SESSION_BUS_ADDRESS (and the runtime dir) for processes that should use this keychain. */
  env: Record<string, string>;
  /** Locks the login collection, as a screen lock or `secret-tool lock` would: reads give null, writes fail. */
  lock(): void;
  /** Aborts the daemon as gnome-keyring's own fatal errors do (SIGABRT); the bus starts it again, unlocked. */
  crash(): void;
  /** Stops the bus and the daemon; the keyring file stays in the data directory. */
  stop(): Promise<void>;
}

/**
 * A real gnome-keyring on a bus of its own, so that a test may lock it, restart it or replace it
 * by a silent fake without disturbing the keychain other test files share. Starting it again on
 * the same data directory unlocks the same keyring, entries included (gnome-keyring cannot be
 * unlocked over D-Bus without a prompter, and there is no display here).
 */
export async function startPrivateKeychain(dataDir: string, options: { silent?: boolean } = {}): Promise<PrivateKeychain> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const runtime = mkdtempSync(join(tmpdir(), 'awsdir-bus-'));
  const start = options.silent
    ? `node ${JSON.stringify(SILENT_SERVICE)} >/dev/null & d=$!`
    : 'printf %s hardening | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 & d=$!';
  // The bus starts nothing on demand and the daemon is started again when it exits: gnome-keyring
  // can abort under many clients at once (scripts/with-keychain.sh says more), and the stock bus
  // would then start a locked one, or the bus would end with it.
  const script = `
    start() { ${start}; echo $d > "$XDG_RUNTIME_DIR/daemon.pid"; }
    start
    trap 'kill $d 2>/dev/null; exit 0' TERM INT
    for _ in $(seq 200); do
      dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
      sleep 0.05
    done
    echo "READY $DBUS_SESSION_BUS_ADDRESS"
    # Not once the bus is gone (dbus-run-session killed with the test): the loop would outlive it.
    while :; do wait $d; sleep 0.1; kill -0 $PPID 2>/dev/null || exit 0; start; done`;
  const args = [`--config-file=${BUS_WITHOUT_SERVICES}`, '--', 'bash', '-c', script];
  const child: ChildProcess = spawn('dbus-run-session', args, {
    env: { PATH: process.env.PATH ?? '', HOME: dataDir, XDG_DATA_HOME: dataDir, XDG_RUNTIME_DIR: runtime },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('private keychain did not start within 10 s')), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', () => reject(new Error('private keychain exited early')));
  });
  const env = { DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime };
  return {
    env,
    lock: () => {
      execFileSync(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ],
        { env: { ...process.env, ...env }, stdio: 'ignore' },
      );
    },
    crash: () => {
      process.kill(Number(readFileSync(join(runtime, 'daemon.pid'), 'utf8')), 'SIGABRT');
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        return;
      }
      await exited;
    },
  };
}

// Entry names and values, read in a child on the given bus with the library awsdir uses.
const DUMP = `const k = require(process.argv[1]);
k.findCredentialsAsync('awsdir').then((found) => process.stdout.write(JSON.stringify(found.map((c) => [c.account, c.password]))));`;

/** Every awsdir entry of the keychain on `env`'s bus, name -> value. */
export function keychainEntries(env: Record<string, string>): Map<string, string> {
  const out = execFileSync(process.execPath, ['-e', DUMP, require.resolve('@napi-rs/keyring')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return new Map(JSON.parse(out) as Array<[string, string]>);
}

import { randomBytes } from 'node:crypto';
import type { Env } from '../core/context';
import { AwsdirError } from '../core/errors';
import { SERVICE, type Keyring } from './keyring';
import { childEnvironment } from '../core/childEnvironment';

type NapiKeyring = typeof import('@napi-rs/keyring');
type AsyncEntry = import('@napi-rs/keyring').AsyncEntry;

export interface OsKeyringOptions {
  env: Env;
  platform: NodeJS.Platform;
  /** The node binary, to list entries in a child process that can be killed at the deadline. */
  node: string;
  /** How long one keychain call may take before it is an error. */
  deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = 3000;
/** What `list` adds to the deadline for starting the child process that asks. */
const LIST_START_ALLOWANCE_MS = 5000;

/**
 * The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, the Linux
 * Secret Service (forced: the library would otherwise fall back to the kernel keyring, which loses
 * entries at logout and fails in containers).
 *
 * No call may hang. Measured with a Secret Service that owns its bus name and never answers:
 * creating an entry blocks the event loop ~2 s and then throws "Did not receive a reply", and
 * get/set fail the same way; `findCredentials` waits forever, on a thread that also keeps the
 * process from exiting, so `list` runs in a child process that is killed at the deadline. The
 * other calls are raced against the deadline as well, so that the person hears why even if a
 * library version waits longer than it does now.
 */
export function createOsKeyring(options: OsKeyringOptions): Keyring {
  // Only the Secret Service gets a deadline: on macOS a keychain call may be waiting for the person
  // to answer a system dialog, which must not be cut off.
  const deadlineMs = options.platform === 'linux' ? (options.deadlineMs ?? DEFAULT_DEADLINE_MS) : undefined;
  const entryOptions = options.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  const entries = new Map<string, AsyncEntry>();
  let napi: NapiKeyring | undefined;

  const entry = (name: string): AsyncEntry => {
    requireBus(options);
    napi ??= loadNapi(options.platform);
    let found = entries.get(name);
    if (!found) {
      try {
        found = new napi.AsyncEntry(SERVICE, name, entryOptions);
      } catch (error) {
        throw explain(error, 'open', deadlineMs ?? DEFAULT_DEADLINE_MS, options.platform);
      }
      entries.set(name, found);
    }
    return found;
  };

  const call = <T>(what: Operation, name: string, run: (e: AsyncEntry) => Promise<T>): Promise<T> =>
    againWhileServiceGone(
      options.platform,
      async () => {
        try {
          const e = entry(name);
          return await (deadlineMs === undefined ? run(e) : withDeadline(run(e), deadlineMs));
        } catch (error) {
          throw explain(error, what, deadlineMs ?? DEFAULT_DEADLINE_MS, options.platform);
        }
      },
      // The next try opens a new entry: the old one may hold the session of the daemon that went away.
      () => entries.delete(name),
    );

  const keyring: Keyring = {
    backend: 'os',
    get: (name) => call('read', name, (e) => e.getPassword()),
    set: (name, value) => call('write', name, (e) => e.setPassword(value)),
    delete: (name) => call('delete', name, (e) => e.deleteCredential()),
    list: async () => (await againWhileServiceGone(options.platform, () => listInChild(options, deadlineMs))).filter((n) => !n.startsWith(PROBE_PREFIX)).sort(),
    probeWrite: async () => {
      const name = `${PROBE_PREFIX}${randomBytes(6).toString('hex')}`;
      await keyring.set(name, 'probe');
      await keyring.delete(name);
      entries.delete(name);
    },
  };
  return keyring;
}

/**
 * On glibc Linux the binary package itself: the package's own loader first reads /usr/bin/ldd to
 * tell musl from glibc and then tries several paths, about 4 ms of every `cd`. Anything unusual
 * (another platform, musl, a package missing or failing to load) goes through that loader.
 */
function loadNapi(platform: NodeJS.Platform): NapiKeyring {
  if (platform === 'linux') {
    // A name in a variable: bundlers leave this require to run time, like the package's own.
    const binary = '@napi-rs/keyring-linux-x64-gnu';
    try {
      return require(binary) as NapiKeyring;
    } catch {
      // another architecture, musl, or the optional package is absent: the loader knows what to do
    }
  }
  return require('@napi-rs/keyring') as NapiKeyring;
}

const PROBE_PREFIX = 'probe/';

type Operation = 'open' | 'read' | 'write' | 'delete' | 'list';

class DeadlineError extends Error {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** On Linux without a session bus the Secret Service cannot be reached at all: say so up front. */
function requireBus(options: OsKeyringOptions): void {
  if (options.platform !== 'linux') return;
  if (options.env.DBUS_SESSION_BUS_ADDRESS) return;
  throw new AwsdirError(
    'keychain: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so the Secret Service cannot be reached; ' +
      'run awsdir inside your desktop session (or `dbus-run-session` with gnome-keyring-daemon), or set AWSDIR_KEYRING=file',
  );
}

const NO_ANSWER = /did not receive a reply|timeout|timed out|no reply/i;

/** The Secret Service went away under a call, or is not back yet: what a daemon restart looks like. */
const SERVICE_GONE = /disconnected from message bus without replying|ServiceUnknown|not provided by any \.service files|NameHasNoOwner/i;
/** The library's own words, also under the explanation entry() gives a failed open. */
function libraryMessage(error: unknown): string {
  const cause = error instanceof AwsdirError ? (error as { cause?: unknown }).cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The pauses before each repeat of a call the Secret Service left unanswered: under 2 s in all. */
const RESTART_WAITS_MS = [250, 500, 1000];

/**
 * Runs `attempt` again, after a pause, while it fails because the Secret Service went away under it
 * or is not back yet. gnome-keyring-daemon can abort in the middle of a call (a race of its own when
 * clients come and go quickly) and be started again by the session. Every keychain call is safe to
 * repeat: a read, a write of one value, a delete (of an entry already gone it succeeds), a listing.
 */
async function againWhileServiceGone<T>(platform: NodeJS.Platform, attempt: () => Promise<T>, beforeRetry: () => void = () => undefined): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const wait = RESTART_WAITS_MS[tries];
      if (platform !== 'linux' || wait === undefined || !SERVICE_GONE.test(libraryMessage(error))) throw error;
      beforeRetry();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** One line that names the subject and ends with the fix; the library's words go to `cause`. */
export function explain(error: unknown, what: Operation, deadlineMs: number, platform: NodeJS.Platform = 'linux'): AwsdirError {
  if (error instanceof AwsdirError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const seconds = Math.max(1, Math.round(deadlineMs / 1000));
  // The Secret Service and its bus are Linux's; macOS and Windows have neither.
  if (platform === 'linux' && (error instanceof DeadlineError || NO_ANSWER.test(message))) {
    return new AwsdirError(
      `keychain: the Secret Service (org.freedesktop.secrets) did not answer within ${seconds} s; ` +
        'unlock your keyring or start gnome-keyring-daemon, or set AWSDIR_KEYRING=file',
      { cause: error },
    );
  }
  if (platform === 'linux' && /not provided by any \.service files|ServiceUnknown|NameHasNoOwner/i.test(message)) {
    return new AwsdirError(
      'keychain: no Secret Service (org.freedesktop.secrets) runs on this session bus; start gnome-keyring-daemon (or another Secret Service such as KeePassXC), or set AWSDIR_KEYRING=file',
      { cause: error },
    );
  }
  if (platform === 'linux' && /DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(message)) {
    return new AwsdirError(
      'keychain: no D-Bus session bus, so the Secret Service cannot be reached; run awsdir inside your desktop session, or set AWSDIR_KEYRING=file',
      { cause: error },
    );
  }
  if (what === 'write' || what === 'delete') {
    return new AwsdirError(
      `keychain: cannot ${what === 'write' ? 'store' : 'remove'} an entry (${oneLine(message)}); ${LOCKED[platform] ?? LOCKED.linux}, or set AWSDIR_KEYRING=file`,
      {
        cause: error,
      },
    );
  }
  const unlock = platform === 'darwin' ? 'unlock the login keychain' : platform === 'win32' ? 'check Windows Credential Manager' : 'unlock your keyring';
  return new AwsdirError(
    `keychain: cannot ${what === 'list' ? 'list entries' : 'read an entry'} (${oneLine(message)}); ${unlock}, or set AWSDIR_KEYRING=file`,
    {
      cause: error,
    },
  );
}

/** Why a write usually fails, and what unlocks it, per platform. */
const LOCKED: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'the keyring is probably locked or has no default collection; unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`)',
  darwin: 'the login keychain is probably locked, or the access dialog was denied; unlock the login keychain (Keychain Access, or `security unlock-keychain`)',
  win32: 'Windows Credential Manager refused it; check that Windows Credential Manager is available to this user',
};

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

// Prints the entry names only: the passwords findCredentials also returns never leave the child.
const LIST_SCRIPT = `
const k = require(process.argv[1]);
k.findCredentialsAsync(process.argv[2]).then(
  (found) => { process.stdout.write(JSON.stringify(found.map((c) => c.account))); process.exit(0); },
  (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

function listInChild(options: OsKeyringOptions, deadlineMs: number | undefined): Promise<string[]> {
  requireBus(options);
  const modulePath = require.resolve('@napi-rs/keyring');
  // The child needs the bus and little else.
  const env = childEnvironment(options.env);
  // Required here, not at the top: the cache-hit path reads one entry and never lists, and
  // loading child_process costs every `cd` several milliseconds.
  const { execFile } = require('node:child_process') as typeof import('node:child_process');
  // The child must start Node.js before it can ask anything: on a busy machine that alone took
  // seconds, and a listing cut short showed `status` no sessions at all.
  if (deadlineMs !== undefined) deadlineMs += LIST_START_ALLOWANCE_MS;
  return new Promise((resolve, reject) => {
    execFile(
      options.node,
      ['-e', LIST_SCRIPT, modulePath, SERVICE],
      { env, timeout: deadlineMs ?? 0, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const timedOut = (error as { killed?: boolean }).killed === true;
          reject(explain(timedOut ? new DeadlineError() : new Error(stderr || error.message), 'list', deadlineMs ?? DEFAULT_DEADLINE_MS, options.platform));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as string[]);
        } catch (parseError) {
          reject(explain(parseError, 'list', deadlineMs ?? DEFAULT_DEADLINE_MS, options.platform));
        }
      },
    );
  });
}

import type { Env } from '../core/context';
import { AwsdirError, ConfigError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { fileKeyringDir } from '../config/paths';
import { createFileKeyring } from './fileKeyring';
import type { Keyring, KeyringBackend } from './keyring';
import { createOsKeyring } from './osKeyring';

export type KeyringPreference = 'auto' | KeyringBackend;

export interface OpenKeyringOptions {
  env: Env;
  /** The user file's `keyring:`; AWSDIR_KEYRING overrides it. */
  preference: KeyringPreference;
  /** Writes `keyring: os|file` into the user file; called once, by `auto`, with what it picked. */
  recordPick: (backend: KeyringBackend) => Promise<void> | void;
  /** Asks for the file keyring's passphrase on the terminal. */
  promptPassphrase?: (prompt: string) => Promise<string>;
  reporter: Pick<Reporter, 'debug' | 'warn' | 'info'>;
  platform?: NodeJS.Platform;
  /** The node binary (ctx.self.node), for the keychain listing that runs in a child process. */
  node?: string;
  /** How long a keychain call may take; tests shorten it. */
  deadlineMs?: number;
}

/**
 * The keyring the user file (or AWSDIR_KEYRING) asks for. `os` and `file` open without touching
 * the store, so the cache-hit path pays for one read only. `auto` happens once per person: it
 * proves the OS keychain can store a value, falls back to the encrypted file, and records the pick
 * so that a Secret Service that is missing one day does not silently move secrets elsewhere.
 */
export async function openKeyring(options: OpenKeyringOptions): Promise<Keyring> {
  const preference = resolvePreference(options);
  if (preference === 'os') return osKeyring(options);
  if (preference === 'file') return fileKeyring(options);

  const os = osKeyring(options);
  let osFailure: string;
  try {
    await os.probeWrite();
    options.reporter.debug('keyring auto: the OS keychain stores values; using it');
    await record(options, 'os');
    return os;
  } catch (error) {
    osFailure = error instanceof Error ? error.message : String(error);
    options.reporter.debug(`keyring auto: the OS keychain cannot be used: ${osFailure}`);
  }
  const file = fileKeyring(options);
  try {
    // Unlocks (or creates) the file keyring and proves it writable before the pick is recorded.
    await file.probeWrite();
  } catch (error) {
    const fileFailure = error instanceof Error ? error.message : String(error);
    throw new AwsdirError(
      `no usable keyring: the OS keychain failed (${osFailure}) and so did the encrypted file keyring (${fileFailure}); ` +
        'fix one of them, e.g. set AWSDIR_FILE_PASSPHRASE for the file keyring',
      { cause: error },
    );
  }
  options.reporter.info(`the OS keychain is not usable here, so secrets go to the encrypted file keyring in ${fileKeyringDir(options.env)}`);
  await record(options, 'file');
  return file;
}

function resolvePreference(options: OpenKeyringOptions): KeyringPreference {
  const fromEnv = options.env.AWSDIR_KEYRING;
  if (fromEnv === undefined || fromEnv === '') return options.preference;
  if (fromEnv === 'auto' || fromEnv === 'os' || fromEnv === 'file') return fromEnv;
  throw new ConfigError(`AWSDIR_KEYRING=${JSON.stringify(fromEnv).slice(0, 40)} is not a keyring; use auto, os or file`);
}

function osKeyring(options: OpenKeyringOptions): Keyring {
  return createOsKeyring({
    env: options.env,
    platform: options.platform ?? process.platform,
    node: options.node ?? process.execPath,
    ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
  });
}

function fileKeyring(options: OpenKeyringOptions): Keyring {
  const passphrase = options.env.AWSDIR_FILE_PASSPHRASE;
  return createFileKeyring({
    dir: fileKeyringDir(options.env),
    ...(passphrase ? { passphrase } : {}),
    ...(options.promptPassphrase ? { promptPassphrase: options.promptPassphrase } : {}),
  });
}

async function record(options: OpenKeyringOptions, backend: KeyringBackend): Promise<void> {
  try {
    await options.recordPick(backend);
  } catch (error) {
    // The keyring works; failing to remember the pick only means `auto` runs again next time.
    options.reporter.warn(
      `could not record 'keyring: ${backend}' in the user file (${error instanceof Error ? error.message : String(error)}); awsdir will pick again next time`,
    );
  }
}

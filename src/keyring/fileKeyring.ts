import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AwsdirError } from '../core/errors';
import { syncDir, writeFileAtomic } from '../core/writeFileAtomic';
import type { Keyring } from './keyring';

export interface FileKeyringOptions {
  /** fileKeyringDir(env). Created 0700. */
  dir: string;
  /** AWSDIR_FILE_PASSPHRASE, when set. */
  passphrase?: string;
  /** Asks the person on the terminal; absent when there is no way to ask. */
  promptPassphrase?: (prompt: string) => Promise<string>;
  /** Key derivation cost; tests may lower it. Stored in the verifier, so a keyring keeps its own. */
  scryptN?: number;
}

const VERIFIER = 'verifier.json';
const VERIFIER_TEXT = 'awsdir file keyring';
const ENTRY_SUFFIX = '.entry';
const DEFAULT_SCRYPT_N = 2 ** 15;

interface Verifier {
  v: 1;
  kdf: 'scrypt';
  salt: string;
  N: number;
  r: number;
  p: number;
  /** VERIFIER_TEXT sealed with the derived key: proves a passphrase right before anything is touched. */
  check: Sealed;
}

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

interface Keys {
  /** AES-256-GCM key for the values. */
  seal: Buffer;
  /** HMAC key for file names, so a name reveals nothing without the passphrase. */
  name: Buffer;
}

/**
 * The encrypted file backend for machines without a usable OS keychain (headless servers, WSL,
 * containers): one file per entry, AES-256-GCM under a key derived with scrypt from a passphrase.
 * A file's name is an HMAC of the entry name, and the entry name is sealed inside with the value
 * (and bound to it as associated data), so files can be neither read nor swapped. Every write goes
 * to a temp file that is synced and renamed over the old one: a crash or a full disk leaves the
 * previous value.
 */
export function createFileKeyring(options: FileKeyringOptions): Keyring {
  const dir = options.dir;
  let keys: Promise<Keys> | undefined;
  // The key derivation is the slow part (~0.1 s): once per process.
  const unlock = (): Promise<Keys> =>
    (keys ??= openKeys(options).catch((error: unknown) => {
      keys = undefined;
      throw error;
    }));

  const entryPath = (k: Keys, name: string): string => join(dir, entryId(k, name) + ENTRY_SUFFIX);

  const keyring: Keyring = {
    backend: 'file',
    async get(name) {
      const k = await unlock();
      const path = entryPath(k, name);
      let raw: string;
      try {
        raw = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw fileError(`cannot read entry ${name}`, error, dir);
      }
      const opened = openEntry(k, entryId(k, name), raw);
      if (!opened || opened.name !== name) {
        throw new AwsdirError(
          `file keyring: entry ${name} in ${dir} is damaged and cannot be decrypted; remove it (\`awsdir clear\` for sessions, \`awsdir add\` again for a source)`,
        );
      }
      return opened.value;
    },
    async set(name, value) {
      const k = await unlock();
      writeAtomic(dir, entryPath(k, name), JSON.stringify(sealEntry(k, name, value)));
    },
    async delete(name) {
      const k = await unlock();
      try {
        unlinkSync(entryPath(k, name));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw fileError(`cannot remove entry ${name}`, error, dir);
      }
    },
    async list() {
      const k = await unlock();
      const names: string[] = [];
      for (const file of readdirSync(dir)) {
        if (!file.endsWith(ENTRY_SUFFIX)) continue;
        let raw: string;
        try {
          raw = readFileSync(join(dir, file), 'utf8');
        } catch {
          continue; // removed while we looked
        }
        const opened = openEntry(k, file.slice(0, -ENTRY_SUFFIX.length), raw);
        if (opened && !opened.name.startsWith(PROBE_PREFIX)) names.push(opened.name);
      }
      return names.sort();
    },
    async probeWrite() {
      const name = `${PROBE_PREFIX}${randomBytes(6).toString('hex')}`;
      await keyring.set(name, 'probe');
      await keyring.delete(name);
    },
  };
  return keyring;
}

const PROBE_PREFIX = 'probe/';

async function openKeys(options: FileKeyringOptions): Promise<Keys> {
  ensureDir(options.dir);
  sweepTemps(options.dir);
  const verifierPath = join(options.dir, VERIFIER);
  const existing = readVerifier(verifierPath);
  if (existing) {
    const passphrase = await getPassphrase(options, `Passphrase for the awsdir file keyring (${options.dir}): `);
    const keys = await deriveKeys(passphrase, existing);
    const opened = open(keys.seal, existing.check, Buffer.from('verifier'));
    if (opened === null || opened !== VERIFIER_TEXT) {
      throw new AwsdirError(`file keyring: wrong passphrase for ${options.dir}; nothing was changed; check AWSDIR_FILE_PASSPHRASE (or what you typed)`);
    }
    return keys;
  }

  let passphrase: string;
  if (options.passphrase !== undefined && options.passphrase !== '') {
    passphrase = options.passphrase;
  } else {
    passphrase = await getPassphrase(options, `New passphrase for the awsdir file keyring (${options.dir}): `);
    const again = await getPassphrase(options, 'Repeat the passphrase: ');
    if (again !== passphrase) throw new AwsdirError('file keyring: the two passphrases differ; nothing was created; run the command again');
  }
  const params = { N: options.scryptN ?? DEFAULT_SCRYPT_N, r: 8, p: 1 };
  const salt = randomBytes(16).toString('base64');
  const partial = { v: 1 as const, kdf: 'scrypt' as const, salt, ...params };
  const keys = await deriveKeys(passphrase, partial);
  const verifier: Verifier = { ...partial, check: seal(keys.seal, VERIFIER_TEXT, Buffer.from('verifier')) };
  // Linked into place, so that of two processes creating the keyring at once exactly one verifier
  // wins and the other process checks its passphrase against it.
  const temp = writeTemp(options.dir, JSON.stringify(verifier));
  try {
    linkSync(temp, verifierPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError('cannot create the passphrase verifier', error, options.dir);
    return openKeys(options);
  } finally {
    safeUnlink(temp);
  }
  syncDir(options.dir);
  return keys;
}

async function getPassphrase(options: FileKeyringOptions, prompt: string): Promise<string> {
  if (options.passphrase !== undefined && options.passphrase !== '') return options.passphrase;
  if (!options.promptPassphrase) {
    throw new AwsdirError('file keyring: no passphrase and no terminal to ask for one; set AWSDIR_FILE_PASSPHRASE');
  }
  const typed = await options.promptPassphrase(prompt);
  if (typed === '') throw new AwsdirError('file keyring: an empty passphrase protects nothing; enter one, or set AWSDIR_FILE_PASSPHRASE');
  return typed;
}

function readVerifier(path: string): Verifier | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileError('cannot read the passphrase verifier', error, path);
  }
  try {
    const v = JSON.parse(raw) as Verifier;
    if (v.v === 1 && v.kdf === 'scrypt' && typeof v.salt === 'string' && Number.isInteger(v.N) && v.check) return v;
  } catch {
    // fall through
  }
  throw new AwsdirError(
    `file keyring: ${path} is damaged; without it no entry can be checked; restore it from a backup, or move the keyring directory away to start afresh`,
  );
}

const derived = new Map<string, Promise<Buffer>>();

function deriveKeys(passphrase: string, params: { salt: string; N: number; r: number; p: number }): Promise<Keys> {
  const id = `${params.salt}:${params.N}:${params.r}:${params.p}:${createHmac('sha256', params.salt).update(passphrase).digest('hex')}`;
  let material = derived.get(id);
  if (!material) {
    const scryptOptions: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
    material = new Promise<Buffer>((resolve, reject) =>
      scrypt(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), 64, scryptOptions, (error, key) => (error ? reject(error) : resolve(key))),
    );
    derived.set(id, material);
  }
  return material.then((key) => ({ seal: key.subarray(0, 32), name: key.subarray(32, 64) }));
}

function seal(key: Buffer, text: string, aad: Buffer): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

function open(key: Buffer, sealed: Sealed, aad: Buffer): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

interface EntryFile {
  v: 1;
  sealed: Sealed;
}

const entryId = (k: Keys, name: string): string => createHmac('sha256', k.name).update(name).digest('hex');

/** The file's id (its name) is the associated data: a file copied over another entry's fails. */
function sealEntry(k: Keys, name: string, value: string): EntryFile {
  return { v: 1, sealed: seal(k.seal, JSON.stringify({ name, value }), Buffer.from(entryId(k, name))) };
}

function openEntry(k: Keys, id: string, raw: string): { name: string; value: string } | null {
  try {
    const file = JSON.parse(raw) as EntryFile;
    if (file.v !== 1 || !file.sealed) return null;
    const text = open(k.seal, file.sealed, Buffer.from(id));
    if (text === null) return null;
    const inner = JSON.parse(text) as { name?: unknown; value?: unknown };
    if (typeof inner.name !== 'string' || typeof inner.value !== 'string' || entryId(k, inner.name) !== id) return null;
    return { name: inner.name, value: inner.value };
  } catch {
    return null;
  }
}

function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // An existing directory may have been created by hand with looser bits.
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * A writer killed between creating its temp file and the rename leaves the temp behind. It holds
 * only ciphertext, but it is litter: removed once its writer is gone (writeFileAtomic and
 * writeTemp both name temps `.tmp-PID-...`).
 */
function sweepTemps(dir: string): void {
  for (const file of readdirSync(dir)) {
    const pid = /^\.tmp-(\d+)-/.exec(file)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    safeUnlink(join(dir, file));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeTemp(dir: string, content: string): string {
  const temp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    return temp;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    safeUnlink(temp);
    throw fileError('cannot write', error, dir);
  }
}

function writeAtomic(dir: string, path: string, content: string): void {
  try {
    writeFileAtomic(path, content);
  } catch (error) {
    throw fileError('cannot write', error, dir);
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function fileError(what: string, error: unknown, dir: string): AwsdirError {
  if (error instanceof AwsdirError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AwsdirError(
      `file keyring: the disk is full (${code}) in ${dir}; the previous value of every entry is intact; free some space and run the command again`,
      {
        cause: error,
      },
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AwsdirError(`file keyring: ${what} in ${dir} (${code}); make the directory writable by you (chmod 700), or set AWSDIR_KEYRING=os`, {
      cause: error,
    });
  }
  return new AwsdirError(`file keyring: ${what} in ${dir} (${code ?? String(error)})`, { cause: error });
}

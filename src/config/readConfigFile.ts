import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { ConfigError } from '../core/errors';

export const MAX_CONFIG_BYTES = 64 * 1024;

export interface ConfigText {
  file: string;
  text: string;
  sha256: string;
}

/**
 * Reads a YAML file the way every config file must be read: small, text, UTF-8. A project file
 * may be a symlink only to a file inside its own directory tree, because approving a file means
 * approving its content and a link to elsewhere could change under it without any commit showing.
 */
export function readConfigFile(file: string, options: { confineTo?: string } = {}): ConfigText {
  const bytes = readRegularFile(file);
  if (options.confineTo !== undefined) checkConfined(file, options.confineTo);
  if (bytes.includes(0)) {
    throw new ConfigError(`${file}: this is a binary file, not YAML; allowed: a UTF-8 text file of YAML`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${file}: not valid UTF-8 text; allowed: a UTF-8 text file of YAML (save it as UTF-8)`);
  }
  return { file, text: text.replace(/^\uFEFF/, ''), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Opened without waiting: opening a FIFO for reading waits for a writer, and a read of a FIFO or a
 * terminal waits for input, both inside a synchronous call that holds the event loop, so not even
 * SIGINT or SIGTERM would end the command. With O_NONBLOCK the open returns at once, and fstat on
 * the descriptor (not a stat of the path before it, which a swap could outrun) refuses anything
 * but a regular file before a byte is read. On a regular file O_NONBLOCK changes nothing.
 */
const READ_WITHOUT_WAITING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A regular file's bytes, at most `maxBytes`; anything else is refused (exit 3) naming the file. */
export function readRegularFile(file: string, maxBytes: number = MAX_CONFIG_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, READ_WITHOUT_WAITING);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: the file does not exist; allowed: a path to an existing .awsdir.yaml`, { cause: error });
    throw new ConfigError(`${file}: cannot be read (${code ?? String(error)}); allowed: a readable regular file`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`${file}: not a regular file (${kindOf(stat)}); allowed: a regular file`);
    if (stat.size > maxBytes) {
      throw new ConfigError(`${file}: ${stat.size} bytes is far too large for a config file; allowed: at most ${maxBytes / 1024} KiB`);
    }
    // Read one byte more than allowed, so a file that grows while we read is still caught.
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) {
        throw new ConfigError(`${file}: far too large for a config file; allowed: at most ${maxBytes / 1024} KiB`);
      }
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function checkConfined(file: string, root: string): void {
  if (!lstatSync(file).isSymbolicLink()) return;
  const target = realpathSync(file);
  const base = realpathSync(root);
  if (target !== base && !target.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw new ConfigError(
      `${file}: a symlink to ${target}, outside ${base}; a project file must live in its own directory tree, so that what you approve is what the project holds; allowed: a regular file, or \`extends: ${relativeHint(file, target)}\` in a real .awsdir.yaml`,
    );
  }
}

function relativeHint(file: string, target: string): string {
  return relative(dirname(file), target) || target;
}

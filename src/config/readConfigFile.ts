import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
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
  const bytes = readCapped(file);
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

function readCapped(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: the file does not exist; allowed: a path to an existing .awsdir.yaml`, { cause: error });
    throw new ConfigError(`${file}: cannot be read (${code ?? String(error)}); allowed: a readable regular file`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`${file}: not a regular file; allowed: a regular YAML file`);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`${file}: ${stat.size} bytes is far too large for a config file; allowed: at most ${MAX_CONFIG_BYTES / 1024} KiB`);
    }
    // Read one byte more than allowed, so a file that grows while we read is still caught.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_BYTES) {
        throw new ConfigError(`${file}: far too large for a config file; allowed: at most ${MAX_CONFIG_BYTES / 1024} KiB`);
      }
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
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

import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `text` to `path` under `home`, creating its directories; returns the file's path. */
export const fileWriter =
  (home: string) =>
  (path: string, text: string): string => {
    const file = join(home, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

/** A fresh HOME (its real path) for tests of the configuration, with the XDG directories awsdir reads there. */
export function configHome(prefix: string) {
  const home = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') };
  return { home, env, write: fileWriter(home) };
}

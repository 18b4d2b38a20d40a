import { lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_FILE_NAME = '.awsdir.yaml';

/** The nearest .awsdir.yaml walking up from `dir` to the filesystem root, or undefined. */
export function findProjectFile(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, PROJECT_FILE_NAME);
    // lstat: a symlinked project file is found here and judged by the reader, not skipped.
    if (lstatSync(candidate, { throwIfNoEntry: false })) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const AWSDIR_BUNDLED: boolean | undefined;

/**
 * The text of direnv/awsdir.sh, which defines `use_aws` for direnv.
 *
 * The bundle embeds it at build time rather than reading it from beside dist/ at run time: the
 * printed helper then always matches the awsdir that prints it, and it keeps working when the CLI
 * bundle is copied or packaged on its own. Unbundled (tests that load the sources), it is read
 * from the source tree, which a text import would not survive.
 */
export async function loadDirenvHelper(): Promise<string> {
  if (typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED) {
    return (await import('../../direnv/awsdir.sh', { with: { type: 'text' } })).default;
  }
  return readFileSync(join(__dirname, '..', '..', 'direnv', 'awsdir.sh'), 'utf8');
}

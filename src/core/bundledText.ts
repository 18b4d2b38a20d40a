import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file of the repository that awsdir prints or writes, by its path from the repository root. */
export type BundledText = 'direnv/awsdir.sh' | 'templates/.envrc' | 'templates/.awsdir.yaml' | 'templates/demo-fixture.yaml';

/**
 * The text of the direnv helper (which defines `use_aws`), of a template `awsdir init` writes, or
 * of the demo's accounts, users and roles.
 *
 * The bundle embeds each at build time rather than reading it from beside dist/ at run time: what
 * is printed or written then always matches the awsdir that does it, and it keeps working when the
 * CLI bundle is copied or packaged on its own. Unbundled (tests that load the sources), it is read
 * from the source tree, which a text import would not survive.
 */
export async function loadBundledText(file: BundledText): Promise<string> {
  if (typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED) {
    switch (file) {
      case 'direnv/awsdir.sh':
        return (await import('../../direnv/awsdir.sh', { with: { type: 'text' } })).default;
      case 'templates/.envrc':
        return (await import('../../templates/.envrc', { with: { type: 'text' } })).default;
      case 'templates/.awsdir.yaml':
        return (await import('../../templates/.awsdir.yaml', { with: { type: 'text' } })).default;
      case 'templates/demo-fixture.yaml':
        return (await import('../../templates/demo-fixture.yaml', { with: { type: 'text' } })).default;
    }
  }
  return readFileSync(join(__dirname, '..', '..', file), 'utf8');
}

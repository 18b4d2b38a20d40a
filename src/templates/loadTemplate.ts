import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const AWSDIR_BUNDLED: boolean | undefined;

export type TemplateName = 'envrc' | 'awsdir.yaml';

/**
 * The text of templates/.envrc or templates/.awsdir.yaml. Embedded in the bundle at build time, so
 * `awsdir init` writes what this very awsdir understands even when dist/ is copied on its own;
 * read from the source tree when the sources are loaded directly (tests).
 */
export async function loadTemplate(name: TemplateName): Promise<string> {
  if (typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED) {
    return name === 'envrc'
      ? (await import('../../templates/.envrc', { with: { type: 'text' } })).default
      : (await import('../../templates/.awsdir.yaml', { with: { type: 'text' } })).default;
  }
  return readFileSync(join(__dirname, '..', '..', 'templates', `.${name}`), 'utf8');
}

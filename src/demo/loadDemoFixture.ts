import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

declare const AWSDIR_BUNDLED: boolean | undefined;

/**
 * The demo's accounts, users and roles (templates/demo-fixture.yaml), parsed. The bundle embeds the
 * file so the demo works from any copy of dist/, the same way the direnv helper is embedded;
 * unbundled (tests), it is read from the source tree.
 */
export async function loadDemoFixture(): Promise<object> {
  const text =
    typeof AWSDIR_BUNDLED !== 'undefined' && AWSDIR_BUNDLED
      ? (await import('../../templates/demo-fixture.yaml', { with: { type: 'text' } })).default
      : readFileSync(join(__dirname, '..', '..', 'templates', 'demo-fixture.yaml'), 'utf8');
  return parse(text) as object;
}

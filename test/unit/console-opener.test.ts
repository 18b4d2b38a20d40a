/**
 * The browser opener `awsdir console` starts, per platform: `open` on macOS, `cmd /c start` on
 * Windows, `xdg-open` elsewhere. No macOS or Windows runs here, so the platform is switched and
 * each opener is a stand-in on PATH that records its arguments and then does what a browser does
 * with them: reads the page, follows its one-shot link and gets the redirect to the sign-in URL.
 * The real flow on Linux, with another user trying the opener's arguments first, is in
 * test/integration/console.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openThroughOneShotRedirect } from '../../src/console/signIn';
import type { Reporter } from '../../src/core/reporter';

const SIGNIN = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=token-for-the-browser-only';
const reporter: Reporter = { info: () => undefined, warn: () => undefined, debug: () => undefined, color: false, debugEnabled: false };

/** A browser opener named `name` that writes what it got to `record`, then opens it as a browser would. */
function standIn(bin: string, name: string, record: string): void {
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, name),
    `#!${process.execPath}
const { readFileSync, writeFileSync } = require('node:fs');
const { fileURLToPath } = require('node:url');
(async () => {
  const args = process.argv.slice(2);
  const page = args.find((a) => a.startsWith('file:'));
  const text = page ? readFileSync(fileURLToPath(page), 'utf8') : '';
  const link = JSON.parse(/location\\.replace\\(("[^"]*")\\)/.exec(text)[1]);
  const r = await fetch(link, { redirect: 'manual' });
  // awsdir is done once it has served the redirect: what the browser got is written after that.
  writeFileSync(${JSON.stringify(record)} + '.tmp', JSON.stringify({ name: ${JSON.stringify(name)}, args, status: r.status, location: r.headers.get('location') }));
  require('node:fs').renameSync(${JSON.stringify(record)} + '.tmp', ${JSON.stringify(record)});
})();
`,
  );
  chmodSync(join(bin, name), 0o755);
}

/** The stand-in's record, once it has written it (it outlives awsdir's part, as a browser does). */
async function whenWritten(file: string): Promise<string> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return readFileSync(file, 'utf8');
}

function place() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-opener-')));
  const runtime = join(root, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  return {
    root,
    bin: join(root, 'bin'),
    record: join(root, 'record.json'),
    env: { HOME: root, XDG_RUNTIME_DIR: runtime, XDG_STATE_HOME: join(root, 'state') },
  };
}

describe.each([
  ['darwin', 'open', (page: string) => [page]],
  ['win32', 'cmd', (page: string) => ['/c', 'start', '""', page]],
  ['linux', 'xdg-open', (page: string) => [page]],
  ['freebsd', 'xdg-open', (page: string) => [page]],
] as const)('on %s', (platform, opener, argsFor) => {
  it(`starts ${opener} with the path of the page only, and the browser gets the sign-in URL`, async () => {
    const { bin, record, env } = place();
    // Every opener is on PATH: the platform alone picks one.
    for (const name of ['open', 'cmd', 'xdg-open']) standIn(bin, name, record);
    await openThroughOneShotRedirect(SIGNIN, { platform, env: { ...env, PATH: bin }, signal: new AbortController().signal, reporter, timeoutMs: 20_000 });
    const got = JSON.parse(await whenWritten(record)) as { name: string; args: string[]; status: number; location: string };
    const page = got.args[got.args.length - 1]!;
    expect(page).toMatch(new RegExp(`^file://${env.XDG_RUNTIME_DIR}/`));
    expect(got).toEqual({ name: opener, args: argsFor(page), status: 302, location: SIGNIN });
    expect(JSON.stringify(got.args)).not.toContain('SigninToken');
    // Used once: the page is gone.
    expect(existsSync(new URL(page))).toBe(false);
  });

  it(`without ${opener}, says so and names --print`, async () => {
    const { root, env } = place();
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(
      openThroughOneShotRedirect(SIGNIN, { platform, env: { ...env, PATH: empty }, signal: new AbortController().signal, reporter, timeoutMs: 20_000 }),
    ).rejects.toThrow(`console: no browser opener (${opener}) is installed; run \`awsdir console --print\` and open the URL in a browser yourself`);
  });
});

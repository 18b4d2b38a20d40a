import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The stand-in browser for IAM Identity Center sign-ins, installed as `xdg-open` on PATH: it reads
 * the private page awsdir gives it, follows it to the verification URL, and does what the person
 * does there, as the mode file says: confirm the code through the emulator's hook (approve), deny
 * it, let it expire (the emulator's clock moves past its end), or nothing (ignore). Every opening
 * is recorded.
 */
const BROWSER = `
const fs = require('node:fs');
const { fileURLToPath } = require('node:url');
(async () => {
  const args = process.argv.slice(2);
  const page = fs.statSync(fileURLToPath(args[0]));
  const html = fs.readFileSync(fileURLToPath(args[0]), 'utf8');
  const link = /location\\.replace\\("([^"]+)"\\)/.exec(html)[1];
  const location = (await fetch(link, { redirect: 'manual' })).headers.get('location');
  const url = new URL(location);
  const mode = fs.readFileSync(process.env.BROWSER_MODE, 'utf8').trim();
  fs.appendFileSync(process.env.BROWSER_RECORD, JSON.stringify({ args, location, mode, pageMode: (page.mode & 0o777).toString(8) }) + '\\n');
  const hook = (path, body) => fetch(url.origin + '/__emulator/' + path, { method: 'POST', body: JSON.stringify(body) });
  const code = url.searchParams.get('user_code');
  if (mode === 'approve') await hook('sso/approve', { user: 'alice', user_code: code });
  if (mode === 'deny') await hook('sso/approve', { user: 'alice', user_code: code, deny: true });
  if (mode === 'expire') await hook('clock', { advanceSeconds: 601 });
})().catch((e) => {
  fs.appendFileSync(process.env.BROWSER_RECORD, JSON.stringify({ error: String(e) }) + '\\n');
  process.exit(1);
});
`;

export type BrowserMode = 'approve' | 'deny' | 'expire' | 'ignore';

export interface BrowserOpening {
  args: string[];
  location: string;
  mode: string;
  pageMode: string;
  error?: string;
}

export interface StandInBrowser {
  /** PATH entries and variables the stand-in needs. */
  bin: string;
  env: { BROWSER_RECORD: string; BROWSER_MODE: string };
  mode(mode: BrowserMode): void;
  openings(): BrowserOpening[];
}

export function installStandInBrowser(home: string): StandInBrowser {
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'xdg-open'), `#!${process.execPath}\n${BROWSER}`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const record = join(home, 'browser.jsonl');
  const modeFile = join(home, 'browser-mode');
  writeFileSync(modeFile, 'approve');
  return {
    bin,
    env: { BROWSER_RECORD: record, BROWSER_MODE: modeFile },
    mode: (mode) => writeFileSync(modeFile, mode),
    openings: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as BrowserOpening)
        : [],
  };
}

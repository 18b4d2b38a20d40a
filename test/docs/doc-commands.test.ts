import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, makeHome, ROOT, runCli, runProcess, type CliResult } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { startPrivateKeychain, type PrivateKeychain } from '../support/privateKeychain';
import { extractCommands, type DocCommand } from './extractCommands';

/**
 * Every command shown in README.md and docs/*.md runs here, against the emulator, in a private
 * HOME, in one bash per page (so `cd` and `eval` carry over as they would for a reader), with
 * direnv's prompt hook run after each command as an interactive shell would. The convention for
 * marking commands is in ./extractCommands.ts and docs/README.md.
 *
 * Each page gets a machine of its own: its own emulator (a page that rotates alice's key or spends
 * MFA codes leaves the next page nothing) and its own keychain (a session another page cached
 * would spare a page the MFA code it should ask for), so no page passes or fails because of
 * the pages before it.
 */
jest.setTimeout(240_000);

const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/*
 * Prints the code alice's device shows now. When every code of this 30-second step was spent (AWS
 * takes each once, and pages spend several in a few seconds), the emulator's clock moves to the
 * next step, as a reader would wait for their device to show a new code.
 */
const MFA_CODE_SCRIPT = `const [url, serial] = process.argv.slice(2);
(async () => {
  for (let tries = 0; tries < 5; tries++) {
    const r = await fetch(url + '/__emulator/totp?serial=' + encodeURIComponent(serial));
    const j = await r.json();
    if (r.status === 200 && j.code) return process.stdout.write(j.code);
    if (r.status !== 409) throw new Error('emulator totp: ' + (j.error || r.status));
    await fetch(url + '/__emulator/clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: j.retryAfterSeconds || 1 }) });
  }
  throw new Error('emulator totp: no code after moving the clock five times');
})().catch((e) => { process.stderr.write('doc-test harness: ' + e.message + '\\n'); process.exit(1); });
`;

/** A reader's machine after `awsdir add` (and, unless `fresh`, after getting-started). */
async function prepareHome(fresh: boolean, emulator: TestEmulator, keychain: PrivateKeychain): Promise<{ home: string; env: Record<string, string> }> {
  const { home, env: homeEnv } = makeHome('awsdir-docs-');
  const bin = join(home, 'bin');
  mkdirSync(bin);
  // `awsdir` on PATH hands every run the emulator's current MFA code, as a reader would type it.
  writeFileSync(join(home, '.mfa-code.cjs'), MFA_CODE_SCRIPT);
  writeFileSync(
    join(bin, 'awsdir'),
    `#!/bin/sh
code=$(${shq(process.execPath)} "$HOME/.mfa-code.cjs" ${shq(emulator.url)} arn:aws:iam::111111111111:mfa/alice) || exit 99
export AWSDIR_MFA_CODE="$code"
exec ${shq(process.execPath)} ${shq(CLI)} "$@"
`,
  );
  chmodSync(join(bin, 'awsdir'), 0o755);
  const env: Record<string, string> = {
    ...homeEnv,
    ...emulator.env,
    ...keychain.env,
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    USER: 'alice',
    DIRENV_WARN_TIMEOUT: '60s',
    DIRENV_LOG_FORMAT: 'direnv: %s',
  };
  for (const d of ['production/yatteiki', 'development', 'staging']) mkdirSync(join(home, d), { recursive: true });
  const keys = emulator.keys('alice');
  const add = await runCli(['add', '--from-env'], { env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
  if (add.exitCode !== 0) throw new Error(`harness: awsdir add failed: ${add.stderr}`);
  if (!fresh) {
    const setup = [
      'awsdir hook direnv --install',
      'awsdir init --role arn:aws:iam::222222222222:role/admin --region ap-northeast-1 --label production --dir ~/production/yatteiki --allow',
      'awsdir init --role arn:aws:iam::333333333333:role/admin --region eu-west-1 --label development --dir ~/development --allow',
    ].join(' && ');
    const r = await runProcess('bash', ['-c', setup], { env, cwd: home, timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw new Error(`harness: setup failed: ${r.stderr}`);
  }
  return { home, env };
}

/** One bash for the page; after each command its exit code goes to a file, then direnv's hook runs. */
function pageScript(commands: DocCommand[], rcFile: string): string {
  const parts = ['cd ~', 'set +e'];
  commands.forEach((c, i) => {
    parts.push(`printf '\\n>>> %s\\n' ${shq(`${c.file}:${c.line}: ${c.command}`)} >&2`);
    parts.push(c.command);
    parts.push(`printf '%s %s\\n' ${i} $? >> ${shq(rcFile)}`);
    parts.push('eval "$(direnv export bash)"');
  });
  return `${parts.join('\n')}\n`;
}

describe('every command in the docs', () => {
  test('the docs follow the marking convention', () => {
    const problems = pages.flatMap((p) => extractCommands(p, readFileSync(join(ROOT, p), 'utf8')).problems);
    expect(problems).toEqual([]);
  });

  test.each(pages)('%s', async (page) => {
    const { commands, fresh } = extractCommands(page, readFileSync(join(ROOT, page), 'utf8'));
    const run = commands.filter((c) => !c.skip);
    if (run.length === 0) return;
    const emulator = await startTestEmulator();
    const keychain = await startPrivateKeychain(mkdtempSync(join(tmpdir(), 'awsdir-docs-keychain-')));
    let ran: { home: string; rcFile: string; result: CliResult };
    try {
      const { home, env } = await prepareHome(fresh, emulator, keychain);
      const rcFile = join(home, '.doc-rc');
      writeFileSync(rcFile, '');
      ran = { home, rcFile, result: await runProcess('bash', ['-c', pageScript(run, rcFile)], { env, cwd: home, timeoutMs: 180_000 }) };
    } finally {
      await keychain.stop();
      await emulator.close();
    }
    const codes = new Map(
      readFileSync(ran.rcFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number) as [number, number]),
    );
    const failures = run
      .map((c, i) => ({ c, got: codes.get(i) }))
      .filter(({ c, got }) => got !== c.expectExit)
      .map(({ c, got }) => `${c.file}:${c.line}: \`${c.command}\` exited with ${got ?? '(never ran)'}, expected ${c.expectExit}`);
    if (failures.length)
      throw new Error(`${failures.join('\n')}\n--- output of the page's shell ---\n${ran.result.stderr.slice(-6000)}\n${ran.result.stdout.slice(-2000)}`);
    expect(existsSync(ran.home)).toBe(true);
  });
});

describe('docs/commands.md', () => {
  test('names every command of `awsdir --help` and every flag of its help', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'commands.md'), 'utf8');
    const sections = new Map<string, string>();
    for (const part of doc.split(/^### /m).slice(1)) {
      const name = /^`awsdir ([a-z-]+)/.exec(part)?.[1];
      if (name) sections.set(name, `${sections.get(name) ?? ''}${part}`);
    }
    const help = (await runCli(['--help'])).stdout;
    const names = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1] ?? '').filter((n) => n && n !== 'help');
    expect(names.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const name of names) {
      // `allow` and `deny` share a section.
      const section =
        sections.get(name) ?? [...sections.entries()].find(([, text]) => text.startsWith(`\`awsdir ${name}`) || text.includes(`\`awsdir ${name} [`))?.[1];
      if (!section) {
        missing.push(`command ${name}`);
        continue;
      }
      const own = (await runCli([name, '--help'])).stdout;
      for (const flag of own.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)) {
        if (flag[1] !== '--help' && !section.includes(`\`${flag[1]}`)) missing.push(`${name} ${flag[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

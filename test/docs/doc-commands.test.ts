import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, runProcess } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { makeWorld, type World } from '../support/world';
import { extractCommands, type DocCommand } from './extractCommands';

/**
 * Every command shown in README.md and docs/*.md runs here, against the emulator, in a private
 * HOME, in one bash per page (so `cd` and `eval` carry over as they would for a reader), with
 * direnv's prompt hook run after each command as an interactive shell would. The convention for
 * marking commands is in ./extractCommands.ts and docs/README.md.
 */
jest.setTimeout(240_000);

const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
let emulator: TestEmulator;
const worlds: World[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  for (const w of worlds) await w.close();
  await emulator?.close();
});

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A reader's machine after `awsdir add` (and, unless `fresh`, after getting-started). */
async function prepareHome(fresh: boolean): Promise<{ home: string; env: Record<string, string> }> {
  const w = await makeWorld('docs', {
    emu: emulator,
    // The docs' commands name no source: theirs is the one `awsdir add` names when it is given none.
    source: 'default',
    userFile: false,
    // `awsdir` on PATH hands every run the emulator's current MFA code, as a reader would type it.
    onPath: {
      prelude: `code=$(${shq(process.execPath)} -e 'fetch(process.argv[1]).then((r) => r.json()).then((j) => process.stdout.write(j.code || ""), () => {})' ${shq(emulator.totpUrl())})
if [ -n "$code" ]; then export AWSDIR_MFA_CODE="$code"; fi`,
    },
    env: { DIRENV_WARN_TIMEOUT: '60s', DIRENV_LOG_FORMAT: 'direnv: %s' },
  });
  worlds.push(w);
  const { home, env } = w;
  for (const d of ['production/yatteiki', 'development', 'staging']) mkdirSync(join(home, d), { recursive: true });
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
    const { home, env } = await prepareHome(fresh);
    const rcFile = join(home, '.doc-rc');
    writeFileSync(rcFile, '');
    const result = await runProcess('bash', ['-c', pageScript(run, rcFile)], { env, cwd: home, timeoutMs: 180_000 });
    const codes = new Map(
      readFileSync(rcFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number) as [number, number]),
    );
    const failures = run
      .map((c, i) => ({ c, got: codes.get(i) }))
      .filter(({ c, got }) => got !== c.expectExit)
      .map(({ c, got }) => `${c.file}:${c.line}: \`${c.command}\` exited with ${got ?? '(never ran)'}, expected ${c.expectExit}`);
    if (failures.length) throw new Error(`${failures.join('\n')}\n--- output of the page's shell ---\n${result.stderr.slice(-6000)}\n${result.stdout.slice(-2000)}`);
    expect(existsSync(home)).toBe(true);
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
      const section = sections.get(name) ?? [...sections.entries()].find(([, text]) => text.startsWith(`\`awsdir ${name}`) || text.includes(`\`awsdir ${name} [`))?.[1];
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

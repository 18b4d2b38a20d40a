/**
 * The MFA prompt at a real terminal: tmux gives the export a /dev/tty, send-keys types on it.
 * A wrong code is refused by STS, the prompt says so and asks again, the right one succeeds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MFA_SERIAL as SERIAL, ROLES } from '../support/fixture';
import { useWorld } from '../support/world';

const socket = `awsdir-prompt-${process.pid}`;
const w = useWorld('prompt', { projects: { production: `role: ${ROLES.productionAdmin}\nregion: eu-west-1\nlabel: production\n` } });

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'awsdir');

async function waitFor(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
});

test('a wrong code then a right one at the terminal prompt succeeds', async () => {
  const { home, env, emu } = w;
  const dir = w.dirs.production;

  const script = join(home, 'run.sh');
  const exports = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`)
    .join('\n');
  writeFileSync(
    script,
    `${exports}\n'${process.execPath}' '${w.cli}' export --dir '${dir}' > '${home}/out' 2> '${home}/err'\necho $? > '${home}/rc'\nsleep 30\n`,
  );
  tmux('new-session', '-d', '-s', 'awsdir', '-x', '200', '-y', '50', `bash ${script}`);

  await waitFor(() => screen().includes(`Enter MFA code for ${SERIAL}:`), 'the prompt');
  const right = await emu.totp(SERIAL);
  const wrong = right === '000000' ? '111111' : '000000';
  tmux('send-keys', '-t', 'awsdir', '-l', wrong);
  await waitFor(() => screen().includes('******'), 'the echo');
  tmux('send-keys', '-t', 'awsdir', 'Enter');
  await waitFor(() => screen().split(`Enter MFA code for ${SERIAL}:`).length === 3, 'the second prompt');
  tmux('send-keys', '-t', 'awsdir', '-l', right);
  tmux('send-keys', '-t', 'awsdir', 'Enter');
  await waitFor(() => existsSync(join(home, 'rc')), 'the export to finish');

  const text = screen();
  expect(text).not.toContain(wrong);
  expect(text).not.toContain(right);
  expect(readFileSync(join(home, 'rc'), 'utf8').trim()).toBe('0');
  const err = readFileSync(join(home, 'err'), 'utf8');
  expect(err).toContain('MFA code refused (wrong, or already used); try again (attempt 2 of 3)');
  expect(err).toContain('production · admin @ 222222222222');
  expect(readFileSync(join(home, 'out'), 'utf8')).toContain('assumed-role/admin/');
  const calls = (await emu.calls()).filter((c) => c.service === 'sts').map((c) => `${c.action}:${c.code}`);
  expect(calls.filter((c) => !c.startsWith('GetCallerIdentity'))).toEqual(['GetSessionToken:AccessDenied', 'GetSessionToken:OK', 'AssumeRole:OK']);
}, 60_000);

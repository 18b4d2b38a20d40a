/**
 * awsdir on the Node.js that runs these tests (CI runs them on the machine's Node.js and on 24),
 * through the built CLI: the AWS SDK's nine-line NodeVersionSupportWarning, which it prints on
 * Node.js below 22 whenever it loads, never reaches the person; the programs awsdir starts do not
 * inherit the switch that silences it; and doctor says, once, what the running version means.
 */
import { CLI, runCli } from '../support/cli';
import { addProject, closeWorld, makeWorld, PRODUCTION_PROJECT, type World } from '../helpers/world';

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const MAJOR = Number(process.versions.node.split('.')[0]);
const SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
let w: World;
let production: string;

beforeAll(async () => {
  w = await makeWorld('nodeversion');
  production = await addProject(w, 'production', PRODUCTION_PROJECT);
}, 60_000);

afterAll(() => closeWorld(w));

test(`a cache miss and whoami print nothing but their own lines (Node.js ${process.version})`, async () => {
  const miss = await runCli(['export', '--dir', production], { env: { ...w.env, AWSDIR_MFA_CODE: await w.emu.totp(SERIAL) } });
  expect(miss.exitCode).toBe(0);
  expect(miss.stderr).not.toContain('NodeVersionSupportWarning');
  expect(miss.stderr).toMatch(/^awsdir: production · admin @ 222222222222 \(acme-production\) · ap-northeast-1 · \S+ left · endpoint \S+\n$/);

  const whoami = await runCli(['exec', '--dir', production, '--', process.execPath, CLI, 'whoami'], { env: w.env });
  expect(whoami.exitCode).toBe(0);
  expect(whoami.stderr).toBe('');
  expect(whoami.stdout).toMatch(/^arn +arn:aws:sts::222222222222:assumed-role\/admin\/alice-production$/m);
});

test('the programs awsdir starts do not inherit the switch that silences the SDK', async () => {
  const show = `process.stdout.write(String(process.env.${SWITCH}))`;
  const r = await runCli(['exec', '--dir', production, '--', process.execPath, '-e', show], { env: w.env });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toBe('undefined');
  // A person's own setting is theirs, and passes through.
  const own = await runCli(['exec', '--dir', production, '--', process.execPath, '-e', show], { env: { ...w.env, [SWITCH]: 'false' } });
  expect(own.stdout).toBe('false');
});

test(`doctor says once what Node.js ${process.version} means, and the SDK adds nothing`, async () => {
  const r = await runCli(['doctor', '--json', '--source', w.source], { env: w.env, timeoutMs: 60_000 });
  const node = (JSON.parse(r.stdout) as Array<{ id: string; status: string; message: string; fix: string }>).find((c) => c.id === 'node-version');
  if (MAJOR >= 22) {
    expect(node).toEqual({ id: 'node-version', status: 'pass', message: `Node.js ${process.version}`, fix: '' });
  } else {
    expect(node).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        new RegExp(`^Node\\.js ${process.version.replace(/\./g, '\\.')} runs awsdir; it reached its end of life on \\d{4}-\\d\\d-\\d\\d`),
      ),
      fix: expect.stringContaining('install Node.js 24 (LTS) or 22'),
    });
  }
  expect(r.stderr).not.toContain('NodeVersionSupportWarning');

  const human = await runCli(['doctor', '--source', w.source], { env: w.env, timeoutMs: 60_000 });
  expect(human.stderr).not.toContain('NodeVersionSupportWarning');
  expect(human.stdout.match(/end of life/g)?.length ?? 0).toBe(MAJOR >= 22 ? 0 : 1);
});

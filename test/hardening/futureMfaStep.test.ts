/**
 * A laptop clock that ran ahead leaves awsdir's record of its last MFA time step in the future;
 * once the clock is corrected, that record must not hold a `cd` until the future arrives.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MFA_SERIAL as SERIAL } from '../support/fixture';
import { useWorld } from '../support/world';

jest.setTimeout(120_000);

const STEP_MS = 30_000;
const stepAt = (ms: number): number => Math.floor(ms / STEP_MS);

const world = useWorld('futurestep');

test('a recorded step a day ahead: export asks mfa_process at once and rewrites the record', async () => {
  // mfa_process: a program that prints the emulator's current code, as `ykman oath accounts code` would.
  const script = join(world.home, 'mfaCode.cjs');
  writeFileSync(script, `fetch(process.argv[2]).then((r) => r.json()).then((j) => process.stdout.write(j.code + '\\n'));\n`);
  const totpUrl = world.emu.totpUrl();
  const user = readFileSync(world.userFile, 'utf8');
  expect(user).toContain(`mfa_serial: ${SERIAL}`);
  writeFileSync(
    world.userFile,
    user.replace(`${world.source}:\n`, `${world.source}:\n    mfa_process: ${JSON.stringify(`${process.execPath} ${script} ${totpUrl}`)}\n`),
  );
  const dir = world.writeProject('future', 'role: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\nlabel: future\n');
  await world.allow(dir);

  const stateDir = join(world.home, '.local', 'state', 'awsdir');
  mkdirSync(stateDir, { recursive: true });
  const record = join(stateDir, 'mfa-last-step.json');
  const dayAhead = stepAt(Date.now()) + 2880;
  writeFileSync(record, JSON.stringify({ [SERIAL]: dayAhead, 'arn:aws:iam::111111111111:mfa/other': 1 }));

  const before = stepAt(Date.now());
  // The old behaviour waits a day; the runner kills it long before that.
  const r = await world.exportIn(dir, {}, 60_000);
  const after = stepAt(Date.now());
  expect({ exit: r.exitCode, signal: r.signal }).toEqual({ exit: 0, signal: null });
  expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
  const waits = [...r.stderr.matchAll(/waiting (\d+)s for a new MFA code window/g)].map((m) => Number(m[1]));
  for (const seconds of waits) expect(seconds).toBeLessThanOrEqual(30);
  expect((await world.emu.calls()).map((c) => c.action)).toEqual(expect.arrayContaining(['GetSessionToken', 'AssumeRole']));

  const recorded = JSON.parse(readFileSync(record, 'utf8')) as Record<string, number>;
  expect(recorded[SERIAL]).toBeGreaterThanOrEqual(before);
  expect(recorded[SERIAL]).toBeLessThanOrEqual(after);
  // Other devices' records are left alone.
  expect(recorded['arn:aws:iam::111111111111:mfa/other']).toBe(1);
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli } from './cli';
import { DEMO_FIXTURE, startTestEmulator, type TestEmulator } from './emulator';

/** The demo fixture's production role, as a person would write it in ~/production/.awsdir.yaml. */
export const PRODUCTION_PROJECT = 'role: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\nlabel: production\n';

/** An emulator, a private HOME that keeps keys in the OS keychain, and alice's keys added as a source. */
export interface World {
  emu: TestEmulator;
  home: string;
  /** Points awsdir at the emulator and the private HOME; USER is alice, so sessions are alice-<label>. */
  env: Record<string, string>;
  /** Unique to the test file: the keychain is shared by every test file of the run. */
  source: string;
}

/**
 * Starts the emulator and adds alice's keys as the source `<name><pid>`, the way a person would
 * (`awsdir add --from-env`), so a test begins where a set-up machine is.
 */
export async function makeWorld(name: string, fixture: string | object = DEMO_FIXTURE): Promise<World> {
  const emu = await startTestEmulator(fixture);
  try {
    const made = makeHome(`awsdir-${name}-`);
    const env = { ...made.env, ...emu.env, USER: 'alice' };
    const source = `${name}${process.pid}`;
    mkdirSync(join(made.home, '.config', 'awsdir'), { recursive: true });
    writeFileSync(join(made.home, '.config', 'awsdir', 'config.yaml'), 'version: 1\nkeyring: os\n');
    const keys = emu.keys('alice');
    const added = await runCli(['add', source, '--from-env'], { env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } });
    expect(added.exitCode).toBe(0);
    return { emu, home: made.home, env, source };
  } catch (err) {
    // No World reaches closeWorld then: a running emulator would keep jest from exiting.
    await emu.close();
    throw err;
  }
}

/** Writes `<home>/<dir>/.awsdir.yaml` naming the world's source, then allows it; returns the directory. */
export async function addProject(w: World, dir: string, body: string): Promise<string> {
  const path = join(w.home, dir);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, '.awsdir.yaml'), `version: 1\nsource: ${w.source}\n${body}`);
  expect((await runCli(['allow', path], { env: w.env })).exitCode).toBe(0);
  return path;
}

/** Removes the source (its keychain entries with it) and stops the emulator; safe after a failed makeWorld. */
export async function closeWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await runCli(['remove', w.source], { env: w.env }).catch(() => undefined);
  await w.emu.close();
}

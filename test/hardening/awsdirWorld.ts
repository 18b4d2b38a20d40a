// Kept so that files importing this path still build; new tests import test/support/world.
import { join } from 'node:path';
import type { TestEmulator } from '../support/emulator';
import { makeWorld, type World } from '../support/world';

export { MFA_SERIAL as SERIAL } from '../support/fixture';
export { filesHolding, sessionOf, walk } from '../support/secrets';

export type AwsdirWorld = World & { project(name: string, body: string, source?: string): string };

export async function createWorld(
  emu: TestEmulator,
  options: { prefix: string; source: string; env?: Record<string, string>; keyring?: 'os' | 'file'; userExtra?: string },
): Promise<AwsdirWorld> {
  const { prefix, ...rest } = options;
  const w = await makeWorld(prefix.replace(/^awsdir-|-$/g, ''), { emu, ...rest });
  return Object.assign(w, {
    project: (name: string, body: string, source?: string) => w.writeProject(join('projects', name), `session_name: ${name}\n${body}`, source),
  });
}

// Kept so that files importing this path still build; new tests import test/support/world.
import { makeWorld as make, type World } from '../support/world';

export type { World };
export { PRODUCTION_PROJECT } from '../support/fixture';

export const makeWorld = (name: string, fixture?: string | object): Promise<World> => make(name, fixture === undefined ? {} : { fixture });
export const addProject = (w: World, dir: string, body: string): Promise<string> => w.addProject(dir, body);
export const closeWorld = async (w: World | undefined): Promise<void> => w?.close();

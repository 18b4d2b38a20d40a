import type { RegisterCommand } from '../program';

/** Every command, in the order `awsdir --help` lists them. */
export const commands: RegisterCommand[] = [];

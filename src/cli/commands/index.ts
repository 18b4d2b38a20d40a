import type { RegisterCommand } from '../program';
import { registerHook } from './hook';
import { registerPrompt } from './prompt';

/** Every command, in the order `awsdir --help` lists them. */
export const commands: RegisterCommand[] = [
  registerHook,
  registerPrompt,
];

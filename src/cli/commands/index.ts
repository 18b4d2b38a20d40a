import type { RegisterCommand } from '../program';
import { registerEmulator } from './emulator';
import { registerAllow } from './allow';
import { registerDeny } from './deny';
import { registerHook } from './hook';
import { registerPrompt } from './prompt';

/** Every command, in the order `awsdir --help` lists them. */
export const commands: RegisterCommand[] = [
  registerHook,
  registerPrompt,
  registerAllow,
  registerDeny,
  registerEmulator,
];

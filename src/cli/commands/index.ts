import type { RegisterCommand } from '../program';
import { registerExport } from './export';
import { registerAdd } from './add';
import { registerLogin, registerLogout } from './login';
import { registerRemove } from './remove';
import { registerClear } from './clear';
import { registerEmulator } from './emulator';
import { registerAllow } from './allow';
import { registerDeny } from './deny';
import { registerHook } from './hook';
import { registerPrompt } from './prompt';
import { registerWhoami } from './whoami';
import { registerStatus } from './status';
import { registerExec } from './exec';
import { registerCredentialProcess } from './credentialProcess';
import { registerConsole } from './console';
import { registerInit } from './init';
import { registerDoctor } from './doctor';
import { registerRotate } from './rotate';
import { registerDemo } from './demo';
import { registerCompletion } from './completion';
import { registerServer } from './server';

/** Every command, in the order `awsdir --help` lists them. */
export const commands: RegisterCommand[] = [
  registerInit,
  registerExport,
  registerAdd,
  registerLogin,
  registerLogout,
  registerRemove,
  registerClear,
  registerHook,
  registerPrompt,
  registerAllow,
  registerDeny,
  registerEmulator,
  registerWhoami,
  registerStatus,
  registerExec,
  registerCredentialProcess,
  registerConsole,
  registerDoctor,
  registerRotate,
  registerServer,
  registerDemo,
  registerCompletion,
];

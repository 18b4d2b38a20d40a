import { runDemo } from '../../demo/runDemo';
import { loadEmulator } from '../../emulator/loadEmulator';
import type { RegisterCommand } from '../program';
import { useColor } from '../../core/reporter';

export const registerDemo: RegisterCommand = (program, ctx) => {
  program
    .command('demo')
    .description('the whole flow on a local AWS emulator, in a private HOME: no AWS account, no setup')
    .option('--keep', 'keep the private HOME afterwards, to look around in it')
    .addHelpText(
      'after',
      `
It starts the emulator, stores a demo user's key, sets up ~/production/yatteiki and ~/development
with \`awsdir init\`, asks for the demo MFA code at the real prompt, loads both directories, runs
\`awsdir whoami\` in each, shows what leaving removes, does the same through direnv when it is
installed, and cleans up. Without a terminal on stdin it types the MFA code itself
(AWSDIR_MFA_CODE). Everything it says goes to stderr.

Example:
  $ awsdir demo
  $ awsdir demo --keep < /dev/null        # unattended, and keep the files it wrote`,
    )
    .action(async (opts: { keep?: boolean }) => {
      await runDemo(
        { keep: Boolean(opts.keep) },
        {
          env: ctx.env,
          io: ctx.io,
          self: ctx.self,
          signal: ctx.signal,
          platform: ctx.platform,
          color: useColor(ctx.env, ctx.io.stderrIsTTY),
          loadEmulator,
        },
      );
    });
};

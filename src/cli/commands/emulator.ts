import { loadEmulator, type EmulatorChunk } from '../../emulator/loadEmulator';
import { AwsdirError, ConfigError, UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import { createReporter, type Reporter } from '../../core/reporter';

export const registerEmulator: RegisterCommand = (program, ctx) => {
  program
    .command('emulator')
    .description('serve a local STS, IAM and IAM Identity Center emulator for tests and demos (127.0.0.1 only)')
    .requiredOption('--fixture <file>', 'YAML or JSON file describing accounts, users, MFA devices and roles (and optionally sso)')
    .option('--port <port>', 'port to listen on (default: any free port)')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir emulator --port 4566 --fixture test/fixtures/emulator/demo.yaml
  awsdir: emulator listening on http://127.0.0.1:4566
  $ AWS_ENDPOINT_URL=http://127.0.0.1:4566 awsdir export     # awsdir and the JS SDK
  $ aws sts get-caller-identity --endpoint-url http://127.0.0.1:4566

It serves until Ctrl-C or SIGTERM. Test hooks live under /__emulator/: calls, faults, totp?serial=,
clock, health, sso (device authorizations and sign-ins), sso/approve ({"user": "alice"} plays the
person approving in the browser). Access keys missing from the fixture are derived from account and
user name.`,
    )
    .action(async (options: { fixture: string; port?: string }) => {
      await serveEmulator(options, { load: loadEmulator, reporter: createReporter(ctx), signal: ctx.signal });
    });
};

export async function serveEmulator(
  options: { fixture: string; port?: string },
  deps: { load: () => EmulatorChunk; reporter: Reporter; signal: AbortSignal },
): Promise<void> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`emulator --port ${JSON.stringify(options.port)} is not a port; give a number from 0 to 65535`);
  const chunk = deps.load();
  let emulator: Awaited<ReturnType<EmulatorChunk['startEmulator']>>;
  try {
    emulator = await chunk.startEmulator({ fixture: options.fixture, port });
  } catch (error) {
    if (error instanceof chunk.FixtureError) {
      throw new ConfigError(`emulator fixture ${error.file}: ${error.path || '(top)'}: ${error.reason}; fix the fixture and start again`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new AwsdirError(`emulator: port ${port} on 127.0.0.1 is in use; choose another --port or leave it out for a free one`, { cause: error });
    throw error;
  }
  deps.reporter.info(`emulator listening on ${emulator.url}`);
  if (!deps.signal.aborted) await new Promise<void>((resolve) => deps.signal.addEventListener('abort', () => resolve(), { once: true }));
  await emulator.close();
  deps.reporter.info('emulator stopped');
}

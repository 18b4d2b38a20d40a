import type { Context, Env } from '../../core/context';
import { AwsdirError, ConfigError, UsageError } from '../../core/errors';
import type { RegisterCommand } from '../program';
import type { Reporter } from '../../core/reporter';
import { loadAwsSdk } from '../../aws/loadAwsSdk';
import type { AwsCredentials } from '../../aws/types';
import { explainAwsError } from '../../aws/errors';
import { createEngine } from '../../credentials/createEngine';
import { isAwsdirExport, serializeSource, sourceEntryName } from '../../credentials/sourceCredentials';
import { stsEndpoint } from '../../credentials/resolveCredentials';
import { recordSource, recordSsoSource } from '../../config/updateUserConfig';
import { REGION, SSO_REGION_HELP, START_URL_HELP, startUrlProblem } from '../../config/schema';
import { ssoSettingsOf } from '../../config/ssoConfig';
import { loadAwsConfig } from '../../config/awsProfile';
import type { SourceConfig } from '../../config/types';
import type { SsoSignInUi } from '../../credentials/sso';
import { reportSignedIn, signedIn, ssoDeps, terminalSignInUi } from '../ssoSignIn';
import { readTty } from '../../mfa/readTty';
import { readProfileKeys } from '../../security/readProfileKeys';
import { removeImportedProfile } from '../../security/removeImportedProfile';

const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** STS takes only TOTP devices: virtual or hardware, whose serial is an ARN of an `mfa/` resource. */
const TOTP_SERIAL = /^arn:aws[\w-]*:iam::\d{12}:mfa\/[\w+=,.@/-]+$/;

export interface AddInput {
  name: string;
  fromEnv: boolean;
  mfaSerial?: string;
  /** --from-profile: take the key from this profile of ~/.aws/credentials. */
  fromProfile?: string;
  /** --remove-from-file: then take it out of that file, keeping a 0600 backup. */
  removeFromFile?: boolean;
}

export interface AddDeps {
  env: Env;
  reporter: Reporter;
  /** Asks on the terminal; `secret` hides what is typed. */
  ask: (prompt: string, secret: boolean) => Promise<string>;
  store: (name: string, value: string) => Promise<void>;
  backendName: string;
  stsRegion: string;
  record: (name: string, fields: { accessKeyId: string; mfaSerial?: string }) => Promise<void>;
  /** Reads a keychain entry back (proves the key is stored before --remove-from-file). */
  readBack?: (name: string) => Promise<string | null>;
  now?: () => number;
}

export async function addCommand(input: AddInput, deps: AddDeps): Promise<void> {
  if (!SOURCE_NAME.test(input.name)) throw new UsageError(`source name '${input.name}' is not valid; use letters, digits, '.', '_' or '-' (at most 64)`);
  if (input.mfaSerial !== undefined && !TOTP_SERIAL.test(input.mfaSerial)) {
    throw new UsageError(`--mfa-serial ${input.mfaSerial} is not the ARN of a TOTP MFA device (arn:aws:iam::ACCOUNT:mfa/NAME); STS cannot use other devices`);
  }
  const keys = input.fromProfile ? await readProfileKeys(deps.env, input.fromProfile) : input.fromEnv ? keysFromEnv(deps.env) : await keysFromTerminal(deps);
  if (!ACCESS_KEY_ID.test(keys.accessKeyId)) {
    throw new UsageError(
      `access key id ${keys.accessKeyId.slice(0, 4)}... is not an IAM user's long-term key (AKIA followed by 16 characters); create one in IAM > Users > Security credentials`,
    );
  }
  if (!keys.secretAccessKey || /\s/.test(keys.secretAccessKey)) throw new UsageError('the secret access key is empty or holds spaces; paste it again');

  const aws = loadAwsSdk();
  const sts = aws.createSts({ credentials: keys, region: deps.stsRegion, env: deps.env });
  let identity: { arn: string; account: string };
  try {
    identity = await sts.getCallerIdentity();
  } catch (error) {
    throw explainAwsError(error, { action: 'GetCallerIdentity', sourceName: input.name, endpoint: stsEndpoint(deps.env, deps.stsRegion) });
  } finally {
    sts.destroy();
  }
  deps.reporter.info(`the key works: ${identity.arn}`);

  const mfaSerial = input.mfaSerial ?? (await findMfaDevice(keys, deps));
  await deps.store(sourceEntryName(input.name), serializeSource(keys));
  await deps.record(input.name, { accessKeyId: keys.accessKeyId, ...(mfaSerial ? { mfaSerial } : {}) });
  deps.reporter.info(
    `added source '${input.name}' (${identity.arn}${mfaSerial ? `, MFA ${mfaSerial}` : ', no MFA device'}); keys stored in the ${deps.backendName}`,
  );
  if (input.fromProfile) await removeImportedProfile({ source: input.name, profile: input.fromProfile, keys, remove: Boolean(input.removeFromFile) }, deps);
}

function keysFromEnv(env: Env): AwsCredentials {
  if (isAwsdirExport(env)) {
    throw new AwsdirError("--from-env: the AWS_* variables here were exported by awsdir (a role session), not an IAM user's key; run it from a shell outside awsdir's directories");
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) throw new UsageError('--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; set both, or leave out --from-env to type them');
  return { accessKeyId, secretAccessKey };
}

async function keysFromTerminal(deps: AddDeps): Promise<AwsCredentials> {
  const accessKeyId = (await deps.ask('Access key ID: ', false)).trim();
  const secretAccessKey = (await deps.ask('Secret access key (not shown): ', true)).trim();
  return { accessKeyId, secretAccessKey };
}

async function findMfaDevice(keys: AwsCredentials, deps: AddDeps): Promise<string | undefined> {
  const iam = loadAwsSdk().createIam({ credentials: keys, region: deps.stsRegion, env: deps.env });
  let devices: Array<{ serialNumber: string }>;
  try {
    devices = await iam.listMfaDevices();
  } catch (error) {
    const explained = explainAwsError(error, { action: 'ListMFADevices' });
    deps.reporter.warn(`could not list MFA devices (${explained.message}); pass --mfa-serial to record one`);
    return undefined;
  } finally {
    iam.destroy();
  }
  const usable = devices.filter((d) => TOTP_SERIAL.test(d.serialNumber));
  for (const d of devices) {
    if (!usable.includes(d)) deps.reporter.info(`skipping MFA device ${d.serialNumber}: STS takes codes only from virtual or hardware TOTP devices, not FIDO security keys`);
  }
  if (usable.length === 0) {
    deps.reporter.warn('this user has no TOTP MFA device; roles that require MFA will refuse it (add one in IAM, then run `awsdir add` again, or use `mfa: false` for roles that do not require it)');
    return undefined;
  }
  if (usable.length === 1) return usable[0]?.serialNumber;
  const list = usable.map((d, i) => `  ${i + 1}) ${d.serialNumber}`).join('\n');
  const answer = await deps.ask(`Several MFA devices:\n${list}\nWhich one (1-${usable.length})? `, false).catch((error: unknown) => {
    throw new UsageError(`several MFA devices and no terminal to choose on (${(error as Error).message}); choose with --mfa-serial`);
  });
  const chosen = usable[Number(answer.trim()) - 1];
  if (!chosen) throw new UsageError(`'${answer.trim()}' is not one of 1-${usable.length}; run again, or choose with --mfa-serial`);
  return chosen.serialNumber;
}

export interface AddSsoInput {
  name: string;
  startUrl?: string;
  region?: string;
  ssoSession?: string;
  browser: boolean;
  json: boolean;
}

/** The flags of an IAM Identity Center source, checked before anything is read or stored. */
function ssoSettingsFromFlags(input: AddSsoInput): { startUrl: string; region: string } | { ssoSession: string } {
  if (input.ssoSession !== undefined) {
    if (input.startUrl !== undefined || input.region !== undefined) {
      throw new UsageError(`--sso-session ${input.ssoSession} names the start URL and region itself; leave out --sso-start-url and --sso-region, or --sso-session`);
    }
    if (!/^[\w.+@-]{1,128}$/.test(input.ssoSession)) throw new UsageError(`--sso-session ${JSON.stringify(input.ssoSession)} is not an sso-session name; give the NAME of an [sso-session NAME] section of ~/.aws/config`);
    return { ssoSession: input.ssoSession };
  }
  if (input.startUrl === undefined) throw new UsageError(`--sso-region goes with --sso-start-url; give ${START_URL_HELP}`);
  const problem = startUrlProblem(input.startUrl);
  if (problem) throw new UsageError(`--sso-start-url ${input.startUrl} is ${problem}; give ${START_URL_HELP}`);
  if (input.region === undefined) {
    throw new UsageError('--sso-start-url needs --sso-region, the region of your IAM Identity Center instance (such as eu-west-1), or use --sso-session NAME for an [sso-session] of ~/.aws/config');
  }
  if (!REGION.test(input.region)) throw new UsageError(`--sso-region ${JSON.stringify(input.region)} is not an AWS region; give ${SSO_REGION_HELP}`);
  return { startUrl: input.startUrl, region: input.region };
}

/**
 * `add SOURCE --sso-start-url URL --sso-region R` (or `--sso-session NAME`): records the source
 * once IAM Identity Center has taken its start URL (a URL it refuses records nothing), then signs
 * in. A sign-in that fails after that (denied, the code expired, no terminal) keeps the source, and
 * its message names `awsdir login SOURCE`.
 */
export async function addSsoCommand(input: AddSsoInput, ctx: Context): Promise<void> {
  if (!SOURCE_NAME.test(input.name)) throw new UsageError(`source name '${input.name}' is not valid; use letters, digits, '.', '_' or '-' (at most 64)`);
  const settings = ssoSettingsFromFlags(input);
  const engine = await createEngine(ctx);
  const { reporter, userConfig } = engine;
  const existing = userConfig.sources[input.name];
  if (existing && existing.kind !== 'sso' && !(await isBare(existing, engine.keyring.get.bind(engine.keyring)))) {
    throw new UsageError(
      `source '${input.name}' already holds keys (${existing.kind === 'keychain' ? 'keychain' : existing.kind === 'env' ? 'from the environment' : `credentials profile ${existing.profile}`}); choose another name for the IAM Identity Center source, or \`awsdir remove ${input.name}\` first`,
    );
  }
  if ('ssoSession' in settings) {
    const awsConfig = loadAwsConfig(ctx.env);
    if (!awsConfig.ssoSessions.has(settings.ssoSession)) {
      throw new ConfigError(
        `--sso-session ${settings.ssoSession}: ${awsConfig.file} has no [sso-session ${settings.ssoSession}]; add the section (sso_start_url and sso_region), or give --sso-start-url and --sso-region instead`,
      );
    }
  }
  const { startUrl, region } = ssoSettingsOf({ kind: 'sso', name: input.name, sessionDurationSeconds: 0, ...settings }, ctx.env, userConfig.file);
  let recorded = false;
  const record = async (): Promise<void> => {
    if (recorded) return;
    await recordSsoSource(ctx.env, input.name, settings);
    recorded = true;
    reporter.info(`added source '${input.name}' (IAM Identity Center ${'ssoSession' in settings ? `sso-session ${settings.ssoSession}: ` : ''}${startUrl} in ${region}) to ${userConfig.file}`);
  };
  const terminal = terminalSignInUi(ctx, reporter, { browser: input.browser });
  const ui: SsoSignInUi = {
    // Without a terminal the source is still worth recording: `awsdir login` signs it in later.
    assertCanSignIn: async (target) => {
      try {
        await terminal.assertCanSignIn(target);
      } catch (error) {
        await record();
        throw error;
      }
    },
    show: (signIn, signal) => terminal.show(signIn, signal),
  };
  const result = await signedIn({ name: input.name, startUrl, region }, ssoDeps(ctx, engine, ui), { started: record });
  // Signed in already (another source at the same start URL): nothing was started, so record now.
  await record();
  reportSignedIn(ctx, reporter, result, input.json);
}

/** A keychain source with nothing recorded and no keys stored (the implicit `default`): nothing to lose by replacing it. */
async function isBare(source: SourceConfig, get: (name: string) => Promise<string | null>): Promise<boolean> {
  if (source.kind !== 'keychain' || source.accessKeyId || source.mfaSerial || source.mfaProcess) return false;
  return (await get(sourceEntryName(source.name))) === null;
}

export const registerAdd: RegisterCommand = (program, ctx: Context) => {
  program
    .command('add [source]')
    .description("store an IAM user's access key in the keychain as a source (default 'default') and find its MFA device, or add an IAM Identity Center source and sign in")
    .option('--from-env', 'take the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking')
    .option('--mfa-serial <serial>', 'the MFA device to use (default: found with iam:ListMFADevices)')
    .option('--from-profile <profile>', 'take the key from this profile of ~/.aws/credentials')
    .option('--remove-from-file', 'with --from-profile: once the key is in the keychain, remove it from ~/.aws/credentials (a 0600 backup is kept)')
    .option('--sso-start-url <url>', 'add an IAM Identity Center source: the https URL of your AWS access portal')
    .option('--sso-region <region>', 'with --sso-start-url: the region of the IAM Identity Center instance')
    .option('--sso-session <name>', 'add an IAM Identity Center source that reuses [sso-session NAME] of ~/.aws/config')
    .option('--no-browser', 'with an IAM Identity Center source: print the URL and code instead of opening a browser')
    .option('--json', 'with an IAM Identity Center source: print the source, the token expiry and the accounts as JSON')
    .addHelpText(
      'after',
      `
Example:
  $ awsdir add                       # asks for the key on the terminal, never on the command line
  $ awsdir add work --mfa-serial arn:aws:iam::111111111111:mfa/alice
  $ AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... awsdir add ci --from-env
  $ awsdir add default --from-profile default --remove-from-file   # out of ~/.aws/credentials
  $ awsdir add corp --sso-start-url https://corp.awsapps.com/start --sso-region eu-west-1
  $ awsdir add corp --sso-session corp         # [sso-session corp] of ~/.aws/config

There is no flag for the secret: command lines end up in shell history and process lists.
An IAM Identity Center source is recorded once IAM Identity Center takes its start URL, then
signed in as \`awsdir login\` does (the browser opens with the code filled in; URL and code are on
stderr too); its tokens live in the keychain only.`,
    )
    .action(async (
      name: string | undefined,
      opts: { fromEnv?: boolean; mfaSerial?: string; fromProfile?: string; removeFromFile?: boolean; ssoStartUrl?: string; ssoRegion?: string; ssoSession?: string; browser: boolean; json?: boolean },
    ) => {
      const sso = opts.ssoStartUrl !== undefined ? '--sso-start-url' : opts.ssoSession !== undefined ? '--sso-session' : opts.ssoRegion !== undefined ? '--sso-region' : undefined;
      if (sso) {
        const keysFlag = opts.fromEnv ? '--from-env' : opts.mfaSerial !== undefined ? '--mfa-serial' : opts.fromProfile !== undefined ? '--from-profile' : opts.removeFromFile ? '--remove-from-file' : undefined;
        if (keysFlag) throw new UsageError(`${keysFlag} is for a source of keys, and ${sso} adds an IAM Identity Center source; give one or the other`);
        await addSsoCommand(
          {
            name: name ?? 'default',
            browser: opts.browser,
            json: Boolean(opts.json),
            ...(opts.ssoStartUrl !== undefined ? { startUrl: opts.ssoStartUrl } : {}),
            ...(opts.ssoRegion !== undefined ? { region: opts.ssoRegion } : {}),
            ...(opts.ssoSession !== undefined ? { ssoSession: opts.ssoSession } : {}),
          },
          ctx,
        );
        return;
      }
      if (!opts.browser || opts.json) throw new UsageError(`${opts.json ? '--json' : '--no-browser'} goes with an IAM Identity Center source (--sso-start-url or --sso-session)`);
      // Ignoring it would let a person believe a plaintext key was taken out of ~/.aws/credentials.
      if (opts.removeFromFile && opts.fromProfile === undefined) {
        throw new UsageError(
          `--remove-from-file removes the key of the profile it was imported from, and no profile was given; add \`--from-profile NAME\` (e.g. \`awsdir add ${name ?? 'default'} --from-profile NAME --remove-from-file\`)`,
        );
      }
      const engine = await createEngine(ctx);
      await addCommand(
        { name: name ?? 'default', fromEnv: Boolean(opts.fromEnv), ...(opts.mfaSerial !== undefined ? { mfaSerial: opts.mfaSerial } : {}), ...(opts.fromProfile !== undefined ? { fromProfile: opts.fromProfile, removeFromFile: Boolean(opts.removeFromFile) } : {}) },
        {
          env: ctx.env,
          reporter: engine.reporter,
          ask: (prompt, secret) =>
            readTty({
              prompt,
              echo: secret ? '' : 'self',
              accept: (c) => c > ' ' && c !== '\u007f',
              signal: ctx.signal,
              noTerminalHint: 'run `awsdir add` in a terminal, or pass --from-env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set',
            }),
          store: (entry, value) => engine.keyring.set(entry, value),
          backendName: engine.keyring.backend === 'os' ? 'OS keychain' : 'file keyring',
          stsRegion: engine.userConfig.stsRegion,
          record: (source, fields) => recordSource(ctx.env, source, fields),
          readBack: (entry) => engine.keyring.get(entry),
          now: () => ctx.now(),
        },
      );
    });
};

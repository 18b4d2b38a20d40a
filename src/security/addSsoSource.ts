import type { Context } from '../core/context';
import { ConfigError, UsageError } from '../core/errors';
import { START_URL_HELP, startUrlProblem } from '../config/schema';
import { describeRegion } from '../config/regions';
import { ssoSettingsOf } from '../config/ssoConfig';
import { loadAwsConfig } from '../config/awsProfile';
import type { SourceConfig } from '../config/types';
import { recordSsoSource } from '../config/updateUserConfig';
import type { SsoAccount } from '../aws/sso';
import type { SsoSignInUi, SsoToken } from '../credentials/sso';
import { signedIn, ssoDeps, terminalSignInUi } from '../credentials/ssoSignIn';
import { sourceEntryName } from '../credentials/sourceCredentials';
import type { Workspace } from '../credentials/workspace';
import { SOURCE_NAME } from './addSource';

export interface AddSsoInput {
  name: string;
  startUrl?: string;
  region?: string;
  ssoSession?: string;
  browser: boolean;
}

/** The flags of an IAM Identity Center source, checked before anything is read or stored. */
function ssoSettingsFromFlags(input: AddSsoInput): { startUrl: string; region: string } | { ssoSession: string } {
  if (input.ssoSession !== undefined) {
    if (input.startUrl !== undefined || input.region !== undefined) {
      throw new UsageError(
        `--sso-session ${input.ssoSession} names the start URL and region itself; leave out --sso-start-url and --sso-region, or --sso-session`,
      );
    }
    if (!/^[\w.+@-]{1,128}$/.test(input.ssoSession))
      throw new UsageError(
        `--sso-session ${JSON.stringify(input.ssoSession)} is not an sso-session name; give the NAME of an [sso-session NAME] section of ~/.aws/config`,
      );
    return { ssoSession: input.ssoSession };
  }
  if (input.startUrl === undefined) throw new UsageError(`--sso-region goes with --sso-start-url; give ${START_URL_HELP}`);
  const problem = startUrlProblem(input.startUrl);
  if (problem) throw new UsageError(`--sso-start-url ${input.startUrl} is ${problem}; give ${START_URL_HELP}`);
  if (input.region === undefined) {
    throw new UsageError(
      '--sso-start-url needs --sso-region, the region of your IAM Identity Center instance (such as eu-west-1), or use --sso-session NAME for an [sso-session] of ~/.aws/config',
    );
  }
  const regionProblem = describeRegion(input.region).problem;
  if (regionProblem) throw new UsageError(`--sso-region: ${regionProblem}`);
  return { startUrl: input.startUrl, region: input.region };
}

/**
 * `add SOURCE --sso-start-url URL --sso-region R` (or `--sso-session NAME`): records the source
 * once IAM Identity Center has taken its start URL (a URL it refuses records nothing), then signs
 * in. A sign-in that fails after that (denied, the code expired, no terminal) keeps the source, and
 * its message names `awsdir login SOURCE`.
 */
export async function addSsoSource(input: AddSsoInput, workspace: Workspace, ctx: Context): Promise<{ token: SsoToken; accounts: SsoAccount[] }> {
  if (!SOURCE_NAME.test(input.name)) throw new UsageError(`source name '${input.name}' is not valid; use letters, digits, '.', '_' or '-' (at most 64)`);
  const settings = ssoSettingsFromFlags(input);
  const { reporter, userConfig } = workspace;
  const existing = userConfig.sources[input.name];
  if (existing && existing.kind !== 'sso' && !(await isBare(existing, (name) => workspace.keyring.get(name)))) {
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
    reporter.info(
      `added source '${input.name}' (IAM Identity Center ${'ssoSession' in settings ? `sso-session ${settings.ssoSession}: ` : ''}${startUrl} in ${region}) to ${userConfig.file}`,
    );
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
  const result = await signedIn({ name: input.name, startUrl, region }, ssoDeps(ctx, workspace, ui), { started: record });
  // Signed in already (another source at the same start URL): nothing was started, so record now.
  await record();
  return result;
}

/** A keychain source with nothing recorded and no keys stored (the implicit `default`): nothing to lose by replacing it. */
async function isBare(source: SourceConfig, get: (name: string) => Promise<string | null>): Promise<boolean> {
  if (source.kind !== 'keychain' || source.accessKeyId || source.mfaSerial || source.mfaProcess) return false;
  return (await get(sourceEntryName(source.name))) === null;
}

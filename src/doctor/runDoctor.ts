import type { Env } from '../core/context';
import type { AwsSdk } from '../aws/loadAwsSdk';
import { isAwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { readSourceCredentials } from '../credentials/sourceCredentials';
import { runAwsChecks } from './awsChecks';
import { pass, warn, type CheckId, type CheckResult } from './checkResult';
import { checkSsoSignIns } from './ssoChecks';
import {
  checkDirenvHook,
  checkDirenvInstalled,
  checkKeychain,
  checkNodeVersion,
  checkPlaintextCredentials,
  checkUseAwsHelper,
  checkUserConfig,
  type RunProgram,
} from './localChecks';

export interface DoctorDeps {
  env: Env;
  nodePath: string;
  run: RunProgram;
  reporter: Reporter;
  now: () => number;
  loadAws: () => AwsSdk;
}

export interface DoctorOptions {
  /** Which source's key the AWS checks use; default: `default`, or the only source. */
  source?: string;
  mfaCode?: string;
}

/** Every check, in the order of CHECK_IDS; the local ones first, then those that ask AWS. */
export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(await checkNodeVersion(deps.nodePath, deps.run));
  results.push(await checkDirenvInstalled(deps.run));
  results.push(checkDirenvHook(deps.env));
  results.push(await checkUseAwsHelper(deps.env));
  const { result: configResult, userConfig } = await checkUserConfig(deps.env);
  const { result: keychainResult, keyring } = await checkKeychain(deps.env, userConfig, deps.reporter);
  results.push(keychainResult, configResult);
  try {
    results.push(await checkPlaintextCredentials(deps.env));
  } catch (error) {
    results.push(
      warn('plaintext-credentials', `could not read the shared credentials file: ${String((error as Error).message ?? error)}`, 'check the file by hand'),
    );
  }
  results.push(
    userConfig && keyring
      ? await checkSsoSignIns(userConfig, keyring, { env: deps.env, now: deps.now })
      : warn('sso-sign-in', 'not checked: the user file or the keychain is not usable', 'fix the failures above, then run doctor again'),
  );

  const skipAll = (message: string, fix: string): CheckResult[] =>
    (['base-user-permissions', 'key-age', 'mfa-device', 'clock-skew'] as CheckId[]).map((id) => warn(id, `not checked: ${message}`, fix));
  if (!userConfig || !keyring) return [...results, ...skipAll('the user file or the keychain is not usable', 'fix the failures above, then run doctor again')];
  const names = Object.keys(userConfig.sources);
  let sourceName = options.source ?? (names.includes('default') || names.length !== 1 ? 'default' : (names[0] ?? 'default'));
  // Unless asked for, a source of keys is checked rather than a sign-in that holds none.
  const keyed = names.filter((n) => userConfig.sources[n]?.kind !== 'sso');
  if (!options.source && userConfig.sources[sourceName]?.kind === 'sso' && keyed.length > 0) sourceName = keyed[0]!;
  const source = userConfig.sources[sourceName];
  if (!source)
    return [
      ...results,
      ...skipAll(`there is no source '${sourceName}' in ${userConfig.file}`, `store a key with \`awsdir add ${sourceName}\`, or name one with --source`),
    ];
  if (source.kind === 'sso') {
    const none = `source '${sourceName}' signs in through IAM Identity Center and holds no IAM user key`;
    return [
      ...results,
      ...(['base-user-permissions', 'key-age', 'mfa-device'] as CheckId[]).map((id) => pass(id, `does not apply: ${none}`)),
      keyed.length
        ? warn('clock-skew', `not checked: ${none} to ask AWS the time with`, `run \`awsdir doctor --source ${keyed[0]}\` to check it with a source of keys`)
        : pass('clock-skew', `not checked: ${none} to ask AWS the time with`),
    ];
  }
  let keys;
  try {
    keys = await readSourceCredentials(source, { keyring, env: deps.env });
  } catch (error) {
    const message = isAwsdirError(error) ? error.message : String(error);
    return [...results, ...skipAll(message, `store a key with \`awsdir add ${sourceName}\``)];
  }
  results.push(
    ...(await runAwsChecks({
      env: deps.env,
      aws: deps.loadAws(),
      sourceName,
      source,
      keys,
      ...(options.mfaCode ? { mfaCode: options.mfaCode } : {}),
      stsRegion: userConfig.stsRegion,
      now: deps.now,
    })),
  );
  return results;
}

import type { Env } from '../core/context';
import type { Keyring } from '../keyring/keyring';
import type { UserConfig } from '../config/types';
import { ssoSignInState } from '../credentials/sso';
import { ssoTargetOf } from '../credentials/ssoSignIn';
import { fail, pass, warn, type CheckResult } from './checkResult';

const iso = (at: string): string => at.replace(/\.\d{3}Z$/, 'Z');

/**
 * The sign-ins of the IAM Identity Center sources, from the keychain alone (no network): signed
 * in, until when, and whether it is refreshed without the browser once the access token ends.
 */
export async function checkSsoSignIns(userConfig: UserConfig, keyring: Keyring, deps: { env: Env; now: () => number }): Promise<CheckResult> {
  const sources = Object.values(userConfig.sources).filter((s) => s.kind === 'sso');
  if (sources.length === 0) return pass('sso-sign-in', 'no IAM Identity Center source');
  const good: string[] = [];
  const stale: string[] = [];
  const broken: string[] = [];
  for (const source of sources) {
    let target;
    try {
      target = ssoTargetOf(source, { env: deps.env }, userConfig.file);
    } catch (error) {
      broken.push((error as Error).message);
      continue;
    }
    const state = await ssoSignInState(target, { keyring, env: deps.env, now: deps.now });
    if (!state.signedIn || !state.expiresAt) {
      stale.push(`${source.name} is not signed in`);
      continue;
    }
    const expired = Date.parse(state.expiresAt) <= deps.now();
    if (state.refreshable)
      good.push(
        `${source.name} is signed in (token ${expired ? 'ended' : 'until'} ${iso(state.expiresAt)}, refreshed without the browser while the sign-in lasts)`,
      );
    else if (expired) stale.push(`${source.name}'s sign-in has ended (token ended ${iso(state.expiresAt)}, no refresh)`);
    else good.push(`${source.name} is signed in until ${iso(state.expiresAt)} (then \`awsdir login ${source.name}\` again)`);
  }
  if (broken.length) return fail('sso-sign-in', broken.join('; '), 'fix the IAM Identity Center settings the message names');
  if (stale.length) {
    const names = stale.map((s) => s.split(/[ ']/)[0]);
    return warn('sso-sign-in', [...stale, ...good].join('; '), names.map((n) => `\`awsdir login ${n}\``).join(', '));
  }
  return pass('sso-sign-in', good.join('; '));
}

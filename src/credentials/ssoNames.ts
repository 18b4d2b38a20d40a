import { createHash } from 'node:crypto';
import type { Env } from '../core/context';
import { endpointOverride } from '../aws/endpoints';
import { normaliseStartUrl } from '../config/startUrl';

/**
 * The keychain entries of an IAM Identity Center sign-in: one hash of the start URL, the region and
 * the endpoints the environment names, so a token is only ever sent back to the service that
 * issued it (an emulator's never to AWS, AWS's never to another endpoint). Kept apart from the
 * sign-in itself (sso.ts), which the cache-hit path never loads, to name role sessions there.
 */
export function ssoEntryNames(target: { startUrl: string; region: string }, env: Env): { token: string; client: string; hash: string } {
  const material = JSON.stringify([
    normaliseStartUrl(target.startUrl),
    target.region,
    endpointOverride(env, 'sso-oidc')?.url ?? '',
    endpointOverride(env, 'sso')?.url ?? '',
  ]);
  const hash = createHash('sha256').update(material).digest('hex').slice(0, 24);
  return { token: `sso-token/${hash}`, client: `sso-client/${hash}`, hash };
}

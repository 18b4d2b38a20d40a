import type { Env } from '../core/context';

/**
 * Where awsdir's calls may go instead of AWS: only where the environment says, never where a shared
 * config file says (AWS_CONFIG_FILE can point into a cloned repository, and its endpoint_url would
 * receive the MFA code, the key id and a signed request). No SDK here: the cache-hit path names
 * entries by endpoint.
 */
export type EndpointService = 'sts' | 'iam' | 'federation' | 'sso' | 'sso-oidc';

export interface EndpointOverride {
  url: string;
  /** The variable that named it. */
  from: string;
}

const VARIABLES: Record<EndpointService, readonly string[]> = {
  sts: ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'],
  iam: ['AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL'],
  federation: ['AWSDIR_FEDERATION_ENDPOINT'],
  // IAM Identity Center: the access portal (sso) and its OIDC service; the SDK's own variable names.
  sso: ['AWS_ENDPOINT_URL_SSO', 'AWS_ENDPOINT_URL'],
  'sso-oidc': ['AWS_ENDPOINT_URL_SSO_OIDC', 'AWS_ENDPOINT_URL'],
};

/** The services `status` names an endpoint for. */
const STATUS_SERVICES: readonly EndpointService[] = ['sts', 'iam', 'federation'];

/** The endpoint the environment names for a service, or undefined for AWS's own. */
export function endpointOverride(env: Env, service: EndpointService): EndpointOverride | undefined {
  for (const name of VARIABLES[service]) {
    const url = env[name];
    if (url) return { url, from: name };
  }
  return undefined;
}

/** Every service of `status` whose endpoint is not AWS's. */
export function endpointOverrides(env: Env): Partial<Record<EndpointService, EndpointOverride>> {
  const out: Partial<Record<EndpointService, EndpointOverride>> = {};
  for (const service of STATUS_SERVICES) {
    const found = endpointOverride(env, service);
    if (found) out[service] = found;
  }
  return out;
}

/** Where IAM Identity Center calls of a region go: the environment's endpoint, or AWS's. */
export function ssoEndpoint(env: Env, service: 'sso' | 'sso-oidc', region: string): string {
  return endpointOverride(env, service)?.url ?? (service === 'sso' ? `https://portal.sso.${region}.amazonaws.com` : `https://oidc.${region}.amazonaws.com`);
}

import type { Env } from '../core/context';

/**
 * Where awsdir's calls may go instead of AWS: only where the environment says, never where a shared
 * config file says (AWS_CONFIG_FILE can point into a cloned repository, and its endpoint_url would
 * receive the MFA code, the key id and a signed request). No SDK here: the cache-hit path names
 * entries by endpoint.
 */
export type EndpointService = 'sts' | 'iam' | 'federation';

export interface EndpointOverride {
  url: string;
  /** The variable that named it. */
  from: string;
}

const VARIABLES: Record<EndpointService, readonly string[]> = {
  sts: ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'],
  iam: ['AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL'],
  federation: ['AWSDIR_FEDERATION_ENDPOINT'],
};

/** The endpoint the environment names for a service, or undefined for AWS's own. */
export function endpointOverride(env: Env, service: EndpointService): EndpointOverride | undefined {
  for (const name of VARIABLES[service]) {
    const url = env[name];
    if (url) return { url, from: name };
  }
  return undefined;
}

/** Every service whose endpoint is not AWS's, for `status`. */
export function endpointOverrides(env: Env): Partial<Record<EndpointService, EndpointOverride>> {
  const out: Partial<Record<EndpointService, EndpointOverride>> = {};
  for (const service of Object.keys(VARIABLES) as EndpointService[]) {
    const found = endpointOverride(env, service);
    if (found) out[service] = found;
  }
  return out;
}

import { endpointOverride } from './endpoints';
import type { ClientOptions } from './types';

/**
 * AWSDIR_AWS_TIMEOUT_MS, whole milliseconds, replaces every client's connection and request
 * timeouts: for tests that provoke a silent endpoint without waiting out the defaults, and for a
 * link slower than they allow. Any other value is ignored.
 */
function timeoutFromEnv(env: ClientOptions['env']): number | undefined {
  const text = env.AWSDIR_AWS_TIMEOUT_MS;
  return text && /^[1-9]\d{0,6}$/.test(text) ? Number(text) : undefined;
}

/** The configuration every SDK client of awsdir is built with (STS and IAM alike); no SDK import here. */
export function baseConfig(options: ClientOptions, service: 'sts' | 'iam') {
  const endpoint = endpointOverride(options.env, service)?.url;
  const timeoutMs = timeoutFromEnv(options.env) ?? options.timeoutMs;
  return {
    region: options.region,
    // The host is AWS's for the region, or the environment's endpoint: the SDK would otherwise take
    // endpoint_url (also from a `services` section), FIPS and dual-stack settings from the profile
    // of the shared config file, which AWS_CONFIG_FILE or AWS_PROFILE can pick from a repository.
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    // Nor may its auth_scheme_preference switch a custom endpoint's calls to SigV4a, which emulators
    // refuse; AWS's own STS and IAM endpoints ask for SigV4 anyway.
    authSchemePreference: ['sigv4'],
    // The SDK's defaults, given: left unset, each is looked up in the environment and in the shared
    // config and credentials files, which the SDK then reads on the first call of every cold `cd`.
    retryMode: 'standard',
    defaultsMode: 'legacy' as const,
    disableClockSkewCorrection: false,
    userAgentAppId: '',
    credentials: {
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: options.credentials.secretAccessKey,
      ...(options.credentials.sessionToken ? { sessionToken: options.credentials.sessionToken } : {}),
    },
    ...(endpoint ? { endpoint } : {}),
    // Throttling and 5xx are retried with the SDK's backoff; three attempts keep a cd short.
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      // STS answers in well under a second; a person at a cd should wait seconds, not half a minute,
      // for a silent endpoint (three attempts of 5 s), and a refused connection fails at once.
      connectionTimeout: timeoutMs ?? 3000,
      requestTimeout: timeoutMs ?? 5000,
      // Without it the handler only logs a warning and keeps waiting: a silent STS would hang a cd.
      throwOnRequestTimeout: true,
    },
  };
}

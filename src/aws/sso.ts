/**
 * The IAM Identity Center clients: SSO OIDC (client registration, the OAuth 2.0 device
 * authorization grant of RFC 8628, refresh tokens) and the access portal (accounts, roles, role
 * credentials, logout). Part of the SDK chunk (sdk.ts re-exports it), loaded only when a command
 * signs in. Calls carry no AWS signature: the portal takes the access token as a bearer header.
 */
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import type { Env } from '../core/context';
import { endpointOverride } from './endpoints';
import type { IssuedCredentials } from './types';

export interface SsoClientOptions {
  /** The region of the IAM Identity Center instance. */
  region: string;
  /** For AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL (aws/endpoints.ts). */
  env: Env;
  timeoutMs?: number;
  maxAttempts?: number;
}

/** A registration of awsdir as an OIDC client (RegisterClient); it lasts 90 days in AWS. */
export interface SsoRegistration {
  clientId: string;
  clientSecret: string;
  expiresAt: Date;
}

/** What StartDeviceAuthorization hands out: the code the person confirms, the one awsdir polls with. */
export interface SsoDeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresInSeconds: number;
  intervalSeconds?: number;
}

export interface SsoTokenGrant {
  accessToken: string;
  expiresInSeconds: number;
  refreshToken?: string;
}

export interface SsoAccount {
  accountId: string;
  accountName: string;
  emailAddress?: string;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function config(options: SsoClientOptions, service: 'sso' | 'sso-oidc') {
  const endpoint = endpointOverride(options.env, service)?.url;
  return {
    region: options.region,
    // As for STS and IAM (sdk.ts): the host is AWS's for the region, or the environment's endpoint,
    // never endpoint_url or a services section of a shared config file, which would receive the
    // client secret, the device code and every token.
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.timeoutMs ?? 3000,
      requestTimeout: options.timeoutMs ?? 10_000,
      throwOnRequestTimeout: true,
    },
  };
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === '') {
    throw Object.assign(new Error(`IAM Identity Center answered without ${what}`), { name: 'IncompleteAnswer' });
  }
  return value;
}

export function createSsoOidc(options: SsoClientOptions) {
  const client = new SSOOIDCClient(config(options, 'sso-oidc'));
  return {
    async registerClient(input: { clientName: string; scopes: string[] }): Promise<SsoRegistration> {
      const out = await client.send(
        new RegisterClientCommand({ clientName: input.clientName, clientType: 'public', scopes: input.scopes, grantTypes: [DEVICE_GRANT, 'refresh_token'] }),
      );
      return {
        clientId: required(out.clientId, 'a client id'),
        clientSecret: required(out.clientSecret, 'a client secret'),
        expiresAt: new Date(required(out.clientSecretExpiresAt, 'the registration expiry') * 1000),
      };
    },
    async startDeviceAuthorization(registration: Pick<SsoRegistration, 'clientId' | 'clientSecret'>, startUrl: string): Promise<SsoDeviceAuthorization> {
      const out = await client.send(
        new StartDeviceAuthorizationCommand({ clientId: registration.clientId, clientSecret: registration.clientSecret, startUrl }),
      );
      const verificationUri = required(out.verificationUri, 'a verification URI');
      return {
        deviceCode: required(out.deviceCode, 'a device code'),
        userCode: required(out.userCode, 'a user code'),
        verificationUri,
        verificationUriComplete: out.verificationUriComplete ?? verificationUri,
        expiresInSeconds: required(out.expiresIn, 'the code lifetime'),
        ...(out.interval !== undefined ? { intervalSeconds: out.interval } : {}),
      };
    },
    async redeemDeviceCode(registration: Pick<SsoRegistration, 'clientId' | 'clientSecret'>, deviceCode: string): Promise<SsoTokenGrant> {
      return grant(
        await client.send(
          new CreateTokenCommand({ clientId: registration.clientId, clientSecret: registration.clientSecret, grantType: DEVICE_GRANT, deviceCode }),
        ),
      );
    },
    async refresh(registration: Pick<SsoRegistration, 'clientId' | 'clientSecret'>, refreshToken: string): Promise<SsoTokenGrant> {
      return grant(
        await client.send(
          new CreateTokenCommand({ clientId: registration.clientId, clientSecret: registration.clientSecret, grantType: 'refresh_token', refreshToken }),
        ),
      );
    },
    destroy: () => client.destroy(),
  };
}

function grant(out: { accessToken?: string; expiresIn?: number; refreshToken?: string }): SsoTokenGrant {
  return {
    accessToken: required(out.accessToken, 'an access token'),
    expiresInSeconds: required(out.expiresIn, 'the token lifetime'),
    ...(out.refreshToken ? { refreshToken: out.refreshToken } : {}),
  };
}

export function createSsoPortal(options: SsoClientOptions) {
  const client = new SSOClient(config(options, 'sso'));
  return {
    /** Every account the sign-in may use, all pages. */
    async listAccounts(accessToken: string): Promise<SsoAccount[]> {
      const accounts: SsoAccount[] = [];
      let nextToken: string | undefined;
      do {
        const out = await client.send(new ListAccountsCommand({ accessToken, ...(nextToken ? { nextToken } : {}) }));
        for (const a of out.accountList ?? []) {
          accounts.push({ accountId: a.accountId ?? '', accountName: a.accountName ?? '', ...(a.emailAddress ? { emailAddress: a.emailAddress } : {}) });
        }
        nextToken = out.nextToken;
      } while (nextToken);
      return accounts;
    },
    /** The permission sets (role names) the sign-in may use in an account, all pages. */
    async listAccountRoles(accessToken: string, accountId: string): Promise<string[]> {
      const roles: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await client.send(new ListAccountRolesCommand({ accessToken, accountId, ...(nextToken ? { nextToken } : {}) }));
        for (const r of out.roleList ?? []) if (r.roleName) roles.push(r.roleName);
        nextToken = out.nextToken;
      } while (nextToken);
      return roles;
    },
    async getRoleCredentials(accessToken: string, accountId: string, roleName: string): Promise<IssuedCredentials> {
      const out = await client.send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }));
      const c = out.roleCredentials;
      if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration) {
        throw Object.assign(new Error('the access portal answered without complete credentials'), { name: 'IncompleteCredentials' });
      }
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiration) };
    },
    /** Ends the sign-in the token belongs to; role credentials already issued stay good until they expire. */
    async logout(accessToken: string): Promise<void> {
      await client.send(new LogoutCommand({ accessToken }));
    },
    destroy: () => client.destroy(),
  };
}

export type SsoOidcApi = ReturnType<typeof createSsoOidc>;
export type SsoPortalApi = ReturnType<typeof createSsoPortal>;

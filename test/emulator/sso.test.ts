import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  AuthorizationPendingException,
  CreateTokenCommand,
  ExpiredTokenException,
  InvalidClientException,
  InvalidGrantException,
  InvalidRequestException,
  RegisterClientCommand,
  SlowDownException,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
  UnsupportedGrantTypeException,
  type StartDeviceAuthorizationCommandOutput,
} from '@aws-sdk/client-sso-oidc';
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  paginateListAccounts,
  SSOClient,
  SSOServiceException,
  TooManyRequestsException,
  UnauthorizedException,
  type RoleCredentials,
} from '@aws-sdk/client-sso';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runProcess } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const START_URL = 'https://corp.awsapps.com/start';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * A poll interval of a minute keeps the slow_down checks free of races: two polls in a row are
 * always less than a minute apart, and the next allowed poll comes from moving the emulator clock.
 */
const FIXTURE = {
  accounts: {
    '111111111111': { alias: 'acme-identity', users: { alice: {} } },
    '222222222222': { alias: 'acme-production', email: 'aws-production@corp.example' },
    '333333333333': { alias: 'acme-development' },
    '444444444444': {},
  },
  sso: {
    start_url: START_URL,
    region: 'eu-west-1',
    users: { alice: { email: 'alice@corp.example' }, bob: {}, carol: {} },
    permission_sets: { AdministratorAccess: { session_duration: '1h' }, ReadOnlyAccess: { session_duration: '8h' } },
    assignments: [
      { user: 'alice', account: '222222222222', permission_set: 'AdministratorAccess' },
      { user: 'alice', account: '222222222222', permission_set: 'ReadOnlyAccess' },
      { user: 'alice', account: '333333333333', permission_set: 'ReadOnlyAccess' },
      { user: 'alice', account: '444444444444', permission_set: 'ReadOnlyAccess' },
      { user: 'bob', account: '333333333333', permission_set: 'ReadOnlyAccess' },
    ],
    poll_interval: '1m',
  },
};

let emu: TestEmulator;
beforeEach(async () => {
  emu = await startTestEmulator(FIXTURE);
});
afterEach(() => emu.close());

const oidc = () => new SSOOIDCClient({ region: 'eu-west-1', endpoint: emu.url, maxAttempts: 1 });
const portal = () => new SSOClient({ region: 'eu-west-1', endpoint: emu.url, maxAttempts: 1 });

async function hook(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/__emulator/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const approve = (body: Record<string, unknown>) => hook('POST', 'sso/approve', body);
const emulatorNow = async (): Promise<number> => Date.parse((await hook('GET', 'clock')).json.now as string);

type Registered = { clientId: string; clientSecret: string };

async function register(scopes: string[] | undefined = ['sso:account:access']): Promise<Registered> {
  const out = await oidc().send(new RegisterClientCommand({ clientName: 'awsdir-test', clientType: 'public', ...(scopes ? { scopes } : {}) }));
  return { clientId: out.clientId!, clientSecret: out.clientSecret! };
}
async function start(client: Registered, startUrl = START_URL): Promise<StartDeviceAuthorizationCommandOutput> {
  return oidc().send(new StartDeviceAuthorizationCommand({ ...client, startUrl }));
}
function poll(client: Registered, deviceCode: string) {
  return oidc().send(new CreateTokenCommand({ ...client, grantType: DEVICE_GRANT, deviceCode }));
}
type SdkError = Error & { $metadata: { httpStatusCode?: number }; [key: string]: unknown };
async function rejection(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

/** The whole sign-in as a person does it: register, start, approve in the "browser", one poll. */
async function signIn(user = 'alice', scopes?: string[]) {
  const client = await register(scopes);
  const auth = await start(client);
  expect((await approve({ user, user_code: auth.userCode })).status).toBe(200);
  const token = await poll(client, auth.deviceCode!);
  return { client, accessToken: token.accessToken!, refreshToken: token.refreshToken, expiresIn: token.expiresIn! };
}

function sts(c: RoleCredentials) {
  return new STSClient({
    region: 'us-east-1',
    endpoint: emu.url,
    credentials: { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! },
    maxAttempts: 1,
  });
}
async function roleCredentials(accessToken: string, accountId: string, roleName: string): Promise<RoleCredentials> {
  return (await portal().send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }))).roleCredentials!;
}

describe('SSO OIDC device authorization', () => {
  it('registers a client and answers AuthorizationPending until the person approves, then issues a token once', async () => {
    const before = await emulatorNow();
    const registered = await oidc().send(new RegisterClientCommand({ clientName: 'awsdir-test', clientType: 'public', scopes: ['sso:account:access'] }));
    expect(registered.clientId).toEqual(expect.any(String));
    expect(registered.clientIdIssuedAt! * 1000).toBeGreaterThanOrEqual(before - 1000);
    // A registration lasts 90 days, as in AWS.
    expect(registered.clientSecretExpiresAt! - registered.clientIdIssuedAt!).toBe(90 * 24 * 3600);
    const client = { clientId: registered.clientId!, clientSecret: registered.clientSecret! };

    const auth = await start(client);
    expect(auth.userCode).toMatch(/^[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}$/);
    expect(auth.verificationUri).toBe(`${emu.url}/device`);
    expect(auth.verificationUriComplete).toBe(`${emu.url}/device?user_code=${auth.userCode}`);
    expect(auth).toMatchObject({ expiresIn: 600, interval: 60 });
    expect((await hook('GET', 'sso')).json.authorizations).toEqual([
      expect.objectContaining({ userCode: auth.userCode, clientName: 'awsdir-test', status: 'pending' }),
    ]);

    const pending = await rejection(poll(client, auth.deviceCode!));
    expect(pending).toBeInstanceOf(AuthorizationPendingException);
    expect(pending).toMatchObject({ error: 'authorization_pending', $metadata: { httpStatusCode: 400 } });

    const approved = await approve({ user: 'alice' });
    expect(approved).toEqual({ status: 200, json: { approved: [auth.userCode], user: 'alice' } });
    await emu.advanceClock(60);
    const token = await poll(client, auth.deviceCode!);
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(token.accessToken!.length).toBeGreaterThan(200);
    expect(token.refreshToken).toEqual(expect.any(String));
    expect((await portal().send(new ListAccountsCommand({ accessToken: token.accessToken! }))).accountList).toHaveLength(3);

    await emu.advanceClock(60);
    expect(await rejection(poll(client, auth.deviceCode!))).toBeInstanceOf(InvalidGrantException);
    const calls = (await emu.calls()).map((c) => `${c.service} ${c.action} ${c.code}`);
    expect(calls).toEqual([
      'sso-oidc RegisterClient OK',
      'sso-oidc StartDeviceAuthorization OK',
      'sso-oidc CreateToken AuthorizationPendingException',
      'sso-oidc CreateToken OK',
      'sso ListAccounts OK',
      'sso-oidc CreateToken InvalidGrantException',
    ]);
    const state = JSON.stringify((await hook('GET', 'sso')).json);
    for (const secret of [client.clientSecret, auth.deviceCode!, token.accessToken!, token.refreshToken!]) expect(state).not.toContain(secret);
  });

  it('answers SlowDown to a client that polls again before the interval has passed', async () => {
    const client = await register();
    const auth = await start(client);
    expect(await rejection(poll(client, auth.deviceCode!))).toBeInstanceOf(AuthorizationPendingException);
    const tooSoon = await rejection(poll(client, auth.deviceCode!));
    expect(tooSoon).toBeInstanceOf(SlowDownException);
    expect(tooSoon).toMatchObject({ error: 'slow_down', $metadata: { httpStatusCode: 400 } });
    await emu.advanceClock(60);
    expect(await rejection(poll(client, auth.deviceCode!))).toBeInstanceOf(AuthorizationPendingException);
  });

  it('answers AccessDenied once the person denies; a user code picks one of several pending authorizations', async () => {
    const client = await register();
    const first = await start(client);
    const second = await start(client);
    expect(await approve({ user: 'alice', user_code: first.userCode, deny: true })).toEqual({ status: 200, json: { denied: [first.userCode], user: 'alice' } });
    const denied = await rejection(poll(client, first.deviceCode!));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied).toMatchObject({ error: 'access_denied' });
    expect(await rejection(poll(client, second.deviceCode!))).toBeInstanceOf(AuthorizationPendingException);
    const states = ((await hook('GET', 'sso')).json.authorizations as Array<{ userCode: string; status: string }>).map(
      (a: { userCode: string; status: string }) => `${a.userCode} ${a.status}`,
    );
    expect(states).toEqual([`${first.userCode} denied`, `${second.userCode} pending`]);
  });

  it('answers ExpiredToken when the device code outlived its 10 minutes, and nothing is left to approve', async () => {
    const client = await register();
    const auth = await start(client);
    await emu.advanceClock(601);
    expect(await approve({ user: 'alice' })).toEqual({ status: 404, json: { error: expect.stringMatching(/^no pending device authorization/) } });
    const expired = await rejection(poll(client, auth.deviceCode!));
    expect(expired).toBeInstanceOf(ExpiredTokenException);
    expect(expired).toMatchObject({ error: 'expired_token' });
  });

  it('refuses a start URL that is not the instance of the fixture with InvalidRequest, and accepts it with a trailing slash', async () => {
    const client = await register();
    const wrong = await rejection(start(client, 'https://other.awsapps.com/start'));
    expect(wrong).toBeInstanceOf(InvalidRequestException);
    expect(wrong).toMatchObject({ error: 'invalid_request', $metadata: { httpStatusCode: 400 } });
    await expect(start(client, `${START_URL}/`)).resolves.toMatchObject({ interval: 60 });
  });

  it('refuses an unknown client or a wrong secret with InvalidClient (401), an unknown grant type with UnsupportedGrantType', async () => {
    const client = await register();
    const badSecret = await rejection(start({ ...client, clientSecret: `${client.clientSecret}x` }));
    expect(badSecret).toBeInstanceOf(InvalidClientException);
    expect(badSecret.$metadata.httpStatusCode).toBe(401);
    expect(await rejection(start({ clientId: 'unknown', clientSecret: 'unknown' }))).toBeInstanceOf(InvalidClientException);
    const auth = await start(client);
    const other = await register();
    expect(await rejection(poll(other, auth.deviceCode!))).toBeInstanceOf(InvalidGrantException);
    expect(await rejection(oidc().send(new CreateTokenCommand({ ...client, grantType: 'password' })))).toBeInstanceOf(UnsupportedGrantTypeException);
    // A registration ends after 90 days.
    await emu.advanceClock(90 * 24 * 3600);
    expect(await rejection(start(client))).toBeInstanceOf(InvalidClientException);
  });

  it('plays the browser: the verification page shows the code, and its form approves as a user', async () => {
    const client = await register();
    const auth = await start(client);
    const page = await fetch(auth.verificationUriComplete!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(auth.userCode);
    expect(html).toContain('awsdir-test');
    const answer = await fetch(`${emu.url}/device`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: auth.userCode!, user: 'carol', decision: 'allow' }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('approved');
    const token = await poll(client, auth.deviceCode!);
    expect((await hook('GET', 'sso')).json.sessions).toEqual([expect.objectContaining({ user: 'carol', clientName: 'awsdir-test', loggedOut: false })]);
    // carol has no assignment at all.
    expect((await portal().send(new ListAccountsCommand({ accessToken: token.accessToken! }))).accountList).toEqual([]);
  });

  it('refuses approvals for a user the fixture does not have, naming the ones it has', async () => {
    const client = await register();
    await start(client);
    expect(await approve({ user: 'mallory' })).toEqual({
      status: 400,
      json: { error: "no user 'mallory' under sso.users of the fixture; users: alice, bob, carol" },
    });
    expect(await approve({ user: 'alice', user_code: 'BBBB-CCCC' })).toMatchObject({ status: 404 });
  });
});

describe('tokens', () => {
  it('refreshes an expired access token with the refresh token, which keeps working', async () => {
    const { client, accessToken, refreshToken } = await signIn();
    await emu.advanceClock(3601);
    const expired = await rejection(portal().send(new ListAccountsCommand({ accessToken })));
    expect(expired).toBeInstanceOf(UnauthorizedException);
    expect(expired).toMatchObject({ message: 'Session token not found or invalid', $metadata: { httpStatusCode: 401 } });

    const refreshed = await oidc().send(new CreateTokenCommand({ ...client, grantType: 'refresh_token', refreshToken }));
    expect(refreshed).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(refreshed.accessToken).not.toBe(accessToken);
    expect((await portal().send(new ListAccountsCommand({ accessToken: refreshed.accessToken! }))).accountList).toHaveLength(3);
    expect(await rejection(portal().send(new ListAccountsCommand({ accessToken })))).toBeInstanceOf(UnauthorizedException);

    await emu.advanceClock(3601);
    const again = await oidc().send(new CreateTokenCommand({ ...client, grantType: 'refresh_token', refreshToken: refreshed.refreshToken }));
    await expect(portal().send(new ListAccountsCommand({ accessToken: again.accessToken! }))).resolves.toBeDefined();
    // Refresh tokens belong to the client they were issued to.
    const other = await register();
    expect(await rejection(oidc().send(new CreateTokenCommand({ ...other, grantType: 'refresh_token', refreshToken })))).toBeInstanceOf(InvalidGrantException);
  });

  it('issues no refresh token to a client registered without scopes, as AWS does for legacy sign-in', async () => {
    const { refreshToken } = await signIn('alice', []);
    expect(refreshToken).toBeUndefined();
  });

  it('ends refresh with the portal session (8 hours by default): InvalidGrant, sign in again', async () => {
    const { client, refreshToken } = await signIn();
    await emu.advanceClock(8 * 3600 - 60);
    const late = await oidc().send(new CreateTokenCommand({ ...client, grantType: 'refresh_token', refreshToken }));
    // The access token does not outlive the portal session.
    expect(late.expiresIn).toBe(60);
    await emu.advanceClock(61);
    expect(await rejection(oidc().send(new CreateTokenCommand({ ...client, grantType: 'refresh_token', refreshToken })))).toBeInstanceOf(InvalidGrantException);
    expect(await rejection(portal().send(new ListAccountsCommand({ accessToken: late.accessToken! })))).toBeInstanceOf(UnauthorizedException);
  });

  it('Logout ends the sign-in: its access and refresh tokens are refused; role credentials already issued run their course, as AWS documents', async () => {
    const { client, accessToken, refreshToken } = await signIn();
    const admin = await roleCredentials(accessToken, '222222222222', 'AdministratorAccess');
    await portal().send(new LogoutCommand({ accessToken }));
    expect(await rejection(portal().send(new ListAccountsCommand({ accessToken })))).toBeInstanceOf(UnauthorizedException);
    expect(
      await rejection(portal().send(new GetRoleCredentialsCommand({ accessToken, accountId: '222222222222', roleName: 'AdministratorAccess' }))),
    ).toBeInstanceOf(UnauthorizedException);
    expect(await rejection(oidc().send(new CreateTokenCommand({ ...client, grantType: 'refresh_token', refreshToken })))).toBeInstanceOf(InvalidGrantException);
    expect(await rejection(portal().send(new LogoutCommand({ accessToken })))).toBeInstanceOf(UnauthorizedException);
    expect((await hook('GET', 'sso')).json.sessions).toEqual([expect.objectContaining({ user: 'alice', loggedOut: true })]);

    // "After user logout, any existing IAM role sessions that were created by using IAM Identity
    // Center permission sets continue based on the duration configured in the permission set."
    await expect(sts(admin).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '222222222222' });
    await emu.advanceClock(3601);
    await expect(sts(admin).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken' });
    // A token nobody issued is refused the same way.
    expect(await rejection(portal().send(new LogoutCommand({ accessToken: 'aoa-not-a-token' })))).toBeInstanceOf(UnauthorizedException);
  });
});

describe('SSO portal', () => {
  it('lists the accounts of the user, named by their alias, in pages', async () => {
    const { accessToken } = await signIn();
    const first = await portal().send(new ListAccountsCommand({ accessToken, maxResults: 2 }));
    expect(first.accountList).toEqual([
      { accountId: '222222222222', accountName: 'acme-production', emailAddress: 'aws-production@corp.example' },
      { accountId: '333333333333', accountName: 'acme-development' },
    ]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await portal().send(new ListAccountsCommand({ accessToken, maxResults: 2, nextToken: first.nextToken }));
    expect(second.accountList).toEqual([{ accountId: '444444444444', accountName: '444444444444' }]);
    expect(second.nextToken).toBeUndefined();

    const all: string[] = [];
    for await (const page of paginateListAccounts({ client: portal(), pageSize: 1 }, { accessToken })) all.push(...page.accountList!.map((a) => a.accountId!));
    expect(all).toEqual(['222222222222', '333333333333', '444444444444']);

    const bad = await rejection(portal().send(new ListAccountsCommand({ accessToken, nextToken: 'garbage' })));
    expect(bad).toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
    const bob = await signIn('bob');
    expect((await portal().send(new ListAccountsCommand({ accessToken: bob.accessToken }))).accountList).toEqual([
      { accountId: '333333333333', accountName: 'acme-development' },
    ]);
    // A page token belongs to the list it came from.
    expect(await rejection(portal().send(new ListAccountsCommand({ accessToken: bob.accessToken, nextToken: first.nextToken })))).toMatchObject({
      name: 'InvalidRequestException',
    });
  });

  it("lists an account's roles (permission sets) and issues role credentials STS accepts, lasting the permission set's session duration", async () => {
    const { accessToken } = await signIn();
    const roles = await portal().send(new ListAccountRolesCommand({ accessToken, accountId: '222222222222' }));
    expect(roles.roleList).toEqual([
      { roleName: 'AdministratorAccess', accountId: '222222222222' },
      { roleName: 'ReadOnlyAccess', accountId: '222222222222' },
    ]);

    const before = await emulatorNow();
    const admin = await roleCredentials(accessToken, '222222222222', 'AdministratorAccess');
    const after = await emulatorNow();
    expect(admin.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(admin.expiration! - 3600 * 1000).toBeGreaterThanOrEqual(before - 1000);
    expect(admin.expiration! - 3600 * 1000).toBeLessThanOrEqual(after + 1000);

    const who = await sts(admin).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe('222222222222');
    expect(who.Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/);
    expect(who.UserId).toMatch(/^AROA[A-Z2-7]+:alice$/);
    const suffix = (arn: string) => /_([0-9a-f]{16})\//.exec(arn)![1];
    // The role's suffix is stable per account and permission set.
    const again = await sts(await roleCredentials(accessToken, '222222222222', 'AdministratorAccess')).send(new GetCallerIdentityCommand({}));
    expect(again.Arn).toBe(who.Arn);
    const readOnly = await roleCredentials(accessToken, '222222222222', 'ReadOnlyAccess');
    const readOnlyDev = await roleCredentials(accessToken, '333333333333', 'ReadOnlyAccess');
    const readOnlyArn = (await sts(readOnly).send(new GetCallerIdentityCommand({}))).Arn!;
    const readOnlyDevArn = (await sts(readOnlyDev).send(new GetCallerIdentityCommand({}))).Arn!;
    expect(new Set([suffix(who.Arn!), suffix(readOnlyArn), suffix(readOnlyDevArn)]).size).toBe(3);

    await emu.advanceClock(3601);
    await expect(sts(admin).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 400 } });
    await expect(sts(readOnly).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: readOnlyArn });
    await emu.advanceClock(7 * 3600);
    await expect(sts(readOnly).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken' });

    expect((await hook('GET', 'sso')).json.roleCredentials).toEqual([
      expect.objectContaining({ accessKeyId: admin.accessKeyId, user: 'alice', account: '222222222222', permissionSet: 'AdministratorAccess', expired: true }),
      expect.objectContaining({ user: 'alice', account: '222222222222', permissionSet: 'AdministratorAccess', expired: true }),
      expect.objectContaining({ accessKeyId: readOnly.accessKeyId, permissionSet: 'ReadOnlyAccess', expired: true }),
      expect.objectContaining({ accessKeyId: readOnlyDev.accessKeyId, account: '333333333333', expired: true }),
    ]);
    const actions = (await emu.calls()).map((c) => c.action);
    expect(actions.filter((a) => a === 'GetRoleCredentials')).toHaveLength(4);
    expect(actions.filter((a) => a === 'ListAccountRoles')).toHaveLength(1);
  });

  it('refuses what the user is not assigned with ForbiddenException "No access", as AWS does', async () => {
    const { accessToken } = await signIn('bob');
    const noRole = await rejection(portal().send(new GetRoleCredentialsCommand({ accessToken, accountId: '222222222222', roleName: 'AdministratorAccess' })));
    // The SDK models no ForbiddenException: it raises its service exception carrying AWS's code.
    expect(noRole).toBeInstanceOf(SSOServiceException);
    expect(noRole).toMatchObject({ name: 'ForbiddenException', message: 'No access', $metadata: { httpStatusCode: 403 } });
    expect(
      await rejection(portal().send(new GetRoleCredentialsCommand({ accessToken, accountId: '333333333333', roleName: 'AdministratorAccess' }))),
    ).toMatchObject({ name: 'ForbiddenException' });
    expect(await rejection(portal().send(new ListAccountRolesCommand({ accessToken, accountId: '222222222222' })))).toMatchObject({
      name: 'ForbiddenException',
    });
    await expect(roleCredentials(accessToken, '333333333333', 'ReadOnlyAccess')).resolves.toMatchObject({ accessKeyId: expect.any(String) });
    const unknown = await rejection(portal().send(new ListAccountsCommand({ accessToken: 'aoa-not-a-token' })));
    expect(unknown).toBeInstanceOf(UnauthorizedException);
  });

  it('takes its endpoints from AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO', async () => {
    const saved = { oidc: process.env.AWS_ENDPOINT_URL_SSO_OIDC, sso: process.env.AWS_ENDPOINT_URL_SSO };
    process.env.AWS_ENDPOINT_URL_SSO_OIDC = emu.url;
    process.env.AWS_ENDPOINT_URL_SSO = emu.url;
    try {
      const o = new SSOOIDCClient({ region: 'eu-west-1', maxAttempts: 1 });
      const client = await o.send(new RegisterClientCommand({ clientName: 'env', clientType: 'public' }));
      const auth = await o.send(new StartDeviceAuthorizationCommand({ clientId: client.clientId!, clientSecret: client.clientSecret!, startUrl: START_URL }));
      await approve({ user: 'alice' });
      const token = await o.send(
        new CreateTokenCommand({ clientId: client.clientId!, clientSecret: client.clientSecret!, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode! }),
      );
      const accounts = await new SSOClient({ region: 'eu-west-1', maxAttempts: 1 }).send(new ListAccountsCommand({ accessToken: token.accessToken! }));
      expect(accounts.accountList).toHaveLength(3);
    } finally {
      for (const [name, value] of [
        ['AWS_ENDPOINT_URL_SSO_OIDC', saved.oidc],
        ['AWS_ENDPOINT_URL_SSO', saved.sso],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('takes faults from the fault hook like STS and IAM', async () => {
    const { accessToken } = await signIn();
    await emu.fault({ action: 'GetRoleCredentials', code: 'TooManyRequestsException', status: 429, message: 'Rate exceeded' });
    const throttled = await rejection(
      portal().send(new GetRoleCredentialsCommand({ accessToken, accountId: '222222222222', roleName: 'AdministratorAccess' })),
    );
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect(throttled).toMatchObject({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
    await emu.fault({ action: 'CreateToken', drop: true });
    await expect(oidc().send(new CreateTokenCommand({ clientId: 'x', clientSecret: 'y', grantType: DEVICE_GRANT, deviceCode: 'z' }))).rejects.toThrow();
    await expect(roleCredentials(accessToken, '222222222222', 'AdministratorAccess')).resolves.toMatchObject({ accessKeyId: expect.any(String) });
  });
});

describe('the demo fixture', () => {
  it("signs alice in at the demo's access portal and gives her AdministratorAccess in production", async () => {
    const demo = await startTestEmulator();
    try {
      const o = new SSOOIDCClient({ region: 'eu-west-1', endpoint: demo.url, maxAttempts: 1 });
      const client = await o.send(new RegisterClientCommand({ clientName: 'demo', clientType: 'public', scopes: ['sso:account:access'] }));
      const creds = { clientId: client.clientId!, clientSecret: client.clientSecret! };
      const auth = await o.send(new StartDeviceAuthorizationCommand({ ...creds, startUrl: 'https://acme.awsapps.com/start' }));
      await fetch(`${demo.url}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify({ user: 'alice' }) });
      const token = await o.send(new CreateTokenCommand({ ...creds, grantType: DEVICE_GRANT, deviceCode: auth.deviceCode! }));
      const p = new SSOClient({ region: 'eu-west-1', endpoint: demo.url, maxAttempts: 1 });
      const accounts = await p.send(new ListAccountsCommand({ accessToken: token.accessToken! }));
      expect(accounts.accountList!.map((a) => a.accountName)).toEqual(['acme-production', 'acme-development']);
      const role = await p.send(new GetRoleCredentialsCommand({ accessToken: token.accessToken!, accountId: '222222222222', roleName: 'AdministratorAccess' }));
      const c = role.roleCredentials!;
      const who = await new STSClient({
        region: 'us-east-1',
        endpoint: demo.url,
        credentials: { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! },
        maxAttempts: 1,
      }).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/);
    } finally {
      await demo.close();
    }
  });
});

describe('the AWS CLI with SSO role credentials', () => {
  it('names the AWSReservedSSO role session', async () => {
    const { accessToken } = await signIn();
    const c = await roleCredentials(accessToken, '222222222222', 'AdministratorAccess');
    const home = mkdtempSync(join(tmpdir(), 'awsdir-emu-sso-'));
    const r = await runProcess('/usr/bin/aws', ['sts', 'get-caller-identity', '--endpoint-url', emu.url, '--output', 'json'], {
      env: {
        HOME: home,
        AWS_ACCESS_KEY_ID: c.accessKeyId!,
        AWS_SECRET_ACCESS_KEY: c.secretAccessKey!,
        AWS_SESSION_TOKEN: c.sessionToken!,
        AWS_REGION: 'eu-west-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
      },
      timeoutMs: 30000,
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/);
  });
});

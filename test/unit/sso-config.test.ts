/**
 * IAM Identity Center in the configuration: SSO sources of the user file (a start URL and region,
 * or an [sso-session] of ~/.aws/config), and SSO profiles of ~/.aws/config in both of the forms
 * the AWS CLI writes, each with errors that name the file, the line and the fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configHome } from '../support/configHome';
import { parseAwsConfig } from '../../src/config/awsSharedFiles';
import { loadUserConfig } from '../../src/config/loadUserConfig';
import { resolveProject } from '../../src/config/resolveProject';
import { readSsoProfile, ssoSettingsOf, startUrlProblem } from '../../src/config/ssoConfig';
import { recordSsoSource } from '../../src/config/updateUserConfig';
import type { SourceConfig } from '../../src/config/types';

function setup() {
  const made = configHome('awsdir-sso-config-');
  return { ...made, userFile: join(made.home, '.config', 'awsdir', 'config.yaml') };
}

const START_URL = 'https://corp.awsapps.com/start';

async function configError(promise: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { kind: (error as { kind: string }).kind, message: (error as Error).message };
  }
  throw new Error('expected a configuration error');
}

describe('SSO sources of the user file', () => {
  test('sso_start_url with sso_region is a source of kind sso; the keys are plain, never secrets', async () => {
    const { env, write } = setup();
    write(
      '.config/awsdir/config.yaml',
      `version: 1\nsources:\n  corp:\n    sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n  default:\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n`,
    );
    const config = await loadUserConfig(env);
    expect(config.sources.corp).toMatchObject({ kind: 'sso', name: 'corp', startUrl: START_URL, region: 'eu-west-1' });
    expect(config.sources.default).toMatchObject({ kind: 'keychain' });
    expect(ssoSettingsOf(config.sources.corp as Extract<SourceConfig, { kind: 'sso' }>, env)).toEqual({
      startUrl: START_URL,
      region: 'eu-west-1',
      origin: `${config.file} (source corp)`,
    });
  });

  test('sso_session reuses an [sso-session] of ~/.aws/config, read when used; a missing or incomplete one is an error naming the file and the fix', async () => {
    const { env, write } = setup();
    write(
      '.config/awsdir/config.yaml',
      'version: 1\nsources:\n  corp:\n    sso_session: corp\n  other:\n    sso_session: missing\n  half:\n    sso_session: half\n',
    );
    const awsConfig = write(
      '.aws/config',
      `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[sso-session half]\nsso_region = eu-west-1\n`,
    );
    const config = await loadUserConfig(env);
    expect(config.sources.corp).toMatchObject({ kind: 'sso', ssoSession: 'corp' });
    const sso = (name: string) => config.sources[name] as Extract<SourceConfig, { kind: 'sso' }>;
    expect(ssoSettingsOf(sso('corp'), env)).toEqual({ startUrl: START_URL, region: 'eu-west-1', origin: `${awsConfig} [sso-session corp]` });
    expect(() => ssoSettingsOf(sso('other'), env)).toThrow(
      `source 'other' names sso_session 'missing', and ${awsConfig} has no [sso-session missing]; add the section (sso_start_url and sso_region), or give the source sso_start_url and sso_region in ${config.file}`,
    );
    expect(() => ssoSettingsOf(sso('half'), env)).toThrow(
      `${awsConfig}:6: key 'sso_start_url' of [sso-session half]: missing; allowed: the https URL of your AWS access portal, such as https://corp.awsapps.com/start`,
    );
  });

  test.each([
    [
      'an http start URL',
      `sso_start_url: http://corp.awsapps.com/start\n    sso_region: eu-west-1`,
      /config\.yaml:4:20: key 'sso_start_url': not an https URL .*; allowed: the https URL of your AWS access portal/,
    ],
    [
      'a start URL with a password in it',
      `sso_start_url: https://me:pw@corp.awsapps.com/start\n    sso_region: eu-west-1`,
      /key 'sso_start_url': holds a user name or password/,
    ],
    ['a region that is none', `sso_start_url: ${START_URL}\n    sso_region: europe`, /key 'sso_region': not an AWS region \(got "europe"\)/],
    [
      'a start URL without its region',
      `sso_start_url: ${START_URL}`,
      /config\.yaml:4:5: key 'sso_start_url': sso_region is missing; allowed: sso_start_url with sso_region, or sso_session alone/,
    ],
    [
      'a region without a start URL',
      'sso_region: eu-west-1',
      /config\.yaml:4:5: key 'sso_region': sso_start_url is missing; allowed: sso_start_url with sso_region, or sso_session alone/,
    ],
    [
      'sso_session beside a start URL',
      `sso_session: corp\n    sso_start_url: ${START_URL}\n    sso_region: eu-west-1`,
      /config\.yaml:4:5: key 'sso_session': an sso_session already names the start URL and region; allowed: sso_start_url with sso_region, or sso_session alone/,
    ],
    [
      'keys beside a start URL',
      `sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n    access_key_id: AKIAIOSFODNN7EXAMPLE`,
      /config\.yaml:6:5: key 'access_key_id': an IAM Identity Center source signs in through the browser and holds no keys/,
    ],
    [
      'an MFA device beside a start URL',
      `sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice`,
      /key 'mfa_serial': an IAM Identity Center source .*(asks for MFA itself)/,
    ],
  ])('%s is a configuration error naming the place and what is allowed', async (_what, body, message) => {
    const { env, write } = setup();
    write('.config/awsdir/config.yaml', `version: 1\nsources:\n  corp:\n    ${body}\n`);
    const failure = await configError(loadUserConfig(env));
    expect(failure.kind).toBe('config');
    expect(failure.message).toMatch(message);
  });

  test('recordSsoSource writes the source, keeps comments and other sources, and replaces an earlier setting', async () => {
    const { env, write, userFile } = setup();
    write('.config/awsdir/config.yaml', '# mine\nversion: 1\nsources:\n  default: # keys\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n');
    await recordSsoSource(env, 'corp', { startUrl: START_URL, region: 'eu-west-1' });
    let text = readFileSync(userFile, 'utf8');
    expect(text).toContain('# mine');
    expect(text).toContain('# keys');
    expect((await loadUserConfig(env)).sources.corp).toMatchObject({ kind: 'sso', startUrl: START_URL, region: 'eu-west-1' });
    await recordSsoSource(env, 'corp', { ssoSession: 'corp' });
    text = readFileSync(userFile, 'utf8');
    expect(text).not.toContain('sso_start_url');
    const config = await loadUserConfig(env);
    expect(config.sources.corp).toEqual({ kind: 'sso', name: 'corp', ssoSession: 'corp', sessionDurationSeconds: 43200 });
    expect(config.sources.default).toMatchObject({ kind: 'keychain', mfaSerial: 'arn:aws:iam::111111111111:mfa/alice' });
  });

  test('recordSsoSource adds to an empty `sources:`, an emptied one and to a file without one, one key per line', async () => {
    for (const text of ['version: 1\nsources:\n', 'version: 1\n', 'version: 1\nsources: {}\n']) {
      const { env, write } = setup();
      write('.config/awsdir/config.yaml', text);
      await recordSsoSource(env, 'corp', { ssoSession: 'corp' });
      expect((await loadUserConfig(env)).sources).toEqual({ corp: { kind: 'sso', name: 'corp', ssoSession: 'corp', sessionDurationSeconds: 43200 } });
      expect(readFileSync(join(env.XDG_CONFIG_HOME, 'awsdir', 'config.yaml'), 'utf8')).toBe('version: 1\nsources:\n  corp:\n    sso_session: corp\n');
    }
  });

  test('a project file naming an SSO source with a role is refused, naming the kind of source it needs', async () => {
    const { home, env, write } = setup();
    write('.config/awsdir/config.yaml', `version: 1\nsources:\n  corp:\n    sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n`);
    const project = write('prod/.awsdir.yaml', 'version: 1\nsource: corp\nrole: arn:aws:iam::222222222222:role/admin\nregion: eu-west-1\n');
    const failure = await configError(resolveProject(join(home, 'prod'), { env, userConfig: await loadUserConfig(env), user: 'alice' }));
    expect(failure).toEqual({
      kind: 'config',
      message: expect.stringContaining(
        `${project}:2:9: key 'source': 'corp' is an IAM Identity Center source, which gives role credentials for its own permission sets, not keys to assume \`role:\` with`,
      ),
    });
  });
});

describe('start URLs', () => {
  test('only https URLs of a host, without credentials or spaces', () => {
    expect(startUrlProblem(START_URL)).toBeUndefined();
    expect(startUrlProblem('https://d-1234567890.awsapps.com/start/#/')).toBeUndefined();
    expect(startUrlProblem('https://ssoins-1234.portal.eu-west-1.app.aws')).toBeUndefined();
    expect(startUrlProblem('http://corp.awsapps.com/start')).toMatch(/^not an https URL/);
    expect(startUrlProblem('corp.awsapps.com/start')).toMatch(/^not an https URL/);
    expect(startUrlProblem('https://')).toMatch(/^not an https URL/);
    expect(startUrlProblem('https://corp.awsapps.com/ start')).toMatch(/^not an https URL/);
    expect(startUrlProblem('https://u:p@corp.awsapps.com/start')).toMatch(/^holds a user name or password/);
  });
});

describe('SSO profiles of ~/.aws/config', () => {
  const CONFIG = `[sso-session corp]
sso_start_url = ${START_URL}
sso_region = eu-west-1

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
region = ap-northeast-1

[profile legacy]
sso_start_url = ${START_URL}
sso_region = eu-west-1
sso_account_id = 333333333333
sso_role_name = ReadOnlyAccess

[profile keys]
role_arn = arn:aws:iam::222222222222:role/admin
source_profile = default

[profile norole]
sso_session = corp
sso_account_id = 222222222222

[profile badaccount]
sso_session = corp
sso_account_id = 2222
sso_role_name = AdministratorAccess

[profile lost]
sso_session = nowhere
sso_account_id = 222222222222
sso_role_name = AdministratorAccess

[profile differs]
sso_session = corp
sso_start_url = https://other.awsapps.com/start
sso_account_id = 222222222222
sso_role_name = AdministratorAccess

[profile halflegacy]
sso_start_url = ${START_URL}
sso_account_id = 222222222222
sso_role_name = AdministratorAccess

[profile plain]
sso_session = corp
sso_start_url = http://corp.awsapps.com/start
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
`;
  const config = parseAwsConfig(CONFIG, '/home/alice/.aws/config');

  test('the sso_session form and the legacy form give start URL, region, account and role', () => {
    expect(readSsoProfile(config, 'prod')).toEqual({
      startUrl: START_URL,
      region: 'eu-west-1',
      origin: '/home/alice/.aws/config [sso-session corp]',
      accountId: '222222222222',
      roleName: 'AdministratorAccess',
      ssoSession: 'corp',
    });
    expect(readSsoProfile(config, 'legacy')).toEqual({
      startUrl: START_URL,
      region: 'eu-west-1',
      origin: '/home/alice/.aws/config [profile legacy]',
      accountId: '333333333333',
      roleName: 'ReadOnlyAccess',
    });
  });

  test('a profile without sso_ keys is no SSO profile; an absent profile is none either', () => {
    expect(readSsoProfile(config, 'keys')).toBeUndefined();
    expect(readSsoProfile(config, 'absent')).toBeUndefined();
  });

  test.each([
    [
      'norole',
      "/home/alice/.aws/config:21: key 'sso_role_name' of [profile norole]: missing; allowed: the name of a permission set assigned to you, such as AdministratorAccess",
    ],
    [
      'badaccount',
      '/home/alice/.aws/config:27: key \'sso_account_id\' of [profile badaccount]: "2222" is not a 12-digit account id; allowed: the 12-digit id of an account you are assigned to',
    ],
    [
      'lost',
      "/home/alice/.aws/config:31: key 'sso_session' of [profile lost]: there is no [sso-session nowhere] in /home/alice/.aws/config; allowed: the name of an [sso-session NAME] section of that file",
    ],
    [
      'differs',
      "/home/alice/.aws/config:37: key 'sso_start_url' of [profile differs]: https://other.awsapps.com/start differs from the sso_start_url of [sso-session corp] (https://corp.awsapps.com/start); allowed: the same URL, or no sso_start_url beside sso_session",
    ],
    [
      'halflegacy',
      "/home/alice/.aws/config:41: key 'sso_region' of [profile halflegacy]: missing; allowed: the region of your IAM Identity Center instance, such as eu-west-1 (or sso_session naming an [sso-session] that has it)",
    ],
    ['plain', "/home/alice/.aws/config:48: key 'sso_start_url' of [profile plain]: not an https URL"],
  ])('[profile %s] is a configuration error naming the line and what is allowed', (name, message) => {
    let error: unknown;
    try {
      readSsoProfile(config, name);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: 'config' });
    expect((error as Error).message.startsWith(message)).toBe(true);
  });
});

describe('a project of an IAM Identity Center source', () => {
  const USER_FILE = `version: 1\nsources:\n  corp:\n    sso_session: corp\n  default:\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n`;
  const AWS_CONFIG = `[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n\n[profile prod-admin]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = AdministratorAccess\nregion = ap-northeast-1\n\n[profile elsewhere]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 222222222222\nsso_role_name = AdministratorAccess\n`;

  async function resolveIn(files: Record<string, string>, dir = 'prod') {
    const { home, env, write } = setup();
    write('.config/awsdir/config.yaml', USER_FILE);
    write('.aws/config', AWS_CONFIG);
    const written: Record<string, string> = {};
    for (const [path, text] of Object.entries(files)) written[path] = write(path, text);
    const run = async () => resolveProject(join(home, dir), { env, userConfig: await loadUserConfig(env), user: 'alice' });
    return { home, env, write, written, run };
  }

  test('sso: names the account and permission set; the start URL and region come from the source ([sso-session] included)', async () => {
    const { run, written } = await resolveIn({
      'prod/.awsdir.yaml': 'version: 1\nsource: corp\nsso: { account: "222222222222", role: AdministratorAccess }\nregion: ap-northeast-1\nlabel: production\n',
    });
    const project = await run();
    expect(project).toMatchObject({
      sso: { startUrl: START_URL, region: 'eu-west-1', accountId: '222222222222', roleName: 'AdministratorAccess' },
      account: '222222222222',
      role: {
        name: 'AdministratorAccess',
        account: '222222222222',
        arn: 'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_AdministratorAccess_*',
      },
      region: 'ap-northeast-1',
      sourceName: 'corp',
      label: 'production',
      mfa: false,
    });
    expect(project.origins).toMatchObject({ sso: written['prod/.awsdir.yaml'], sso_start_url: expect.stringContaining('[sso-session corp]') });
  });

  test('profile: an SSO profile of ~/.aws/config, its sign-in matched to the source that signs in there', async () => {
    const project = await (await resolveIn({ 'prod/.awsdir.yaml': 'version: 1\nprofile: prod-admin\n' })).run();
    expect(project).toMatchObject({
      sourceName: 'corp',
      region: 'ap-northeast-1',
      sso: { startUrl: START_URL, accountId: '222222222222', roleName: 'AdministratorAccess' },
      label: 'AdministratorAccess',
    });
  });

  test.each([
    [
      'a role beside sso:',
      'source: corp\nsso: { account: "222222222222", role: AdministratorAccess }\nrole: admin\nregion: eu-west-1\n',
      /:4:7: key 'role': not with `sso:`: the permission set is `role:` inside `sso:`; allowed: no `role:` in a project of an IAM Identity Center source/,
    ],
    [
      'a duration beside sso:',
      'source: corp\nsso: { account: "222222222222", role: AdministratorAccess }\nduration: 8h\nregion: eu-west-1\n',
      /key 'duration': not with `sso:`: the permission set's session duration, set in IAM Identity Center, decides/,
    ],
    [
      'sso: with a source of keys',
      'source: default\nsso: { account: "222222222222", role: AdministratorAccess }\nregion: eu-west-1\n',
      /:2:9: key 'source': 'default' holds keys, and `sso:` needs an IAM Identity Center source; allowed: an IAM Identity Center source \(corp\)/,
    ],
    [
      'sso: without source: while default holds keys',
      'sso: { account: "222222222222", role: AdministratorAccess }\nregion: eu-west-1\n',
      /key 'source': missing, and `sso:` needs an IAM Identity Center source \('default' holds keys\); allowed: `source:` naming one of corp/,
    ],
    [
      'an account that is no account',
      'source: corp\nsso: { account: "2222", role: AdministratorAccess }\nregion: eu-west-1\n',
      /key 'account': not a 12-digit account id .*; allowed: a 12-digit AWS account id in quotes, such as "222222222222", that IAM Identity Center assigns you/,
    ],
    [
      'an unknown key inside sso:',
      'source: corp\nsso: { account: "222222222222", role: AdministratorAccess, roel: x }\nregion: eu-west-1\n',
      /key 'roel': unknown key \(did you mean 'role'\?\); allowed: account, role/,
    ],
    [
      'account: that is not the one of sso:',
      'source: corp\nsso: { account: "222222222222", role: AdministratorAccess }\naccount: "333333333333"\nregion: eu-west-1\n',
      /key 'account': "333333333333" is not the account `sso:` names \(222222222222\)/,
    ],
    [
      'an SSO source and neither sso: nor role:',
      'source: corp\nregion: eu-west-1\n',
      /key 'source': 'corp' is an IAM Identity Center source, .*; allowed: `sso: \{ account: "222222222222", role: AdministratorAccess \}`/,
    ],
  ])('%s is a configuration error naming the line and what is allowed', async (_, text, message) => {
    const failure = await configError((await resolveIn({ 'prod/.awsdir.yaml': `version: 1\n${text}` })).run());
    expect(failure.kind).toBe('config');
    expect(failure.message).toMatch(message);
  });

  test('profile: of a sign-in no source of the user file has: an error naming the add command that makes one', async () => {
    const { run, written } = await resolveIn({ 'prod/.awsdir.yaml': 'version: 1\nprofile: elsewhere\nregion: eu-west-1\n' });
    const failure = await configError(run());
    expect(failure).toEqual({
      kind: 'config',
      message: `${written['prod/.awsdir.yaml']}:2:10: key 'profile': profile 'elsewhere' signs in to IAM Identity Center at https://other.awsapps.com/start (us-east-1), and no source of ${join(written['prod/.awsdir.yaml']!, '..', '..', '.config', 'awsdir', 'config.yaml')} does; add it with \`awsdir add NAME --sso-start-url https://other.awsapps.com/start --sso-region us-east-1\`, or name such a source with \`source:\``,
    });
  });

  test('the approval covers the start URL: a source moved to another sign-in is refused until allowed again', async () => {
    const { home, env, write } = await resolveIn({
      'prod/.awsdir.yaml': 'version: 1\nsource: corp\nsso: { account: "222222222222", role: AdministratorAccess }\nregion: eu-west-1\n',
    });
    const { allowProject, resolveAllowedProject } = await import('../../src/config/approval');
    await allowProject(join(home, 'prod'), env);
    await expect(resolveAllowedProject(join(home, 'prod'), env, await loadUserConfig(env))).resolves.toMatchObject({ sso: { startUrl: START_URL } });
    write('.aws/config', AWS_CONFIG.replace(START_URL, 'https://evil.awsapps.com/start'));
    await expect(resolveAllowedProject(join(home, 'prod'), env, await loadUserConfig(env))).rejects.toThrow(
      /selects another identity than the one you allowed: sso_start_url: https:\/\/corp\.awsapps\.com\/start -> https:\/\/evil\.awsapps\.com\/start \(from .*\[sso-session corp\]\); it would select permission set AdministratorAccess @ 222222222222 through IAM Identity Center https:\/\/evil\.awsapps\.com\/start/,
    );
  });
});

describe('IAM Identity Center sources where keys are needed', () => {
  test('a profile whose keys are in no file is offered only sources that hold keys', async () => {
    const { home, env, write } = setup();
    write(
      '.config/awsdir/config.yaml',
      `version: 1\nsources:\n  corp:\n    sso_start_url: ${START_URL}\n    sso_region: eu-west-1\n  default:\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n`,
    );
    write('.aws/config', '[profile keys]\n[profile admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = keys\nregion = eu-west-1\n');
    write('prod/.awsdir.yaml', 'version: 1\nprofile: admin\n');
    const failure = await configError(resolveProject(join(home, 'prod'), { env, userConfig: await loadUserConfig(env), user: 'alice' }));
    expect(failure.message).toMatch(/; add `source: default` to \.awsdir\.yaml to use the keys awsdir keeps in the keychain$/);
  });
});

import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileWriter } from '../support/configHome';
import { loadAwsConfig, readAwsProfile } from '../../src/config/awsProfile';
import { parseAwsConfig, parseAwsCredentials, readAwsConfig, readAwsCredentials } from '../../src/config/awsSharedFiles';
import { withoutProfileKeys } from '../../src/security/removeProfileKeys';

function home(): { dir: string; env: Record<string, string>; write: (path: string, text: string) => string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-awsfiles-')));
  return { dir, env: { HOME: dir }, write: fileWriter(dir) };
}

const values = (section: { values: Record<string, string> } | undefined) => (section ? { ...section.values } : undefined);

describe('the shared AWS files reader', () => {
  test('dotted profile names are names, not nested sections, in both files', () => {
    const config = parseAwsConfig('[profile acme]\nregion = eu-west-1\n[profile acme.dev]\nregion = us-east-2\nsource_profile = acme.dev.keys\n', 'config');
    expect([...config.profiles.keys()]).toEqual(['acme', 'acme.dev']);
    expect(values(config.profiles.get('acme'))).toEqual({ region: 'eu-west-1' });
    expect(values(config.profiles.get('acme.dev'))).toEqual({ region: 'us-east-2', source_profile: 'acme.dev.keys' });
    const credentials = parseAwsCredentials('[acme.dev.keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = s3cr/t+key\n', 'credentials');
    expect(values(credentials.profiles.get('acme.dev.keys'))).toEqual({ aws_access_key_id: 'AKIAEXAMPLEEXAMPLE12', aws_secret_access_key: 's3cr/t+key' });
    expect(credentials.profiles.has('acme')).toBe(false);
  });

  test('sections of the config file: [default], [profile NAME], [sso-session NAME], [services NAME]; a bare [NAME] is no profile', () => {
    const config = parseAwsConfig(
      '[default]\nregion = us-east-1\n[acme.dev]\nregion = nowhere\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n[services local]\nsts =\n  endpoint_url = http://localhost:4566\n[profile "quoted.name"]\nregion = ap-south-1\n[plugins]\ncli_legacy_plugin_path = /x\n',
      'config',
    );
    expect([...config.profiles.keys()].sort()).toEqual(['default', 'quoted.name']);
    expect(values(config.profiles.get('default'))).toEqual({ region: 'us-east-1' });
    expect(values(config.ssoSessions.get('corp'))).toEqual({ sso_start_url: 'https://corp.awsapps.com/start', sso_region: 'eu-west-1' });
    expect(config.services.get('local')?.nested).toEqual({ sts: { endpoint_url: 'http://localhost:4566' } });
    // The credentials file has no prefixes: `[profile x]` there is a profile named "profile x".
    expect([...parseAwsCredentials('[profile x]\na = 1\n', 'c').profiles.keys()]).toEqual(['profile x']);
  });

  test('[profile default] is the explicit [default] and wins over it, wherever it stands', () => {
    for (const text of ['[profile default]\nregion = a\n[default]\nregion = b\n', '[default]\nregion = b\n[profile default]\nregion = a\n']) {
      expect(parseAwsConfig(text, 'config').profiles.get('default')?.values.region).toBe('a');
    }
  });

  test('comments with # and ;, whole lines or after whitespace; a # inside a value stays', () => {
    const c = parseAwsCredentials(
      '# top\n; also\n[a.b] # the work account\n  # indented comment\naws_access_key_id = AKIAEXAMPLEEXAMPLE12 ; old\naws_secret_access_key = abc#def;ghi\n;aws_session_token = commented\n',
      'credentials',
    );
    expect(values(c.profiles.get('a.b'))).toEqual({ aws_access_key_id: 'AKIAEXAMPLEEXAMPLE12', aws_secret_access_key: 'abc#def;ghi' });
  });

  test('whitespace around headers, names, keys and values; keys lower-cased; values exactly as written', () => {
    const config = parseAwsConfig(
      '  [  profile    acme.dev  ]  \n\tRegion=eu-west-1\n  duration_seconds   =   0900  \nmfa_serial =arn:aws:iam::111111111111:mfa/alice\ncredential_process = tool --flag=a=b "x y"\nflag = true\nempty =\n',
      'config',
    );
    expect(values(config.profiles.get('acme.dev'))).toEqual({
      region: 'eu-west-1',
      duration_seconds: '0900',
      mfa_serial: 'arn:aws:iam::111111111111:mfa/alice',
      credential_process: 'tool --flag=a=b "x y"',
      flag: 'true',
      empty: '',
    });
  });

  test("nested sub-settings do not overwrite the profile's own keys", () => {
    const p = parseAwsConfig(
      '[profile x]\nregion = eu-west-1\ns3 =\n  region = us-west-2\n  max_concurrent_requests = 20\nrole_arn = arn:aws:iam::222222222222:role/admin\n',
      'config',
    ).profiles.get('x')!;
    expect(p.values.region).toBe('eu-west-1');
    expect(p.values.role_arn).toBe('arn:aws:iam::222222222222:role/admin');
    expect(p.nested.s3).toEqual({ region: 'us-west-2', max_concurrent_requests: '20' });
  });

  test('a section written twice is one section: keys merged, the later value wins, lines point at each value', () => {
    const c = parseAwsCredentials(
      '[acme.dev]\naws_access_key_id = AKIAFIRSTFIRSTFIRST1\nregion = a\n\n[other]\nx = 1\n[acme.dev]\naws_access_key_id = AKIASECONDSECONDSEC2\n',
      'credentials',
    );
    const s = c.profiles.get('acme.dev')!;
    expect(values(s)).toEqual({ aws_access_key_id: 'AKIASECONDSECONDSEC2', region: 'a' });
    expect(s.line).toBe(1);
    expect(s.lines).toEqual({ aws_access_key_id: 8, region: 3 });
    expect([...c.profiles.keys()]).toEqual(['acme.dev', 'other']);
  });

  test('CRLF (and a byte-order mark) read like LF: no \\r in names or values', () => {
    const lf = '[profile acme.dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::222222222222:role/admin\n';
    const crlf = parseAwsConfig(`\uFEFF${lf.replace(/\n/g, '\r\n')}`, 'config');
    expect([...crlf.profiles.keys()]).toEqual(['acme.dev']);
    expect(values(crlf.profiles.get('acme.dev'))).toEqual(values(parseAwsConfig(lf, 'config').profiles.get('acme.dev')));
  });

  test('missing files have no sections; a file that cannot be read is an error', () => {
    const { dir, env } = home();
    expect(readAwsConfig(env)).toMatchObject({ file: join(dir, '.aws', 'config'), exists: false });
    expect(readAwsConfig(env).profiles.size).toBe(0);
    expect(readAwsCredentials(env)).toMatchObject({ file: join(dir, '.aws', 'credentials'), exists: false });
    mkdirSync(join(dir, '.aws', 'config'), { recursive: true });
    // Refused before any read, as a FIFO would be: nothing may block or be half-read.
    const refusal = `${join(dir, '.aws', 'config')}: not a regular file (a directory); allowed: a regular file`;
    expect(() => readAwsConfig(env)).toThrow(expect.objectContaining({ kind: 'config', message: refusal }));
    expect(() => loadAwsConfig(env)).toThrow(expect.objectContaining({ kind: 'config', message: refusal }));
  });

  test('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name the files instead of ~/.aws', () => {
    const { env, write } = home();
    write('.aws/config', '[profile acme.dev]\nregion = from-home\n');
    write('.aws/credentials', '[acme.dev]\naws_access_key_id = AKIAHOMEHOMEHOMEHOME\n');
    const config = write('elsewhere/config', '[profile acme.dev]\nregion = from-variable\n');
    const credentials = write('elsewhere/credentials', '[acme.dev]\naws_access_key_id = AKIAVARIABLEVARIABLE\n');
    expect(readAwsConfig(env).profiles.get('acme.dev')?.values.region).toBe('from-home');
    const named = { ...env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    expect(readAwsConfig(named)).toMatchObject({ file: config, exists: true });
    expect(readAwsConfig(named).profiles.get('acme.dev')?.values.region).toBe('from-variable');
    expect(readAwsCredentials(named).profiles.get('acme.dev')?.values.aws_access_key_id).toBe('AKIAVARIABLEVARIABLE');
  });

  test('a profile for `profile:` names the file and line of a bad value', () => {
    const { env, write } = home();
    const file = write('.aws/config', '[default]\nregion = a\n\n[profile acme.dev]\nrole_arn = arn:aws:iam::222222222222:role/admin\nduration_seconds = 60\n');
    const config = loadAwsConfig(env);
    expect(() => readAwsProfile(config, 'acme.dev')).toThrow(
      `${file}:6: key 'duration_seconds' of [profile acme.dev]: "60" is out of range; allowed: whole seconds from 900 to 43200`,
    );
    expect(readAwsProfile(config, 'default')).toMatchObject({ origin: `${file} [default]`, region: 'a' });
    expect(readAwsProfile(config, 'acme')).toBeUndefined();
  });

  test('--remove-from-file finds the section the reader read the key from, a header comment and all', () => {
    const text =
      '[acme]\nregion = a\n[acme.dev] ; work\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\r\naws_secret_access_key = s\nregion = b\n[acme.prod]\naws_access_key_id = AKIAKEEPKEEPKEEPKEEP\n';
    const { text: after, removed } = withoutProfileKeys(text, 'acme.dev');
    expect(removed).toBe(2);
    expect(after).toBe('[acme]\nregion = a\n[acme.dev] ; work\nregion = b\n[acme.prod]\naws_access_key_id = AKIAKEEPKEEPKEEPKEEP\n');
    expect(values(parseAwsCredentials(after, 'c').profiles.get('acme.dev'))).toEqual({ region: 'b' });
  });
});

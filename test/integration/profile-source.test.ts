/**
 * A project that names an ~/.aws/config profile (`profile:`) whose source_profile keeps its keys in
 * no file, as with aws-vault, where they sit in a keychain: awsdir says which `source:` of the user
 * file to add, where the project names the profile, instead of failing later on a credentials file
 * that is not there. Through the built CLI, with dotted profile names; no AWS call is needed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli } from '../support/cli';

const { home, env } = makeHome('awsdir-profile-source-');
const awsDir = join(home, '.aws');
const credentialsFile = join(awsDir, 'credentials');
const userFile = join(env.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml');

mkdirSync(awsDir);
mkdirSync(join(env.XDG_CONFIG_HOME!, 'awsdir'));
// The profile with the keys comes first, so that the role profile's lines are not line 1 to 3.
writeFileSync(
  join(awsDir, 'config'),
  [
    '[profile acme.keys]',
    'region = us-east-1',
    '',
    '[profile prod.admin]',
    'role_arn = arn:aws:iam::222222222222:role/admin',
    'source_profile = acme.keys',
    'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
    'region = eu-west-2',
    '',
  ].join('\n'),
);

function project(name: string, body = 'version: 1\nprofile: prod.admin\n'): { dir: string; file: string } {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.awsdir.yaml'), body);
  return { dir, file: join(dir, '.awsdir.yaml') };
}

const KEYS = '[acme.keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';

beforeEach(() => rmSync(credentialsFile, { force: true }));

describe('profile: whose source_profile has no keys in ~/.aws/credentials', () => {
  test('no credentials file, one source: exit 3 at the line of `profile:`, naming the source to add; adding it works', async () => {
    writeFileSync(userFile, 'version: 1\nsources:\n  default: {}\n');
    const { dir, file } = project('vault');
    for (const args of [
      ['allow', dir],
      ['export', '--shell', 'json'],
    ]) {
      const r = await runCli(args, { env, cwd: dir });
      expect({ args, exitCode: r.exitCode, stdout: r.stdout }).toEqual({ args, exitCode: 3, stdout: '' });
      expect(r.stderr).toBe(
        `awsdir: ${file}:2:10: key 'profile': profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${credentialsFile} does not exist); add \`source: default\` to .awsdir.yaml to use the keys awsdir keeps in the keychain\n`,
      );
    }
    writeFileSync(file, 'version: 1\nprofile: prod.admin\nsource: default\n');
    const allowed = await runCli(['allow', dir], { env });
    expect(allowed.stderr).not.toMatch(/error|refus/i);
    expect(allowed.exitCode).toBe(0);
  });

  test('a credentials file without the profile, several sources: the one named like the source_profile is offered first, the others after it', async () => {
    writeFileSync(credentialsFile, '[other]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    writeFileSync(userFile, 'version: 1\nsources:\n  default: {}\n  acme.keys: {}\n  ci:\n    from_env: true\n');
    const { dir, file } = project('several', 'version: 1\nlabel: several\nprofile: prod.admin\n');
    const r = await runCli(['export', '--shell', 'json'], { env, cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      `awsdir: ${file}:3:10: key 'profile': profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${credentialsFile} has no [acme.keys]); add \`source: acme.keys\` to .awsdir.yaml to use the keys awsdir keeps in the keychain (or another of your sources: default, ci)\n`,
    );
  });

  test('no source at all: says to store the keys with `awsdir add NAME` first', async () => {
    rmSync(userFile, { force: true });
    writeFileSync(credentialsFile, '[acme.keys]\nregion = us-east-1\n');
    const { dir, file } = project('nosource');
    const r = await runCli(['allow', dir], { env });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      `awsdir: ${file}:2:10: key 'profile': profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file ([acme.keys] of ${credentialsFile} has no aws_access_key_id); store them in the keychain with \`awsdir add acme.keys\`, then add \`source: acme.keys\` to .awsdir.yaml\n`,
    );
  });

  test('keys that leave the credentials file after the project was allowed: the cached configuration is not used, the same refusal follows', async () => {
    writeFileSync(userFile, 'version: 1\nsources:\n  default: {}\n');
    writeFileSync(credentialsFile, KEYS);
    const { dir, file } = project('removed');
    expect((await runCli(['allow', dir], { env })).exitCode).toBe(0);
    // As `awsdir add --from-profile acme.keys --remove-from-file` leaves it.
    writeFileSync(credentialsFile, '[acme.keys]\n');
    const r = await runCli(['export', '--shell', 'json'], { env, cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^awsdir: ${file}:2:10: key 'profile': .*add \`source: default\` to \\.awsdir\\.yaml`));
  });
});

/**
 * `awsdir init` without the CLI: what it asks and writes, with the answers handed in instead of
 * typed at a terminal. The terminal itself (tmux) and the refusals through the built CLI are in
 * test/e2e/init.test.ts and test/hardening/symlinks.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, type AwsdirError } from '../../src/core/errors';
import { createReporter } from '../../src/core/reporter';
import { initDirectory } from '../../src/init/initDirectory';
import { planInit, type Ask } from '../../src/init/planInit';

let home: string;
let env: Record<string, string>;

beforeEach(() => {
  home = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-init-unit-')));
  env = { HOME: home, USER: 'alice', XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state') };
});

afterEach(() => rmSync(home, { recursive: true, force: true }));

function userFile(text: string): void {
  mkdirSync(join(home, '.config', 'awsdir'), { recursive: true });
  writeFileSync(join(home, '.config', 'awsdir', 'config.yaml'), text);
}

function project(name: string): string {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A person at the terminal who gives `answers` in order ('' takes the offered default); records what was asked and said. */
function person(answers: Array<string | Error>): Ask & { asked: string[]; said: string[] } {
  const asked: string[] = [];
  const said: string[] = [];
  const ask = async (question: string, fallback?: string): Promise<string> => {
    asked.push(fallback === undefined ? question : `${question} [${fallback}]`);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`no answer left for ${question}`);
    if (answer instanceof Error) throw answer;
    return answer === '' && fallback !== undefined ? fallback : answer;
  };
  return Object.assign(ask, { asked, said, say: async (text: string) => void said.push(text) });
}

/** The reporter init prints through, its lines collected. */
function collectingReporter(): { reporter: ReturnType<typeof createReporter>; lines: string[] } {
  const lines: string[] = [];
  const reporter = createReporter({
    env: {},
    io: { stdout: () => undefined, stderr: (t) => void lines.push(t.trimEnd()), stdinIsTTY: false, stderrIsTTY: false },
  });
  return { reporter, lines };
}

const PRODUCTION = { role: 'arn:aws:iam::222222222222:role/admin', region: 'ap-northeast-1' };

describe('the values of the project file', () => {
  test('flags alone, without a terminal: nothing asked, the defaults filled in, lines without a value left out', async () => {
    userFile('version: 1\nsources:\n  work: {}\n');
    const plan = await planInit(project('app'), { ...PRODUCTION, externalId: '0123', sessionName: '{user}-{dir}', mfa: false }, { env, ask: undefined });
    const values = plan.projectText.split('\n').filter((line) => !line.startsWith('#'));
    expect(values).toEqual([
      'version: 1',
      'role: arn:aws:iam::222222222222:role/admin',
      'region: ap-northeast-1',
      'duration: 1h',
      // The one source of the user file, named since it is not called default.
      'source: work',
      'label: "admin"',
      "mfa: false  # this role's trust policy does not demand MFA",
      'external_id: "0123"  # the role\'s trust policy demands this sts:ExternalId',
      'session_name: "{user}-{dir}"  # RoleSessionName template; shows in CloudTrail',
      '',
    ]);
  });

  test('missing flags without a terminal: a usage error naming each of them', async () => {
    const error = (await planInit(project('app'), { role: 'readonly' }, { env, ask: undefined }).catch((e: unknown) => e)) as AwsdirError;
    expect(error.kind).toBe('usage');
    expect(error.message).toMatch(/^init needs --account and --region and there is no terminal to ask on; pass them/);
  });

  test('at a terminal: a role name asks for its account until it has 12 digits, the region offers AWS_REGION, the source offers default', async () => {
    userFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const at = person(['readonly', '3333', '333333333333', '', 'an hour', '2h', '', '', '', '', '', '', '']);
    const dir = project('dev');
    const plan = await planInit(dir, {}, { env: { ...env, AWS_REGION: 'eu-central-1' }, ask: at });
    expect(at.asked).toEqual([
      'Role ARN (or role name): ',
      'Account id of role readonly: ',
      'Account id of role readonly: ',
      'Region [eu-central-1]',
      'Session duration [1h]',
      'Session duration [1h]',
      'Source (default, work) [default]',
      'Label [readonly]',
      'Ask before entering, as for production? [y/N] [n]',
      'External id (empty for none): ',
      'Session name [{user}-{dir}]',
      'Use MFA for this role? ("no" only if its trust policy does not demand MFA) [Y/n] [y]',
      `Run \`direnv allow\` for ${dir} now? [Y/n] [y]`,
    ]);
    expect(plan.allow).toBe(true);
    expect(at.said).toEqual(['an account id is 12 digits; try again', 'a duration like 15m, 1h or 1h30m; try again']);
    // default is what a project without `source:` uses: not written out.
    expect(plan.projectText).toMatch(/^role: readonly\naccount: "333333333333"\nregion: eu-central-1\nduration: 2h\nlabel: "readonly"\n/m);
    expect(plan.projectText).not.toMatch(/^(source|confirm|external_id|session_name|mfa):/m);
  });

  test('a label that reads like production offers to ask before entering, and yes is the default', async () => {
    const at = person(['', '', 'production', '', '', '', '', '']);
    const plan = await planInit(project('prod'), { ...PRODUCTION, region: undefined }, { env: { ...env, AWS_DEFAULT_REGION: 'ap-northeast-1' }, ask: at });
    expect(at.asked.slice(2, 4)).toEqual(['Label [admin]', 'Ask before entering, as for production? [Y/n] [y]']);
    expect(plan.projectText).toMatch(/^label: "production"\nconfirm: true {2}# ask once per shell before entering$/m);
  });

  test('flags given with a question asked are not asked again; the rest are', async () => {
    userFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const at = person(['eu-west-1']);
    const flags = {
      role: PRODUCTION.role,
      duration: '30m',
      source: 'work',
      label: 'ops',
      confirm: false,
      externalId: 'ext-1',
      sessionName: 'ops-{user}',
      mfa: true,
      allow: true,
    };
    const plan = await planInit(project('app'), flags, { env, ask: at });
    expect(at.asked).toEqual(['Region']);
    expect(plan.projectText).toMatch(/^duration: 30m\nsource: work\nlabel: "ops"\nexternal_id: "ext-1" .*\nsession_name: "ops-\{user\}" /m);
    expect(plan.projectText).not.toMatch(/^mfa:/m);
    expect(plan.allow).toBe(true);
  });

  test('what a role may need: an external id and a session name are asked until the role could take them, "no" to MFA writes mfa: false', async () => {
    const at = person(['eu-west-1', '', '', '', 'x', 'has space', 'partner-ext', '{team}-{user}', 'a b', 'ci-{user}', 'maybe', 'no', 'n']);
    const plan = await planInit(project('partner'), { role: PRODUCTION.role }, { env, ask: at });
    expect(at.asked.slice(4)).toEqual([
      'External id (empty for none): ',
      'External id (empty for none): ',
      'External id (empty for none): ',
      'Session name [{user}-{dir}]',
      'Session name [{user}-{dir}]',
      'Session name [{user}-{dir}]',
      'Use MFA for this role? ("no" only if its trust policy does not demand MFA) [Y/n] [y]',
      'Use MFA for this role? ("no" only if its trust policy does not demand MFA) [Y/n] [y]',
      expect.stringMatching(/^Run `direnv allow` for .*partner now\? \[Y\/n\] \[y\]$/),
    ]);
    const allowed = 'a template of letters, digits, +=,.@_- and the placeholders {user} {dir} {label} {host}, such as "{user}-{dir}"';
    expect(at.said).toEqual([
      'an external id is 2 to 1224 characters of letters, digits and +=,.@:/_-; try again',
      'an external id is 2 to 1224 characters of letters, digits and +=,.@:/_-; try again',
      `unknown placeholder {team}; allowed: ${allowed}; try again`,
      `the character " " is not allowed in a session name; allowed: ${allowed}; try again`,
      'y or n; try again',
    ]);
    expect(plan.projectText).toMatch(/^mfa: false {2}# .*\nexternal_id: "partner-ext" {2}# .*\nsession_name: "ci-\{user\}" {2}# /m);
    expect(plan.allow).toBe(false);
  });

  test('`direnv allow` approves the whole .envrc: offered with no as the default for one init did not write', async () => {
    const dir = project('cloned');
    writeFileSync(join(dir, '.envrc'), 'use aws\nexport PATH="$PWD/bin:$PATH"\n');
    const at = person(['eu-west-1', '', '', '', '', '', '', '']);
    const plan = await planInit(dir, { role: PRODUCTION.role }, { env, ask: at });
    expect(at.asked.at(-1)).toBe(`Run \`direnv allow\` for ${dir} now? It approves all of ${dir}/.envrc, not only \`use aws\` [y/N] [n]`);
    expect(plan).toMatchObject({ envrcAction: 'keep', allow: false });
  });

  test('five answers that will not do: a usage error saying to pass the flag, after saying why each time', async () => {
    const at = person(['Europe', 'eu', 'EU-WEST-1', 'eu_west_1', 'west']);
    const error = (await planInit(project('app'), { role: PRODUCTION.role }, { env, ask: at }).catch((e: unknown) => e)) as AwsdirError;
    expect({ kind: error.kind, message: error.message }).toEqual({ kind: 'usage', message: 'init: no usable answer to "Region"; pass it as a flag instead' });
    expect(at.said).toEqual(Array(5).fill('not an AWS region, e.g. eu-west-1; try again'));
  });
});

describe('init --profile', () => {
  /** ~/.aws/config with dotted names: acme.keys keeps no keys in ~/.aws/credentials, as with aws-vault. */
  function awsFiles(config: string, credentials?: string): void {
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'config'), config);
    if (credentials !== undefined) writeFileSync(join(home, '.aws', 'credentials'), credentials);
  }
  const VAULT = '[profile acme.keys]\n[profile prod.admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = acme.keys\nregion = eu-west-2\n';
  const values = (text: string): string[] =>
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/ {2}#.*/, ''));

  test('several sources: says why, then asks which one signs in, offering the one named like the source_profile', async () => {
    awsFiles(VAULT);
    userFile('version: 1\nsources:\n  default: {}\n  acme.keys: {}\n  work: {}\n');
    const at = person(['nope', 'work']);
    const plan = await planInit(project('app'), { profile: 'prod.admin' }, { env, ask: at });
    expect(at.asked).toEqual(['Source (acme.keys, default, work) [acme.keys]', 'Source (acme.keys, default, work) [acme.keys]']);
    expect(at.said).toEqual([
      `profile 'prod.admin' takes its keys from source_profile 'acme.keys', which has none in a file (${home}/.aws/credentials does not exist); which of your sources signs in instead?`,
      'one of acme.keys, default, work; try again',
    ]);
    expect(values(plan.projectText)).toEqual(['version: 1', 'profile: prod.admin', 'source: work', 'label: "prod.admin"']);
    expect(plan.allow).toBe(false);
  });

  test('keys in ~/.aws/credentials, or a --source given: nothing asked, and `source:` only when given', async () => {
    awsFiles(
      VAULT.replace('source_profile = acme.keys', 'source_profile = acme.file'),
      '[acme.file]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n',
    );
    userFile('version: 1\nsources:\n  default: {}\n  work: {}\n');
    const at = person([]);
    const inFile = await planInit(project('a'), { profile: 'prod.admin' }, { env, ask: at });
    expect(values(inFile.projectText)).toEqual(['version: 1', 'profile: prod.admin', 'label: "prod.admin"']);
    const given = await planInit(project('b'), { profile: 'prod.admin', source: 'default', label: 'prod', duration: '30m' }, { env, ask: at });
    expect(values(given.projectText)).toEqual(['version: 1', 'profile: prod.admin', 'duration: 30m', 'source: default', 'label: "prod"']);
    expect(at.asked).toEqual([]);
  });

  test('a profile without a region: asked on a terminal, a usage error naming --region without one', async () => {
    awsFiles(VAULT.replace('region = eu-west-2\n', ''));
    userFile('version: 1\nsources:\n  default: {}\n');
    const error = (await planInit(project('a'), { profile: 'prod.admin' }, { env, ask: undefined }).catch((e: unknown) => e)) as AwsdirError;
    expect({ kind: error.kind, message: error.message }).toEqual({
      kind: 'usage',
      message: `init: profile 'prod.admin' of ${home}/.aws/config has no region, and there is no terminal to ask on; pass --region, e.g. --region eu-west-1`,
    });
    const at = person(['']);
    const plan = await planInit(project('b'), { profile: 'prod.admin' }, { env: { ...env, AWS_REGION: 'eu-central-1' }, ask: at });
    expect(at.asked).toEqual(['Region [eu-central-1]']);
    expect(values(plan.projectText)).toEqual(['version: 1', 'profile: prod.admin', 'region: eu-central-1', 'source: default', 'label: "prod.admin"']);
  });

  test('no ~/.aws/config at all: refused, saying so', async () => {
    const error = (await planInit(project('a'), { profile: 'prod.admin' }, { env, ask: person([]) }).catch((e: unknown) => e)) as AwsdirError;
    expect({ kind: error.kind, message: error.message }).toEqual({
      kind: 'config',
      message: `init: ${home}/.aws/config does not exist; add the profile there, or name the role with --role instead`,
    });
  });
});

describe('the directory as it is', () => {
  test('an existing project file is refused without --force and kept to put back with it', async () => {
    const dir = project('app');
    writeFileSync(join(dir, '.awsdir.yaml'), 'version: 1\n');
    await expect(planInit(dir, PRODUCTION, { env, ask: undefined })).rejects.toThrow(
      `${dir}/.awsdir.yaml already exists; edit it (then \`awsdir allow\`), or pass --force to replace it`,
    );
    expect((await planInit(dir, { ...PRODUCTION, force: true }, { env, ask: undefined })).oldProject).toBe('version: 1\n');
  });

  test.each([
    ['no .envrc', undefined, [], 'create'],
    ['an .envrc that uses aws already', 'export A=1\n  use aws --credential-process\n', [], 'keep'],
    ['an .envrc without it, the person says yes', 'export A=1', ['yes'], 'append'],
    ['an .envrc without it, the person just presses Enter', 'export A=1', [''], 'skip'],
  ])('%s', async (_, envrc, answers, action) => {
    const dir = project('app');
    if (envrc !== undefined) writeFileSync(join(dir, '.envrc'), envrc);
    const at = person([...answers]);
    const plan = await planInit(dir, PRODUCTION, { env, ask: at });
    expect(plan.envrcAction).toBe(action);
    expect(at.asked).toEqual(answers.length ? [`${dir}/.envrc exists; append \`use aws\` to it? [y/N] [n]`] : []);
  });

  test('an .envrc without `use aws` and no terminal: refused, unless --force appends without asking', async () => {
    const dir = project('app');
    writeFileSync(join(dir, '.envrc'), 'export A=1');
    await expect(planInit(dir, PRODUCTION, { env, ask: undefined })).rejects.toThrow(
      `${dir}/.envrc exists without \`use aws\` and there is no terminal to ask on; pass --force to append \`use aws\` to it, or add the line yourself`,
    );
    expect((await planInit(dir, { ...PRODUCTION, force: true }, { env, ask: undefined })).envrcAction).toBe('append');
  });

  test('links: one inside the directory is followed, one outside or in a loop is refused before any question', async () => {
    const dir = project('app');
    mkdirSync(join(dir, 'env'));
    writeFileSync(join(dir, 'env', 'envrc'), 'use aws\n');
    symlinkSync('env/envrc', join(dir, '.envrc'));
    expect((await planInit(dir, PRODUCTION, { env, ask: undefined })).envrcAction).toBe('keep');

    const outside = join(home, 'dotfiles', 'shared.yaml');
    mkdirSync(join(home, 'dotfiles'));
    writeFileSync(outside, 'version: 1\n');
    symlinkSync(outside, join(dir, '.awsdir.yaml'));
    const at = person([]);
    await expect(planInit(dir, { force: true }, { env, ask: at })).rejects.toThrow(
      `${dir}/.awsdir.yaml is a symbolic link to ${outside}, outside ${dir}; init writes only inside the directory it sets up, so nothing was written; remove the link (\`rm ${dir}/.awsdir.yaml\`) and run \`awsdir init\` again; to share settings, use \`extends:\` in a real .awsdir.yaml`,
    );
    rmSync(join(dir, '.awsdir.yaml'));
    symlinkSync('.awsdir.yaml', join(dir, '.awsdir.yaml'));
    await expect(planInit(dir, { force: true }, { env, ask: at })).rejects.toThrow(
      `${dir}/.awsdir.yaml is a symbolic link that leads to no file (a loop of links)`,
    );
    expect(at.asked).toEqual([]);
  });
});

describe('writing the directory', () => {
  const noDirenv = async (): Promise<void> => {
    throw new Error('direnv allow must not run here');
  };

  test('values that make an invalid project file leave no file behind, not even the .envrc', async () => {
    const dir = project('app');
    const { reporter, lines } = collectingReporter();
    const error = (await initDirectory(dir, { ...PRODUCTION, duration: '13h' }, { env, reporter, now: () => 0, ask: undefined, direnvAllow: noDirenv }).catch(
      (e: unknown) => e,
    )) as AwsdirError;
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/^init: these values make an invalid project file, so nothing was written: .*key 'duration'/);
    expect(readdirSync(dir)).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('an .envrc the person did not want changed: --allow runs no direnv allow, and init says what is left to do', async () => {
    const dir = project('app');
    writeFileSync(join(dir, '.envrc'), 'export A=1\n');
    const { reporter, lines } = collectingReporter();
    await initDirectory(dir, { ...PRODUCTION, allow: true }, { env, reporter, now: () => 0, ask: person(['n']), direnvAllow: noDirenv });
    expect(readFileSync(join(dir, '.envrc'), 'utf8')).toBe('export A=1\n');
    expect(existsSync(join(dir, '.awsdir.yaml'))).toBe(true);
    expect(lines).toEqual([
      `awsdir: wrote ${dir}/.awsdir.yaml (admin: admin @ 222222222222, ap-northeast-1) and allowed it`,
      `awsdir: left ${dir}/.envrc as it was; add the line \`use aws\` to it yourself`,
      `awsdir: next: run \`direnv allow ${dir}\`, then cd out and back in (once per machine first: \`awsdir hook direnv --install\`)`,
    ]);
  });

  test('Ctrl-C at a question: cancelled, and nothing was written', async () => {
    const dir = project('app');
    const { reporter } = collectingReporter();
    const error = (await initDirectory(dir, {}, { env, reporter, now: () => 0, ask: person([new CancelledError()]), direnvAllow: noDirenv }).catch(
      (e: unknown) => e,
    )) as AwsdirError;
    expect({ kind: error.kind, message: error.message }).toEqual({ kind: 'cancelled', message: 'init cancelled; nothing was written' });
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a directory that does not exist: a usage error saying to create it', async () => {
    const { reporter } = collectingReporter();
    const missing = join(home, 'nowhere');
    const error = (await initDirectory(missing, PRODUCTION, { env, reporter, now: () => 0, ask: undefined, direnvAllow: noDirenv }).catch(
      (e: unknown) => e,
    )) as AwsdirError;
    expect({ kind: error.kind, message: error.message }).toEqual({
      kind: 'usage',
      message: `init: ${missing} does not exist; create it first (mkdir -p ${missing})`,
    });
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configHome } from '../support/configHome';
import { assertAllowed, denyProject, isAllowed, recordApproval } from '../../src/config/approval';
import { loadUserConfig } from '../../src/config/loadUserConfig';
import { resolveProject } from '../../src/config/resolveProject';
import { recordKeyringPick, recordSource, removeSource } from '../../src/config/updateUserConfig';

const setup = () => configHome('awsdir-config-');

const PROD = 'version: 1\nrole: arn:aws:iam::222222222222:role/admin\nregion: ap-northeast-1\n';

describe('resolveProject', () => {
  it('fills the defaults: 1h, source default, label = role name, session name {user}-{dir}, MFA on', async () => {
    const { home, env, write } = setup();
    const file = write('prod/.awsdir.yaml', PROD);
    mkdirSync(join(home, 'prod/a/b'), { recursive: true });
    const p = await resolveProject(join(home, 'prod/a/b'), { env, userConfig: await loadUserConfig(env), user: 'alice smith' });
    expect(p).toMatchObject({
      dir: join(home, 'prod'),
      projectFile: file,
      files: [file],
      role: { arn: 'arn:aws:iam::222222222222:role/admin', account: '222222222222', name: 'admin', partition: 'aws' },
      account: '222222222222',
      region: 'ap-northeast-1',
      durationSeconds: 3600,
      sourceName: 'default',
      source: { kind: 'keychain', name: 'default', sessionDurationSeconds: 43200 },
      label: 'admin',
      confirm: false,
      sessionName: 'alice-smith-prod',
      mfa: true,
    });
    expect(p.origins.region).toBe(file);
  });

  it('merges an explicit extends chain, the nearest file winning, and records where each value came from', async () => {
    const { home, env, write } = setup();
    const parent = write('org/.awsdir.yaml', 'version: 1\naccount: "333333333333"\nregion: eu-west-1\nduration: 30m\nlabel: org\n');
    const child = write('org/team/.awsdir.yaml', 'version: 1\nextends: ../.awsdir.yaml\nrole: readonly\nlabel: team\nsession_name: "{user}@{label}"\n');
    const p = await resolveProject(join(home, 'org/team'), { env, userConfig: await loadUserConfig(env), user: 'bob' });
    expect(p.files).toEqual([child, parent]);
    expect(p.role.arn).toBe('arn:aws:iam::333333333333:role/readonly');
    expect([p.region, p.durationSeconds, p.label, p.sessionName]).toEqual(['eu-west-1', 1800, 'team', 'bob@team']);
    expect(p.origins).toMatchObject({ role: child, label: child, region: parent, duration: parent, account: parent });
  });

  it('reuses an ~/.aws/config profile: role_arn, source_profile, mfa_serial, duration_seconds, region, external_id', async () => {
    const { home, env, write } = setup();
    write(
      '.aws/config',
      '[profile prod.admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\nduration_seconds = 1800\nregion = eu-central-1\nexternal_id = ext-123\n\n[profile base]\nregion = us-east-1\n',
    );
    write('.aws/credentials', '[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    write('p/.awsdir.yaml', 'version: 1\nprofile: prod.admin\n');
    const p = await resolveProject(join(home, 'p'), { env, userConfig: await loadUserConfig(env), user: 'alice' });
    expect(p).toMatchObject({
      role: { name: 'admin', account: '222222222222' },
      region: 'eu-central-1',
      durationSeconds: 1800,
      externalId: 'ext-123',
      mfaSerial: 'arn:aws:iam::111111111111:mfa/alice',
      sourceName: 'aws-profile:base',
      source: { kind: 'credentials-profile', profile: 'base' },
    });
    expect(p.origins.region).toBe(`${join(home, '.aws/config')} [profile prod.admin]`);
  });

  it('says where to start when there is no project file', async () => {
    const { home, env } = setup();
    await expect(resolveProject(home, { env, userConfig: await loadUserConfig(env), user: 'a' })).rejects.toMatchObject({
      kind: 'failure',
      message: `no .awsdir.yaml in ${home} or any parent; create one with \`awsdir init\``,
    });
  });

  it('refuses a source the user file does not have, at its line, naming `awsdir add`', async () => {
    const { home, env, write } = setup();
    const file = write('p/.awsdir.yaml', `${PROD}source: work\n`);
    await expect(resolveProject(join(home, 'p'), { env, userConfig: await loadUserConfig(env), user: 'a' })).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining(`${file}:4:9: key 'source': no source named 'work'`),
    });
  });

  it('serves an unchanged project from the cache and notices any edit', async () => {
    const { home, env, write } = setup();
    const file = write('p/.awsdir.yaml', PROD);
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    const first = await resolveProject(join(home, 'p'), deps);
    expect(await resolveProject(join(home, 'p'), deps)).toEqual(first);
    writeFileSync(file, PROD.replace('ap-northeast-1', 'eu-west-2'));
    // Same size and mtime as before: the inode's ctime still gives the change away.
    utimesSync(file, new Date(0), new Date(0));
    expect((await resolveProject(join(home, 'p'), deps)).region).toBe('eu-west-2');
  });
});

describe('the resolved-config cache and ~/.aws/config', () => {
  it('notices an edit of the profile a project reads, though no project file changed', async () => {
    const { home, env, write } = setup();
    const config = write('.aws/config', '[profile team]\nrole_arn = arn:aws:iam::333333333333:role/readonly\nregion = eu-west-1\n');
    write('p/.awsdir.yaml', 'version: 1\nprofile: team\n');
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    expect((await resolveProject(join(home, 'p'), deps)).role.arn).toBe('arn:aws:iam::333333333333:role/readonly');
    writeFileSync(config, '[profile team]\nrole_arn = arn:aws:iam::222222222222:role/admin\nregion = eu-west-1\n');
    utimesSync(config, new Date(0), new Date(0));
    expect((await resolveProject(join(home, 'p'), deps)).role.arn).toBe('arn:aws:iam::222222222222:role/admin');
  });
});

describe('approval', () => {
  it('refuses a new file, then a changed one, showing what it would select and naming `awsdir allow`', async () => {
    const { home, env, write } = setup();
    const file = write('p/.awsdir.yaml', `${PROD}label: production\n`);
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    const p = await resolveProject(join(home, 'p'), deps);
    expect(isAllowed(p, env)).toBe(false);
    expect(() => assertAllowed(p, env)).toThrow(
      `${file} is not allowed yet; it would select role admin @ 222222222222 (arn:aws:iam::222222222222:role/admin), region ap-northeast-1, label "production", 1h sessions; if that is right, run \`awsdir allow ${join(home, 'p')}\``,
    );
    recordApproval(p, env, new Date());
    expect(isAllowed(p, env)).toBe(true);

    writeFileSync(file, `${PROD.replace('222222222222', '999999999999')}label: production\n`);
    const changed = await resolveProject(join(home, 'p'), deps);
    expect(() => assertAllowed(changed, env)).toThrow(
      `${file} has changed since you allowed it: role: arn:aws:iam::222222222222:role/admin -> arn:aws:iam::999999999999:role/admin (from ${file}), account: 222222222222 -> 999999999999 (from ${file}); it would select role admin @ 999999999999`,
    );
    expect(denyProject(join(home, 'p'), env)).toEqual({ projectFile: file, removed: true, vanished: [] });
    expect(isAllowed(p, env)).toBe(false);
  });

  it('covers the extends chain: a changed parent needs a new approval', async () => {
    const { home, env, write } = setup();
    const parent = write('org/.awsdir.yaml', 'version: 1\nregion: eu-west-1\n');
    write('org/t/.awsdir.yaml', 'version: 1\nextends: ../.awsdir.yaml\nrole: arn:aws:iam::222222222222:role/admin\n');
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    recordApproval(await resolveProject(join(home, 'org/t'), deps), env, new Date());
    writeFileSync(parent, 'version: 1\nregion: us-west-2\n');
    expect(isAllowed(await resolveProject(join(home, 'org/t'), deps), env)).toBe(false);
  });
});

describe('approval records written before the identity was recorded (v1: content hashes only)', () => {
  /** What `awsdir allow` wrote then, for the files as they are now. */
  function writeLegacyRecord(env: { XDG_STATE_HOME: string }, project: { projectFile: string; files: string[]; fileHashes: Record<string, string> }): string {
    const file = join(env.XDG_STATE_HOME, 'awsdir', 'allow', `${createHash('sha256').update(project.projectFile).digest('hex')}.json`);
    mkdirSync(join(file, '..'), { recursive: true });
    const files = project.files.map((path) => ({ path, sha256: project.fileHashes[path] }));
    writeFileSync(file, JSON.stringify({ v: 1, projectFile: project.projectFile, files, allowedAt: '2026-01-02T03:04:05.000Z' }));
    return file;
  }

  it('are accepted while the files are unchanged and nothing comes from a profile, and upgraded to hold the identity', async () => {
    const { home, env, write } = setup();
    write('p/.awsdir.yaml', PROD);
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    const p = await resolveProject(join(home, 'p'), deps);
    const record = writeLegacyRecord(env, p);
    expect(() => assertAllowed(p, env)).not.toThrow();
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({
      v: 2,
      allowedAt: '2026-01-02T03:04:05.000Z',
      identity: { role: 'arn:aws:iam::222222222222:role/admin', account: '222222222222', region: 'ap-northeast-1', session_name: 'a-p' },
    });
    // From now on a change of what it selects is caught: another login name makes another session name.
    const other = await resolveProject(join(home, 'p'), { ...deps, user: 'b' });
    expect(() => assertAllowed(other, env)).toThrow(/selects another identity than the one you allowed: session_name: a-p -> b-p;/);
  });

  it('are refused once for a project that takes its role from a profile, whose content they never covered', async () => {
    const { home, env, write } = setup();
    write('.aws/config', '[profile team]\nrole_arn = arn:aws:iam::333333333333:role/readonly\nregion = eu-west-1\n');
    write('p/.awsdir.yaml', 'version: 1\nprofile: team\n');
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    const p = await resolveProject(join(home, 'p'), deps);
    writeLegacyRecord(env, p);
    expect(isAllowed(p, env)).toBe(false);
    expect(() => assertAllowed(p, env)).toThrow(
      `${p.projectFile} was allowed before awsdir recorded what its ~/.aws/config profile selects; it would select role readonly @ 333333333333`,
    );
    recordApproval(p, env, new Date());
    expect(isAllowed(p, env)).toBe(true);
  });

  it('still refuse changed files', async () => {
    const { home, env, write } = setup();
    const file = write('p/.awsdir.yaml', PROD);
    const deps = { env, userConfig: await loadUserConfig(env), user: 'a' };
    writeLegacyRecord(env, await resolveProject(join(home, 'p'), deps));
    writeFileSync(file, `${PROD}label: edited\n`);
    const changed = await resolveProject(join(home, 'p'), deps);
    expect(() => assertAllowed(changed, env)).toThrow(/has changed since you allowed it; it would select/);
  });
});

describe('the user file', () => {
  it('is defaults when missing', async () => {
    const { env, home } = setup();
    expect(await loadUserConfig(env)).toEqual({
      file: join(home, '.config/awsdir/config.yaml'),
      exists: false,
      sources: { default: { kind: 'keychain', name: 'default', sessionDurationSeconds: 43200 } },
      keyring: 'auto',
      refreshWindowSeconds: 300,
      stsRegion: 'us-east-1',
    });
  });

  it('reads the three kinds of source', async () => {
    const { env, write } = setup();
    write(
      '.config/awsdir/config.yaml',
      'version: 1\nsources:\n  default:\n    access_key_id: AKIAIOSFODNN7EXAMPLE\n    mfa_serial: arn:aws:iam::111111111111:mfa/alice\n    mfa_process: ykman oath accounts code --single aws\n    session_duration: 8h\n  legacy:\n    credentials_profile: old\n  ci:\n    from_env: true\nkeyring: os\nrefresh_window: 10m\nsts_region: eu-west-1\n',
    );
    const c = await loadUserConfig(env);
    expect(c.sources).toEqual({
      default: {
        kind: 'keychain',
        name: 'default',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        mfaSerial: 'arn:aws:iam::111111111111:mfa/alice',
        mfaProcess: 'ykman oath accounts code --single aws',
        sessionDurationSeconds: 28800,
      },
      legacy: { kind: 'credentials-profile', name: 'legacy', profile: 'old', sessionDurationSeconds: 43200 },
      ci: { kind: 'env', name: 'ci', sessionDurationSeconds: 43200 },
    });
    expect([c.keyring, c.refreshWindowSeconds, c.stsRegion, c.exists]).toEqual(['os', 600, 'eu-west-1', true]);
  });

  it('refuses a secret in the user file and says where keys go', async () => {
    const { env, write } = setup();
    const file = write('.config/awsdir/config.yaml', 'sources:\n  default:\n    secret_access_key: abc\n');
    await expect(loadUserConfig(env)).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringContaining(`${file}:3:5: key 'secret_access_key': looks like a secret`),
    });
  });

  it('is edited in place keeping comments and order', async () => {
    const { env, write } = setup();
    const file = write(
      '.config/awsdir/config.yaml',
      '# mine\nversion: 1\nsts_region: eu-west-1 # closest\nsources:\n  old:\n    credentials_profile: old # keep\n',
    );
    await recordSource(env, 'default', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', mfaSerial: 'arn:aws:iam::111111111111:mfa/alice' });
    await recordKeyringPick(env, 'os');
    await removeSource(env, 'old');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# mine\nversion: 1\nsts_region: eu-west-1 # closest\n/);
    expect(text).toContain('access_key_id: AKIAIOSFODNN7EXAMPLE');
    expect(text).toContain('keyring: os');
    expect(text).not.toContain('old');
    expect((await loadUserConfig(env)).sources.default).toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('is created by the first edit', async () => {
    const { env, home } = setup();
    await recordKeyringPick(env, 'file');
    expect(readFileSync(join(home, '.config/awsdir/config.yaml'), 'utf8')).toBe('version: 1\nkeyring: file\n');
  });
});

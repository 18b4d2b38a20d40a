import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { renderExports } from '../../src/shell/render';
import { makeHome, ROOT, runCli } from '../support/cli';

// The helper's own logic with the real direnv: `awsdir export` is played by a stand-in named by
// AWSDIR_BIN that prints a known export or fails, so these tests do not depend on the credential
// chain. The whole flow with the real `awsdir export` is tested end to end elsewhere.

const helperSource = readFileSync(join(ROOT, 'direnv', 'awsdir.sh'), 'utf8');
const { home, env: homeEnv } = makeHome('awsdir-direnv-');
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const project = join(home, 'work', 'project');
const sub = join(project, 'sub');
const standin = join(home, 'standin');
const argsFile = join(home, 'standin-args');
const outputFile = join(home, 'standin-output');
const userFile = join(homeEnv.XDG_CONFIG_HOME!, 'awsdir', 'config.yaml');
const hostile = `$(touch ${home}/pwned) 'quoted' "double" \\ \n newline 🙂`;

beforeAll(() => {
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(project, '.awsdir.yaml'), 'version: 1\n');
  // .envrc in a subdirectory: the helper must find the project file by walking up.
  writeFileSync(join(sub, '.envrc'), 'use aws --credential-process\n');
  writeFileSync(
    standin,
    `#!/usr/bin/env bash
printf '%s\\n' "$@" > ${JSON.stringify(argsFile)}
if [[ \${STANDIN_FAIL:-} == 1 ]]; then echo "awsdir: the stand-in failed; fix the stand-in" >&2; exit 3; fi
cat ${JSON.stringify(outputFile)}
`,
  );
  chmodSync(standin, 0o755);
  writeFileSync(
    outputFile,
    renderExports(
      { set: { AWS_ACCESS_KEY_ID: 'ASIATESTTESTTESTTEST', AWSDIR_LABEL: hostile }, unset: ['AWS_PROFILE'], watch: [join(project, '.awsdir.yaml'), userFile] },
      'bash',
    ),
  );
});

interface DirenvResult {
  status: number | null;
  exported: Record<string, string | null>;
  stderr: string;
}

function direnv(args: string[], extra: Record<string, string | undefined> = {}, cwd = sub): DirenvResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH, LANG: 'C.UTF-8', ...homeEnv, ...extra })) if (v !== undefined) env[k] = v;
  const r = spawnSync('direnv', args, { cwd, env });
  const out = r.stdout.toString();
  return { status: r.status, exported: out.trim() === '' ? {} : (JSON.parse(out) as Record<string, string | null>), stderr: r.stderr.toString() };
}

/** The files direnv watches, from its own DIRENV_WATCHES (base64url of zlib-compressed JSON). */
function watched(exported: Record<string, string | null>): string[] {
  const raw = exported.DIRENV_WATCHES;
  if (!raw) return [];
  const list = JSON.parse(inflateSync(Buffer.from(raw, 'base64url')).toString()) as Array<{ Path: string }>;
  return list.map((w) => w.Path);
}

describe('awsdir hook direnv', () => {
  it('prints the helper exactly as shipped', async () => {
    const r = await runCli(['hook', 'direnv'], { env: homeEnv });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(helperSource);
    expect(r.stderr).toBe('');
  });

  it('--install writes it where direnv looks, says so, and is idempotent', async () => {
    const target = join(homeEnv.XDG_CONFIG_HOME!, 'direnv', 'lib', 'awsdir.sh');
    const first = await runCli(['hook', 'direnv', '--install'], { env: homeEnv });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe(`awsdir: wrote the direnv helper to ${target}; direnv loads it by itself, so \`use aws\` in an .envrc now works\n`);
    expect(readFileSync(target, 'utf8')).toBe(helperSource);
    const mtime = statSync(target).mtimeMs;
    const second = await runCli(['hook', 'direnv', '--install'], { env: homeEnv });
    expect(second.exitCode).toBe(0);
    expect(second.stderr).toMatch(/already up to date/);
    expect(statSync(target).mtimeMs).toBe(mtime);
  });

  it('refuses an unknown integration with exit 2', async () => {
    const r = await runCli(['hook', 'starship'], { env: homeEnv });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^awsdir: hook "starship" is not known; the one integration is direnv/);
  });

  it('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', ['-s', 'bash', join(ROOT, 'direnv', 'awsdir.sh')]);
    expect(r.stdout.toString()).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('use aws under the real direnv', () => {
  beforeAll(async () => {
    const r = await runCli(['hook', 'direnv', '--install'], { env: homeEnv });
    expect(r.exitCode).toBe(0);
    expect(direnv(['allow', '.']).status).toBe(0);
  });

  it('evals what awsdir printed on success, passing its arguments through', () => {
    const r = direnv(['export', 'json'], { AWSDIR_BIN: standin, AWS_PROFILE: 'before' });
    expect(r.status).toBe(0);
    expect(r.exported.AWS_ACCESS_KEY_ID).toBe('ASIATESTTESTTESTTEST');
    expect(r.exported.AWSDIR_LABEL).toBe(hostile);
    expect(r.exported.AWS_PROFILE).toBeNull();
    expect(readFileSync(argsFile, 'utf8')).toBe('export\n--shell\nbash\n--direnv\n--credential-process\n');
    expect(watched(r.exported)).toEqual(expect.arrayContaining([join(project, '.awsdir.yaml'), userFile]));
    expect(() => statSync(join(home, 'pwned'))).toThrow();
  });

  it("exports nothing on failure, shows awsdir's message, and reloads once the project file changes", () => {
    const failing = { AWSDIR_BIN: standin, STANDIN_FAIL: '1', AWS_PROFILE: 'before' };
    const r = direnv(['export', 'json'], failing);
    expect(r.stderr).toContain('awsdir: the stand-in failed; fix the stand-in');
    expect(Object.keys(r.exported).filter((k) => k.startsWith('AWS'))).toEqual([]);
    // Watched even though awsdir printed nothing: the nearest project file up the tree, and the user file.
    expect(watched(r.exported)).toEqual(expect.arrayContaining([join(project, '.awsdir.yaml'), userFile]));

    // In the shell that applied that result, nothing changes until the project file does.
    const after = { ...failing, ...Object.fromEntries(Object.entries(r.exported).map(([k, v]) => [k, v ?? undefined])) };
    expect(direnv(['export', 'json'], after).exported).toEqual({});
    const later = new Date(Date.now() + 5000);
    utimesSync(join(project, '.awsdir.yaml'), later, later);
    const reloaded = direnv(['export', 'json'], { ...after, STANDIN_FAIL: undefined });
    expect(reloaded.exported.AWS_ACCESS_KEY_ID).toBe('ASIATESTTESTTESTTEST');
  });

  it('says clearly when awsdir cannot be found', () => {
    const missing = direnv(['export', 'json'], { PATH: '/usr/bin:/bin' });
    expect(missing.stderr).toContain(
      'awsdir: command not found on PATH; install it (in a checkout of awsdir: npm ci && npm pack && npm install --global ./awsdir-*.tgz) or set AWSDIR_BIN to its path',
    );
    expect(Object.keys(missing.exported).filter((k) => k.startsWith('AWS'))).toEqual([]);
    const wrong = direnv(['export', 'json'], { AWSDIR_BIN: join(home, 'nope') });
    expect(wrong.stderr).toContain(`awsdir: AWSDIR_BIN=${join(home, 'nope')} is not an executable command`);
  });
});

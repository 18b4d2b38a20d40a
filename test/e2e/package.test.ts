import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extractCommands } from '../docs/extractCommands';
import { makeHome, ROOT, runProcess, type CliResult } from '../support/cli';

/**
 * The npm package as a person gets it: the README's install commands, run in a copy of this
 * checkout, build and pack it and install the tarball globally (into a private prefix, with the
 * dependencies from the npm registry through the local cache); the checkout copy is then deleted
 * and the installed `awsdir` runs the demo on a machine with no keychain service and no terminal.
 * Takes about 20 s: a build, a pack and an install of the dependencies.
 */
jest.setTimeout(180_000);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: Record<string, string> };
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const helper = readFileSync(join(ROOT, 'direnv', 'awsdir.sh'), 'utf8');
const work = realpathSync(mkdtempSync(join(tmpdir(), 'awsdir-package-')));
const checkout = join(work, 'checkout');
const prefix = join(work, 'prefix');
const installed = join(prefix, 'bin', 'awsdir');
const packageDir = join(prefix, 'lib', 'node_modules', 'awsdir');
/** Every file git would commit here: tracked, or new and not ignored. */
const projectFiles = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f !== '' && existsSync(join(ROOT, f)));
/** The README's commands that install awsdir. */
const installCommands = extractCommands('README.md', readme)
  .commands.filter((c) => c.skip === 'installs software' && /^npm /.test(c.command))
  .map((c) => c.command.replace(/\s+#.*$/, ''));
let install: CliResult;
let tarball: string[];
let packed: string;

/** Where nothing of the checkout or of the developer's tools is on PATH: only node, as on a clean machine. */
const cleanPath = `${dirname(process.execPath)}:/usr/bin:/bin`;

beforeAll(async () => {
  for (const file of projectFiles) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(checkout, file));
  }
  // What `npm ci` leaves; running it would fetch the whole development tree again.
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(checkout, 'node_modules'));
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const { env: homeEnv } = makeHome('awsdir-package-home-');
  const script = ['set -e', ...installCommands.map((c) => c.replace(/^npm ci && /, ''))].join('\n');
  install = await runProcess('bash', ['-c', script], {
    cwd: checkout,
    timeoutMs: 150_000,
    env: {
      ...homeEnv,
      npm_config_prefix: prefix,
      npm_config_cache: cache,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  packed = readdirSync(checkout).find((f) => /^awsdir-.*\.tgz$/.test(f)) ?? '';
  tarball = packed
    ? execFileSync('tar', ['-tzf', join(checkout, packed)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
    : [];
}, 170_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test("the README's install commands build, pack and install awsdir globally", () => {
  expect(installCommands.join(' && ')).toMatch(/npm pack.* && npm install --global \.\/awsdir-\*\.tgz$/);
  expect(install.stderr).not.toMatch(/npm (error|ERR)/);
  expect(install.exitCode).toBe(0);
  expect(packed).toBe(`awsdir-${pkg.version}.tgz`);
  expect(existsSync(installed)).toBe(true);
  // A copy, not a link back into the checkout.
  expect(realpathSync(installed)).toBe(join(packageDir, 'dist', 'awsdir.cjs'));
});

test("direnv's helper names the README's install commands when awsdir is not found", () => {
  const notFound = /log_error "awsdir: command not found on PATH; install it \(([^)]*)\)/.exec(helper);
  expect(notFound?.[1]).toContain(installCommands.join(' && '));
});

test('the tarball holds every built file, the direnv helper, the templates, the docs, README and LICENSE, and no sources', () => {
  const inTarball = new Set(tarball.map((f) => f.replace(/^package\//, '')));
  const built = readdirSync(join(checkout, 'dist'));
  expect(built).toEqual(expect.arrayContaining(['awsdir.cjs', 'cli.cjs', 'aws.cjs', 'emulator.cjs', 'help.json']));
  const expected = [
    ...built.map((f) => `dist/${f}`),
    ...projectFiles.filter((f) => /^(direnv|templates|docs)\//.test(f)),
    'README.md',
    'LICENSE',
    'package.json',
  ];
  expect(expected.filter((f) => !inTarball.has(f))).toEqual([]);
  expect([...inTarball].filter((f) => /^(src|test|scripts|bench|node_modules)\//.test(f))).toEqual([]);
  expect(readFileSync(join(packageDir, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
});

test('the package is publishable and builds nothing when installed', () => {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown> & { scripts?: Record<string, string> };
  expect(manifest.private).toBeUndefined();
  expect(manifest.license).toBe('MIT');
  expect(manifest.engines).toEqual(pkg.engines);
  expect(manifest.bin).toEqual({ awsdir: 'dist/awsdir.cjs' });
  // npm runs these when the package is installed; the tarball is installed as built.
  expect(Object.keys(manifest.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
});

describe('the installed awsdir, with the checkout gone', () => {
  const { home, env: homeEnv } = makeHome('awsdir-package-user-');
  // A clean machine: no keychain service (DBUS_SESSION_BUS_ADDRESS unset), no terminal, only node on PATH.
  const env = { ...homeEnv, PATH: cleanPath, TMPDIR: home, DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: undefined };
  beforeAll(() => rmSync(checkout, { recursive: true, force: true }));

  test('--version prints the package version', async () => {
    const r = await runProcess(installed, ['--version'], { env, cwd: home });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  test('--help is served, and names every command', async () => {
    const r = await runProcess(installed, ['--help'], { env, cwd: home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: awsdir /);
    expect(r.stdout).toContain('  demo ');
  });

  test('prints its completion scripts', async () => {
    const r = await runProcess(installed, ['completion', 'bash'], { env, cwd: home });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('complete -F _awsdir awsdir');
  });

  test('demo runs the whole flow unattended', async () => {
    const r = await runProcess(installed, ['demo'], { env, cwd: home, timeoutMs: 110_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('keys go to the encrypted file keyring');
    expect(r.stderr).toMatch(/arn:aws:sts::222222222222:assumed-role\/admin\/\S+-yatteiki/);
    expect(r.stderr).toMatch(/\[(\d+)\/\1\] Clean up/);
    expect(r.stderr).toContain('Do it for real');
  });
});

/**
 * `awsdir status` through the built CLI with the real keychain: where each value came from, the
 * approval state, the cached sessions of this directory, and never a secret.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../support/cli';
import { MFA_SERIAL, ROLES } from '../support/fixture';
import { useWorld } from '../support/world';

const w = useWorld('status');
let team: string;
let production: string;
const secrets: string[] = [];

interface Report {
  directory: string;
  project: null | {
    projectFile: string;
    files: string[];
    allowed: boolean;
    region: string;
    sessionName: string;
    label: string;
    origins: Record<string, string>;
    source: { name: string; kind: string };
  };
  userFile: { path: string; exists: boolean };
  keyring: { backend?: string };
  sessions: Array<{
    kind: string;
    roleArn?: string;
    assumedRoleArn?: string;
    sourceName?: string;
    mfaSerial?: string;
    secondsLeft?: number;
    usedHere: boolean;
  }>;
}

beforeAll(async () => {
  secrets.push(...w.secrets);
  // A team file sets region and source; the production file extends it and names the role.
  team = w.writeProject('team', `role: ${ROLES.developmentAdmin}\nregion: eu-west-1\n`);
  production = join(team, 'production');
  mkdirSync(production, { recursive: true });
  writeFileSync(join(production, '.awsdir.yaml'), `version: 1\nextends: ../.awsdir.yaml\nrole: ${ROLES.productionAdmin}\nlabel: production\n`);
  await w.allow(production);
  const exported = await w.run(['export', '--shell', 'json'], { env: { AWSDIR_MFA_CODE: await w.emu.totp() }, cwd: production });
  expect(exported.exitCode).toBe(0);
  const vars = JSON.parse(exported.stdout) as Record<string, string>;
  secrets.push(vars.AWS_SECRET_ACCESS_KEY!, vars.AWS_SESSION_TOKEN!);
}, 60_000);

function noSecrets(text: string): void {
  for (const s of secrets) expect(text).not.toContain(s);
}

test('--json: the files, where each value came from, approval, and the sessions this directory uses', async () => {
  const r = await w.run(['status', '--json'], { cwd: production });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  noSecrets(r.stdout);
  const report = JSON.parse(r.stdout) as Report;
  const p = report.project!;
  expect(p.projectFile).toBe(join(production, '.awsdir.yaml'));
  expect(p.files).toEqual([join(production, '.awsdir.yaml'), join(team, '.awsdir.yaml')]);
  expect(p.allowed).toBe(true);
  expect(p.region).toBe('eu-west-1');
  expect(p.origins.region).toBe(join(team, '.awsdir.yaml'));
  expect(p.origins.role).toBe(join(production, '.awsdir.yaml'));
  expect(p.source).toEqual({ name: w.source, kind: 'keychain' });
  expect(report.keyring.backend).toBe('os');
  const mine = report.sessions.filter((s) => s.usedHere);
  expect(mine.map((s) => s.kind).sort()).toEqual(['mfa-session', 'role']);
  const role = mine.find((s) => s.kind === 'role')!;
  expect(role.roleArn).toBe('arn:aws:iam::222222222222:role/admin');
  expect(role.sourceName).toBe(w.source);
  expect(role.secondsLeft).toBeGreaterThan(3000);
  expect(mine.find((s) => s.kind === 'mfa-session')!.mfaSerial).toBe(MFA_SERIAL);
});

test("the human form names the files and origins and marks this directory's sessions", async () => {
  const r = await w.run(['status'], { cwd: production });
  expect(r.exitCode).toBe(0);
  noSecrets(r.stdout);
  expect(r.stdout).toContain(`project file    ${join(production, '.awsdir.yaml')} — allowed`);
  expect(r.stdout).toContain(`extends         ${join(team, '.awsdir.yaml')}`);
  expect(r.stdout).toMatch(new RegExp(`^region +eu-west-1 +\\(from ${join(team, '.awsdir.yaml').replace(/[.]/g, '\\.')}\\)$`, 'm'));
  expect(r.stdout).toMatch(
    new RegExp(`^ {2}role +admin @ 222222222222 +source .* (59m|5\\dm)\\d*s? left {2}endpoint ${w.emu.url.replace(/[.]/g, '\\.')} {2}<- this directory$`, 'm'),
  );
});

test('a changed file is reported as not allowed, with the command that allows it', async () => {
  appendFileSync(join(production, '.awsdir.yaml'), 'duration: 30m\n');
  const r = await w.run(['status'], { cwd: production });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain(`NOT allowed: run \`awsdir allow ${production}\``);
  const json = JSON.parse((await w.run(['status', '--json'], { cwd: production })).stdout) as Report;
  expect(json.project!.allowed).toBe(false);
});

test('without a project file it says so and still lists the cached sessions', async () => {
  const r = await w.run(['status'], { cwd: w.home });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('none: no .awsdir.yaml here or in any parent');
  expect(r.stdout).toContain('cached sessions:');
  expect(r.stdout).toMatch(/role +admin @ 222222222222/);
  noSecrets(r.stdout);
  const json = JSON.parse((await w.run(['status', '--json'], { cwd: w.home })).stdout) as Report;
  expect(json.project).toBeNull();
  expect(json.sessions.length).toBeGreaterThanOrEqual(2);
});

test('on a host with a dotted name, status resolves `{host}` as export does and marks the session export cached', async () => {
  const dir = w.writeProject('hosted', `role: ${ROLES.productionAdmin}\nregion: eu-west-1\nlabel: hosted\nsession_name: "{user}-{host}"\n`);
  const hostEnv = { ...w.env, AWSDIR_TEST_HOSTNAME: 'box.corp.example' };
  const onHost = (args: string[], extra: Record<string, string> = {}) =>
    runProcess(process.execPath, ['-r', join(__dirname, '..', 'fakes', 'hostName.cjs'), w.cli, ...args], { env: { ...hostEnv, ...extra }, cwd: dir });
  expect((await onHost(['allow', dir])).exitCode).toBe(0);
  const exported = await onHost(['export', '--shell', 'json'], { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect(exported.exitCode).toBe(0);
  const vars = JSON.parse(exported.stdout) as Record<string, string>;
  secrets.push(vars.AWS_SECRET_ACCESS_KEY!, vars.AWS_SESSION_TOKEN!);

  const r = await onHost(['status', '--json']);
  expect(r.exitCode).toBe(0);
  noSecrets(r.stdout);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.project!.sessionName).toBe('alice-box');
  const cached = report.sessions.filter((s) => s.kind === 'role' && s.assumedRoleArn?.endsWith('/alice-box'));
  expect(cached.map((s) => s.usedHere)).toEqual([true]);
});

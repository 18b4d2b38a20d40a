/**
 * Where STS and IAM calls go, through the built CLI. The AWS SDK reads `endpoint_url` (and
 * `services` sections) from the shared config file, and AWS_CONFIG_FILE may point into a cloned
 * repository: such a file must not get the MFA code, the key id and a signed GetSessionToken sent
 * to a server of its choosing. A trap server records every request it gets; the emulator's call log
 * shows where the calls went instead. Sessions are cached per endpoint, so an emulator's session is
 * never served against AWS, nor one emulator's against another.
 */
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld } from '../support/world';

jest.setTimeout(120_000);

const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_IAM', 'AWSDIR_FEDERATION_ENDPOINT'];

interface TrapRequest {
  method: string;
  url: string;
  action: string;
  carriesMfaCode: boolean;
}

const w = useWorld('endpoint', { projects: { production: PRODUCTION_PROJECT } });
let emuB: TestEmulator;
let trap: { url: string; requests: TrapRequest[]; server: Server };
let repo: string;

/** The account alias is looked up once per account and IAM endpoint: forgotten, the next role session looks it up again. */
const forgetAccountAliases = (): void => rmSync(join(w.home, '.local', 'state', 'awsdir', 'account-aliases.json'), { force: true });

/** An attacker's server: it records what it is sent and answers every request with an error. */
async function startTrap(): Promise<typeof trap> {
  const requests: TrapRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push({ method: req.method ?? '', url: req.url ?? '', action: form.get('Action') ?? '', carriesMfaCode: form.has('TokenCode') });
      res
        .writeHead(500, { 'content-type': 'text/xml' })
        .end('<ErrorResponse><Error><Code>InternalFailure</Code><Message>trap</Message></Error></ErrorResponse>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('trap: no port');
  return { url: `http://127.0.0.1:${address.port}`, requests, server };
}

/** The world's environment with no endpoint variable, plus the given ones. */
function envWith(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...w.env };
  for (const name of ENDPOINT_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

/** The endpoint variables that point every awsdir call at one emulator. */
const at = (emu: TestEmulator): Record<string, string> => ({
  AWS_ENDPOINT_URL: emu.url,
  AWS_ENDPOINT_URL_STS: emu.url,
  AWS_ENDPOINT_URL_IAM: emu.url,
  AWSDIR_FEDERATION_ENDPOINT: `${emu.url}/federation`,
});

/** A shared config file inside the cloned repository, as AWS_CONFIG_FILE would name it. */
function configFile(name: string, text: string): string {
  const file = join(repo, name);
  writeFileSync(file, text);
  return file;
}

const calls = async (emu: TestEmulator): Promise<string[]> => (await emu.calls()).map((c) => `${c.service}:${c.action}`);

async function exportWith(env: Record<string, string | undefined>, code: string): Promise<CliResult> {
  return runCli(['export', '--shell', 'bash'], { env: { ...env, AWSDIR_MFA_CODE: code }, cwd: w.dirs.production });
}

const keyIdOf = (stdout: string): string => /export AWS_ACCESS_KEY_ID='([^']+)'/.exec(stdout)?.[1] ?? '';

/** Whether this machine can resolve AWS's STS host: where it cannot, a call there fails as a DNS error. */
async function resolvesAws(): Promise<boolean> {
  return lookup('sts.us-east-1.amazonaws.com').then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  emuB = await startTestEmulator();
  trap = await startTrap();
  repo = join(w.home, 'cloned-repo');
  mkdirSync(repo, { recursive: true });
});

afterAll(async () => {
  await emuB?.close();
  await new Promise((resolve) => trap?.server.close(resolve));
});

beforeEach(async () => {
  trap.requests.length = 0;
  await w.emu.clearCalls();
  await emuB.clearCalls();
});

describe('a shared config file that names an endpoint gets no call', () => {
  const cases: Array<[string, () => Record<string, string>]> = [
    ['endpoint_url in [default]', () => ({ AWS_CONFIG_FILE: configFile('default', `[default]\nendpoint_url = ${trap.url}\n`) })],
    [
      'endpoint_url in the AWS_PROFILE profile',
      () => ({ AWS_CONFIG_FILE: configFile('profile', `[default]\nregion = us-east-1\n\n[profile work]\nendpoint_url = ${trap.url}\n`), AWS_PROFILE: 'work' }),
    ],
    [
      'a services section',
      () => ({
        AWS_CONFIG_FILE: configFile(
          'services',
          `[default]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = ${trap.url}\niam =\n  endpoint_url = ${trap.url}\n`,
        ),
      }),
    ],
  ];

  test.each(cases)('%s: with AWS_ENDPOINT_URL_STS at the emulator, GetSessionToken goes there and IAM to AWS, nothing to the trap', async (_name, config) => {
    // Only STS is named: the account-alias lookup (IAM) would take its endpoint from the file if anything did.
    const env = envWith({ ...config(), AWS_ENDPOINT_URL_STS: w.emu.url });
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env })).exitCode).toBe(0);
    const r = await exportWith(env, await w.emu.totp());
    expect(trap.requests).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('export AWS_SESSION_TOKEN=');
    expect(await calls(w.emu)).toEqual(['sts:GetSessionToken', 'sts:AssumeRole']);
  });

  test('nor does its auth_scheme_preference change how the calls are signed', async () => {
    forgetAccountAliases();
    const env = envWith({ ...at(w.emu), AWS_CONFIG_FILE: configFile('sigv4a', '[default]\nauth_scheme_preference = sigv4a\n') });
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env })).exitCode).toBe(0);
    const r = await exportWith(env, await w.emu.totp());
    expect(r.stderr).not.toContain('IncompleteSignature');
    expect(r.exitCode).toBe(0);
    expect(await calls(w.emu)).toEqual(['sts:GetSessionToken', 'sts:AssumeRole', 'iam:ListAccountAliases']);
  });

  test('no endpoint variable: GetSessionToken goes to AWS itself, not to the endpoint_url of the file', async () => {
    const env = envWith({ AWS_CONFIG_FILE: configFile('no-variables', `[default]\nendpoint_url = ${trap.url}\n`) });
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env })).exitCode).toBe(0);
    const r = await exportWith(env, await w.emu.totp());
    expect(trap.requests).toEqual([]);
    expect(await calls(w.emu)).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    if (await resolvesAws()) {
      console.log('SKIPPED the error text: this machine reaches AWS, which refuses the emulator key instead of failing to connect');
      return;
    }
    expect(r.stderr).toBe(
      'awsdir: GetSessionToken: could not reach https://sts.us-east-1.amazonaws.com (ENOTFOUND); check the network, or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if you set one\n',
    );
  });

  test('no endpoint variable: the fips, dualstack and region settings of the profile do not change the host either', async () => {
    const env = envWith({
      AWS_CONFIG_FILE: configFile('host-settings', '[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\nregion = eu-central-1\n'),
      AWSDIR_DEBUG: '1',
    });
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env })).exitCode).toBe(0);
    const r = await exportWith(env, await w.emu.totp());
    expect(r.exitCode).toBe(1);
    if (await resolvesAws()) {
      console.log('SKIPPED the host check: this machine reaches AWS, so no DNS error names the host');
      return;
    }
    // The host the SDK really asked for, from the network error itself.
    expect(r.stderr).toContain('awsdir[debug]: cause: Error: getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com\n');
  });
});

describe('sessions are cached per endpoint', () => {
  test('a session from one emulator is served neither against AWS nor against another emulator, and stays cached for its own', async () => {
    forgetAccountAliases();
    const envA = envWith(at(w.emu));
    const envB = envWith(at(emuB));
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env: envA })).exitCode).toBe(0);
    const fromA = await exportWith(envA, await w.emu.totp());
    expect(fromA.exitCode).toBe(0);
    expect(await calls(w.emu)).toEqual(['sts:GetSessionToken', 'sts:AssumeRole', 'iam:ListAccountAliases']);
    await w.emu.clearCalls();

    // Another emulator: its own MFA session and role session, nothing asked of the first.
    const fromB = await exportWith(envB, await emuB.totp());
    expect(fromB.exitCode).toBe(0);
    expect(await calls(emuB)).toEqual(['sts:GetSessionToken', 'sts:AssumeRole', 'iam:ListAccountAliases']);
    expect(keyIdOf(fromB.stdout)).not.toBe(keyIdOf(fromA.stdout));

    // No endpoint variable: AWS, which this cache has no session of; nothing is exported.
    const toAws = await exportWith(envWith({}), await w.emu.totp());
    expect(toAws.exitCode).toBe(1);
    expect(toAws.stdout).toBe('');
    if (!(await resolvesAws()))
      expect(toAws.stderr).toMatch(/^awsdir: GetSessionToken: could not reach https:\/\/sts\.us-east-1\.amazonaws\.com \(ENOTFOUND\)/);

    // Back at the first emulator: its session from before, without a call.
    const again = await exportWith(envA, await w.emu.totp());
    expect(again.exitCode).toBe(0);
    expect(keyIdOf(again.stdout)).toBe(keyIdOf(fromA.stdout));
    expect(await calls(w.emu)).toEqual([]);
    expect(await calls(emuB)).toEqual(['sts:GetSessionToken', 'sts:AssumeRole', 'iam:ListAccountAliases']);
    expect(trap.requests).toEqual([]);
  });
});

describe('a person sees a non-AWS endpoint', () => {
  test('the summary line of a fresh export and of a cache hit, and status, name the endpoint', async () => {
    const env = envWith(at(w.emu));
    const port = w.emu.url.replace(/^.*:/, '');
    const line = new RegExp(
      `^awsdir: production · admin @ 222222222222 \\(acme-production\\) · ap-northeast-1 · \\S+ left · endpoint http://127\\.0\\.0\\.1:${port}\\n$`,
    );
    expect((await runCli(['clear', '--dir', w.dirs.production, '--with-mfa-session'], { env })).exitCode).toBe(0);
    const fresh = await exportWith(env, await w.emu.totp());
    expect(fresh.stderr).toMatch(line);
    await w.emu.clearCalls();
    const hit = await exportWith(env, await w.emu.totp());
    expect(hit.stderr).toMatch(line);
    expect(await calls(w.emu)).toEqual([]);

    const status = await runCli(['status'], { env, cwd: w.dirs.production });
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain(`sts endpoint    ${w.emu.url}   (from AWS_ENDPOINT_URL_STS)\n`);
    expect(status.stdout).toContain(`iam endpoint    ${w.emu.url}   (from AWS_ENDPOINT_URL_IAM)\n`);
    expect(status.stdout).toContain(`console sign-in ${w.emu.url}/federation   (from AWSDIR_FEDERATION_ENDPOINT)\n`);
    // The sessions this directory uses say where they came from too.
    const here = status.stdout.split('\n').filter((l) => l.endsWith('<- this directory'));
    expect(here).toHaveLength(2);
    for (const l of here) expect(l).toContain(`  endpoint ${w.emu.url}  <- this directory`);
    const json = JSON.parse((await runCli(['status', '--json'], { env, cwd: w.dirs.production })).stdout) as { endpoints: unknown };
    expect(json.endpoints).toEqual({
      sts: { url: w.emu.url, from: 'AWS_ENDPOINT_URL_STS' },
      iam: { url: w.emu.url, from: 'AWS_ENDPOINT_URL_IAM' },
      federation: { url: `${w.emu.url}/federation`, from: 'AWSDIR_FEDERATION_ENDPOINT' },
    });

    // AWS_ENDPOINT_URL alone serves STS and IAM; the line says which variable gave it.
    const general = await runCli(['status'], { env: envWith({ AWS_ENDPOINT_URL: w.emu.url }), cwd: w.dirs.production });
    expect(general.stdout).toContain(`sts endpoint    ${w.emu.url}   (from AWS_ENDPOINT_URL)\n`);
    expect(general.stdout).toContain(`iam endpoint    ${w.emu.url}   (from AWS_ENDPOINT_URL)\n`);

    // The real AWS: no endpoint row at all.
    const aws = await runCli(['status', '--json'], { env: envWith({}), cwd: w.dirs.production });
    expect((JSON.parse(aws.stdout) as { endpoints: unknown }).endpoints).toEqual({});
    expect((await runCli(['status'], { env: envWith({}), cwd: w.dirs.production })).stdout).not.toMatch(/^(sts endpoint|iam endpoint|console sign-in) /m);
  });
});

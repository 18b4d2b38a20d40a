import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedKey } from '../../src/emulator';
import { makeHome, ROOT, runProcess } from '../support/cli';

jest.setTimeout(120_000);

function listTree(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('awsdir demo', () => {
  test('runs unattended through scripts/demo.sh: both roles answer whoami, direnv loads and unloads them, nothing is left behind', async () => {
    const { home, env } = makeHome('awsdir-demo-test-');
    const before = listTree(home);
    // What scripts/demo.sh runs after installing: the built CLI's demo, with no terminal on stdin.
    const result = await runProcess('bash', [join(ROOT, 'scripts', 'demo.sh'), '--no-install'], { env: { ...env, TMPDIR: home }, timeoutMs: 110_000 });
    const out = result.stderr;

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('');
    expect(out).toContain('the demo types the code itself through AWSDIR_MFA_CODE');
    // whoami, directly and again through direnv, in each directory.
    expect(out.match(/arn:aws:sts::222222222222:assumed-role\/admin\/\S+-yatteiki/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out.match(/arn:aws:sts::333333333333:assumed-role\/admin\/\S+-development/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out).toContain('no AWS credentials are in effect');
    expect(out).toContain('after leaving: AWS_ACCESS_KEY_ID=(unset) AWSDIR_LABEL=(unset)');
    // The IAM Identity Center part: a permission set's session, which GetCallerIdentity names.
    expect(out).toMatch(/arn:aws:sts::222222222222:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice/);
    expect(out).toMatch(/\[13\/13\] Clean up/);
    expect(out).toContain('Do it for real');
    // On Node.js 20 the AWS SDK would print nine lines of NodeVersionSupportWarning at each cache miss.
    expect(out).not.toContain('NodeVersionSupportWarning');

    // The demo user's long-lived secret is typed into the keychain, never shown.
    const secret = generatedKey('111111111111', 'alice', 0).secret;
    expect(out).not.toContain(secret);
    expect(out).not.toMatch(/AWS_SECRET_ACCESS_KEY=(?!\*\*\*\*|\(\d+ characters, not shown\))/);

    // The private HOME lived under TMPDIR and is gone; the person's own HOME is untouched.
    const after = listTree(home);
    expect(after).toEqual(before);
  });

  test('the shipped demo fixture is the test fixture', () => {
    const shipped = parse(readFileSync(join(ROOT, 'templates', 'demo-fixture.yaml'), 'utf8')) as unknown;
    const tests = parse(readFileSync(join(ROOT, 'test', 'fixtures', 'emulator', 'demo.yaml'), 'utf8')) as unknown;
    expect(shipped).toEqual(tests);
  });
});

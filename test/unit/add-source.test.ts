/**
 * `awsdir add` without the CLI: the key proven against the emulator, its MFA device found or
 * chosen with the answer handed in, and what is refused before any call to AWS. Keys go to a real
 * encrypted file keyring and the real user file in a private HOME.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAwsSdk } from '../../src/aws/loadAwsSdk';
import { recordSource } from '../../src/config/updateUserConfig';
import type { AwsdirError } from '../../src/core/errors';
import type { Reporter } from '../../src/core/reporter';
import type { Keyring } from '../../src/keyring/keyring';
import { openKeyring } from '../../src/keyring/openKeyring';
import { addSource, type AddInput } from '../../src/security/addSource';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { MFA_DEVICE } from '../support/fixture';

const SEED = MFA_DEVICE.seed;
const FIXTURE = {
  accounts: {
    '111111111111': {
      users: {
        alice: { mfa: MFA_DEVICE },
        bob: {},
        carol: {
          mfa: [
            { serial: 'arn:aws:iam::111111111111:u2f/user/carol/yubikey-ABCDEF', seed: SEED },
            { serial: 'arn:aws:iam::111111111111:mfa/carol-phone', seed: SEED },
            { serial: 'arn:aws:iam::111111111111:mfa/carol-token', seed: SEED },
          ],
        },
      },
    },
  },
};

let emu: TestEmulator;
let home: string;
let env: Record<string, string>;
let keyring: Keyring;
let lines: string[];
const reporter: Reporter = {
  info: (m) => void lines.push(m),
  warn: (m) => void lines.push(`warning: ${m}`),
  debug: () => undefined,
  color: false,
  debugEnabled: false,
};

beforeAll(async () => {
  emu = await startTestEmulator(FIXTURE);
  home = mkdtempSync(join(tmpdir(), 'awsdir-add-unit-'));
  env = {
    ...emu.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.data'),
    AWSDIR_KEYRING: 'file',
    AWSDIR_FILE_PASSPHRASE: 'unit test passphrase',
  };
  keyring = await openKeyring({ env, preference: 'file', recordPick: () => undefined, reporter });
});

afterAll(async () => {
  await emu.close();
  rmSync(home, { recursive: true, force: true });
});

beforeEach(async () => {
  lines = [];
  await emu.clearCalls();
});

/** addSource with `answers` for the terminal, in order. */
function add(input: Partial<AddInput> & { name: string }, answers: string[] = [], extraEnv: Record<string, string> = {}): Promise<void> {
  return addSource(
    { fromEnv: false, ...input },
    {
      env: { ...env, ...extraEnv },
      reporter,
      ask: async (prompt) => {
        const answer = answers.shift();
        if (answer === undefined) throw new Error(`no terminal to ask on (${prompt.split('\n')[0]})`);
        return answer;
      },
      store: (name, value) => keyring.set(name, value),
      backendName: 'file keyring',
      stsRegion: 'us-east-1',
      record: (name, fields) => recordSource(env, name, fields),
      readBack: (name) => keyring.get(name),
      loadAws: loadAwsSdk,
    },
  );
}

const userFile = (): string => readFileSync(join(home, '.config', 'awsdir', 'config.yaml'), 'utf8');

test('typed keys that work, one MFA device: both stored, the device found without a question', async () => {
  const keys = emu.keys('alice');
  await add({ name: 'work' }, [keys.accessKeyId, keys.secretAccessKey]);
  expect(JSON.parse((await keyring.get('source/work')) ?? 'null')).toEqual({ v: 1, ...keys });
  expect(userFile()).toMatch(/work:\n\s+access_key_id: AKIA\w+\n\s+mfa_serial: arn:aws:iam::111111111111:mfa\/alice\n/);
  expect(lines).toEqual([
    'the key works: arn:aws:iam::111111111111:user/alice',
    "added source 'work' (arn:aws:iam::111111111111:user/alice, MFA arn:aws:iam::111111111111:mfa/alice); keys stored in the file keyring",
  ]);
});

test('several devices: a security key is skipped (STS takes no FIDO), the person picks among the TOTP ones', async () => {
  const keys = emu.keys('carol');
  await add({ name: 'carol', fromEnv: true }, ['2'], { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey });
  expect(userFile()).toMatch(/carol:\n\s+access_key_id: AKIA\w+\n\s+mfa_serial: arn:aws:iam::111111111111:mfa\/carol-token\n/);
  expect(lines).toContain(
    'skipping MFA device arn:aws:iam::111111111111:u2f/user/carol/yubikey-ABCDEF: STS takes codes only from virtual or hardware TOTP devices, not FIDO security keys',
  );
});

test('several devices and an answer that is none of them: a usage error naming --mfa-serial, nothing stored', async () => {
  const keys = emu.keys('carol');
  const error = (await add({ name: 'carol2' }, [keys.accessKeyId, keys.secretAccessKey, '3']).catch((e: unknown) => e)) as AwsdirError;
  expect({ kind: error.kind, message: error.message }).toEqual({ kind: 'usage', message: "'3' is not one of 1-2; run again, or choose with --mfa-serial" });
  expect(await keyring.get('source/carol2')).toBeNull();
});

test('no MFA device: stored, with a warning that roles demanding MFA will refuse it', async () => {
  const keys = emu.keys('bob');
  await add({ name: 'bob' }, [keys.accessKeyId, keys.secretAccessKey]);
  expect(await keyring.get('source/bob')).not.toBeNull();
  expect(lines).toContain(
    'warning: this user has no TOTP MFA device; roles that require MFA will refuse it (add one in IAM, then run `awsdir add` again, or use `mfa: false` for roles that do not require it)',
  );
});

test('a key AWS does not know: refused with the fix, nothing stored', async () => {
  await expect(add({ name: 'stale' }, ['AKIAZZZZZZZZZZZZZZZZ', 'x'.repeat(40)])).rejects.toThrow(
    /AWS does not know the access key .*store a current key with `awsdir add stale`/,
  );
  expect(await keyring.get('source/stale')).toBeNull();
});

test.each<[string, Partial<AddInput> & { name: string }, string[], Record<string, string>, string]>([
  ['a source name with a slash', { name: 'a/b' }, [], {}, "source name 'a/b' is not valid; use letters, digits, '.', '_' or '-' (at most 64)"],
  [
    'a FIDO key as --mfa-serial',
    { name: 'x', mfaSerial: 'arn:aws:iam::111111111111:u2f/user/carol/yubikey-ABCDEF' },
    [],
    {},
    '--mfa-serial arn:aws:iam::111111111111:u2f/user/carol/yubikey-ABCDEF is not the ARN of a TOTP MFA device (arn:aws:iam::ACCOUNT:mfa/NAME); STS cannot use other devices',
  ],
  [
    'a session key id typed (only its first letters said back)',
    { name: 'x' },
    ['ASIAQWERTYUIOPASDFGH', 'secret'],
    {},
    "access key id ASIA... is not an IAM user's long-term key (AKIA followed by 16 characters); create one in IAM > Users > Security credentials",
  ],
  ['a secret with a space in it', { name: 'x' }, ['AKIAQWERTYUIOPASDFGH', 'half secret'], {}, 'the secret access key is empty or holds spaces; paste it again'],
  [
    '--from-env with one variable',
    { name: 'x', fromEnv: true },
    [],
    { AWS_ACCESS_KEY_ID: 'AKIAQWERTYUIOPASDFGH' },
    '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; set both, or leave out --from-env to type them',
  ],
])('%s: a usage error, and no call to AWS', async (_, input, answers, extraEnv, message) => {
  const error = (await add(input, answers, extraEnv).catch((e: unknown) => e)) as AwsdirError;
  expect({ kind: error.kind, message: error.message }).toEqual({ kind: 'usage', message });
  expect(await emu.calls()).toEqual([]);
});

test("--from-env inside an awsdir directory: the role session's variables are refused, not stored as a source", async () => {
  const error = (await add({ name: 'x', fromEnv: true }, [], {
    AWS_ACCESS_KEY_ID: 'ASIAQWERTYUIOPASDFGH',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    AWSDIR_ROLE_ARN: 'arn:aws:sts::222222222222:assumed-role/admin/alice-production',
  }).catch((e: unknown) => e)) as AwsdirError;
  expect(error.message).toMatch(
    /^--from-env: the AWS_\* variables here were exported by awsdir \(a role session\), not an IAM user's key; run it from a shell outside/,
  );
  expect(await emu.calls()).toEqual([]);
});

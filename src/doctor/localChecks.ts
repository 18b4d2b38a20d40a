import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Env } from '../core/context';
import { isAwsdirError } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { readAwsCredentials, valueOf } from '../config/awsSharedFiles';
import { awsCredentialsFile, configHome, direnvLibFile, homeDir } from '../config/paths';
import { loadUserConfig, recordKeyringPick } from '../config/userConfig';
import type { UserConfig } from '../config/types';
import { openKeyring } from '../keyring/openKeyring';
import { credentialBackups, deleteBackupHint } from '../security/removeProfileKeys';
import type { Keyring } from '../keyring/keyring';
import { loadBundledText } from '../core/bundledText';
import { fail, pass, warn, type CheckResult } from './checkResult';

/** Runs a program without a shell; undefined when it cannot be started (not installed). */
export type RunProgram = (file: string, args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string } | undefined>;

/**
 * awsdir is supported on Node.js 22 and 24, the maintained LTS lines it is tested on, and newer.
 * Node.js 20 still runs it, past its end of life: no more security fixes, and AWS SDK releases after
 * early January 2027 need Node.js 22. Older ones do not run it.
 */
const SUPPORTED_FROM_MAJOR = 22;
const RUNS_FROM_MAJOR = 20;
const END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 21: '2024-06-01' };
const INSTALL = 'install Node.js 24 (LTS) or 22 (https://nodejs.org) and reinstall awsdir (`npm install --global .` from its checkout)';

export async function checkNodeVersion(nodePath: string, run: RunProgram): Promise<CheckResult> {
  const out = await run(nodePath, ['--version']);
  const version = out?.stdout.trim() ?? '';
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? NaN);
  if (!Number.isFinite(major))
    return warn('node-version', `could not tell the version of ${nodePath}`, `run \`${nodePath} --version\`; awsdir needs Node.js 24 or 22`);
  if (major < RUNS_FROM_MAJOR) return fail('node-version', `Node.js ${version} runs awsdir; it needs Node.js 24 or 22`, INSTALL);
  if (major < SUPPORTED_FROM_MAJOR) {
    return warn(
      'node-version',
      `Node.js ${version} runs awsdir; it reached its end of life on ${END_OF_LIFE[major] ?? 'an earlier date'} (no more security fixes, and AWS SDK releases after early January 2027 need Node.js 22); awsdir still works on it for now`,
      INSTALL,
    );
  }
  return pass('node-version', `Node.js ${version}`);
}

export async function checkDirenvInstalled(run: RunProgram): Promise<CheckResult> {
  const out = await run('direnv', ['version']);
  if (!out || out.exitCode !== 0) {
    return fail(
      'direnv-installed',
      'direnv is not on PATH; without it nothing loads credentials on cd',
      'install direnv (apt install direnv, brew install direnv, or https://direnv.net) and hook it into your shell',
    );
  }
  return pass('direnv-installed', `direnv ${out.stdout.trim()}`);
}

type Shell = 'bash' | 'zsh' | 'fish';

function rcFile(shell: Shell, env: Env): string {
  if (shell === 'bash') return join(homeDir(env), '.bashrc');
  if (shell === 'zsh') return join(env.ZDOTDIR || homeDir(env), '.zshrc');
  return join(configHome(env), 'fish', 'config.fish');
}

const HOOK_LINE: Record<Shell, string> = {
  bash: 'eval "$(direnv hook bash)"',
  zsh: 'eval "$(direnv hook zsh)"',
  fish: 'direnv hook fish | source',
};

function hooked(shell: Shell, env: Env): boolean {
  try {
    return new RegExp(`direnv\\s+hook\\s+${shell}\\b`).test(readFileSync(rcFile(shell, env), 'utf8'));
  } catch {
    return false;
  }
}

/** The current shell (from $SHELL) must be hooked; other shells' hooks are reported but do not count. */
export function checkDirenvHook(env: Env): CheckResult {
  const shells: Shell[] = ['bash', 'zsh', 'fish'];
  const current = basename(env.SHELL ?? '') as Shell;
  const hookedShells = shells.filter((s) => hooked(s, env));
  if (shells.includes(current)) {
    if (hookedShells.includes(current)) return pass('direnv-hook', `direnv is hooked into ${current} (${rcFile(current, env)})`);
    return fail(
      'direnv-hook',
      `direnv is not hooked into ${current}, your shell${hookedShells.length ? ` (only into ${hookedShells.join(', ')})` : ''}`,
      `add \`${HOOK_LINE[current]}\` at the end of ${rcFile(current, env)} and open a new shell`,
    );
  }
  if (hookedShells.length) return pass('direnv-hook', `direnv is hooked into ${hookedShells.map((s) => `${s} (${rcFile(s, env)})`).join(', ')}`);
  return fail(
    'direnv-hook',
    'direnv is hooked into none of ~/.bashrc, ~/.zshrc, ~/.config/fish/config.fish',
    `add the hook for your shell, e.g. \`${HOOK_LINE.bash}\` at the end of ~/.bashrc, and open a new shell`,
  );
}

export async function checkUseAwsHelper(env: Env): Promise<CheckResult> {
  const file = direnvLibFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return fail(
      'use-aws-helper',
      `the direnv helper is not installed (${file} is missing), so \`use aws\` in an .envrc fails`,
      'run `awsdir hook direnv --install`',
    );
  }
  if (text !== (await loadBundledText('direnv/awsdir.sh')))
    return warn('use-aws-helper', `the direnv helper at ${file} is not the one of this awsdir version`, 'run `awsdir hook direnv --install` to update it');
  return pass('use-aws-helper', `the direnv helper is installed at ${file}`);
}

export async function checkUserConfig(env: Env): Promise<{ result: CheckResult; userConfig?: UserConfig }> {
  try {
    const userConfig = await loadUserConfig(env);
    if (!userConfig.exists) {
      return {
        result: warn(
          'user-config',
          `no user file at ${userConfig.file}; awsdir uses its defaults`,
          'run `awsdir add` to store your IAM user key and record it there',
        ),
        userConfig,
      };
    }
    const names = Object.keys(userConfig.sources);
    return { result: pass('user-config', `${userConfig.file} is valid (sources: ${names.join(', ') || 'none'})`), userConfig };
  } catch (error) {
    const message = isAwsdirError(error) ? error.message : String(error);
    return { result: fail('user-config', `the user file does not load: ${message}`, 'fix the file at the place the message names') };
  }
}

export async function checkKeychain(env: Env, userConfig: UserConfig | undefined, reporter: Reporter): Promise<{ result: CheckResult; keyring?: Keyring }> {
  let keyring: Keyring;
  try {
    keyring = await openKeyring({
      env,
      preference: userConfig?.keyring ?? 'auto',
      recordPick: (backend: 'os' | 'file') => recordKeyringPick(env, backend),
      reporter,
    });
  } catch (error) {
    const message = isAwsdirError(error) ? error.message : String(error);
    return {
      result: fail(
        'keychain',
        `the keychain cannot be opened: ${message}`,
        'follow the hint above, or set AWSDIR_KEYRING=file and AWSDIR_FILE_PASSPHRASE for the encrypted file keyring',
      ),
    };
  }
  const name = keyring.backend === 'os' ? 'the OS keychain' : 'the encrypted file keyring';
  try {
    await keyring.probeWrite();
  } catch (error) {
    const message = isAwsdirError(error) ? error.message : String(error);
    return {
      result: fail(
        'keychain',
        `${name} is reachable but refuses writes (locked?): ${message}`,
        'unlock your keyring (log in to the desktop, or `gnome-keyring-daemon --unlock`), then run doctor again',
      ),
      keyring,
    };
  }
  return { result: pass('keychain', `${name} (backend ${keyring.backend}) is reachable and writable`), keyring };
}

/** `[profile]` sections of ~/.aws/credentials that hold a secret access key. */
export function plaintextProfiles(env: Env): { file: string; exists: boolean; profiles: Array<{ name: string; temporary: boolean }> } {
  const { file, exists, profiles: sections } = readAwsCredentials(env);
  const profiles: Array<{ name: string; temporary: boolean }> = [];
  for (const [name, section] of sections) {
    if (valueOf(section, 'aws_secret_access_key') === undefined) continue;
    const id = valueOf(section, 'aws_access_key_id') ?? '';
    profiles.push({ name, temporary: id.startsWith('ASIA') || valueOf(section, 'aws_session_token') !== undefined });
  }
  return { file, exists, profiles };
}

export async function checkPlaintextCredentials(env: Env): Promise<CheckResult> {
  let found: ReturnType<typeof plaintextProfiles>;
  try {
    found = plaintextProfiles(env);
  } catch (error) {
    const file = awsCredentialsFile(env);
    return warn(
      'plaintext-credentials',
      `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}), so it was not checked for plaintext keys`,
      `make it readable by you (\`chmod 600 ${file}\`), or point AWS_SHARED_CREDENTIALS_FILE at the right file`,
    );
  }
  const { file, exists, profiles } = found;
  const longTerm = profiles.filter((p) => !p.temporary);
  const backups = credentialBackups(file);
  if (longTerm.length || backups.length) {
    const first = longTerm[0]?.name ?? 'default';
    const problems = [
      ...(longTerm.length
        ? [
            `${file} holds long-term access keys in plain text (profile${longTerm.length > 1 ? 's' : ''} ${longTerm.map((p) => p.name).join(', ')}); any process you run can read them`,
          ]
        : []),
      ...(backups.length
        ? [`${backups.join(', ')}: backup${backups.length > 1 ? 's' : ''} made by --remove-from-file, holding the removed key in plain text`]
        : []),
    ];
    const fixes = [
      ...(longTerm.length
        ? [
            `move each into the keychain and out of the file: \`awsdir add ${first === 'default' ? 'default' : first} --from-profile ${first} --remove-from-file\` (keeps a 0600 backup beside the file)`,
          ]
        : []),
      ...backups.map((b) => `once the key works from the keychain, delete the backup: ${deleteBackupHint(b)}`),
    ];
    return fail('plaintext-credentials', problems.join('; '), fixes.join('; '));
  }
  if (profiles.length) {
    return warn(
      'plaintext-credentials',
      `${file} holds temporary credentials (profile${profiles.length > 1 ? 's' : ''} ${profiles.map((p) => p.name).join(', ')}); they expire, but sit in plain text until then`,
      `remove the profiles from ${file} once you no longer need them`,
    );
  }
  return pass('plaintext-credentials', exists ? `${file} holds no secret keys` : `no ${file}`);
}

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import type { EmulatorChunk } from '../emulator/loadEmulator';
import type { Env, Io } from '../core/context';
import { AwsdirError, CancelledError } from '../core/errors';
import { paint } from '../core/reporter';
import { loadBundledText } from '../core/bundledText';
import { childEnvironment } from '../core/childEnvironment';

export interface DemoOptions {
  /** Keep the private HOME afterwards, to look around in it. */
  keep: boolean;
}

export interface DemoDeps {
  env: Env;
  io: Pick<Io, 'stderr' | 'stdinIsTTY'>;
  self: { node: string; script: string };
  signal: AbortSignal;
  platform: NodeJS.Platform;
  color: boolean;
  loadEmulator: () => EmulatorChunk;
}

const SERIAL = 'arn:aws:iam::111111111111:mfa/alice';
const PRODUCTION = { dir: 'production/yatteiki', role: 'arn:aws:iam::222222222222:role/admin', region: 'ap-northeast-1', label: 'production' };
const DEVELOPMENT = { dir: 'development', role: 'arn:aws:iam::333333333333:role/admin', region: 'eu-west-1', label: 'development' };
/** What `awsdir export` shows only in part, because a screen is not a safe place for it. */
const HIDDEN = new Set(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);

interface ChildResult {
  code: number;
  stdout: string;
}

/**
 * The whole flow of a newcomer's first day, on the local emulator: real awsdir commands run as
 * child processes in a private HOME, so the person sees their real output and nothing of theirs
 * is touched. Everything is said on stderr, like every other awsdir message.
 */
export async function runDemo(options: DemoOptions, deps: DemoDeps): Promise<void> {
  const say = (text = ''): void => deps.io.stderr(`${text}\n`);
  const bold = (text: string): string => (deps.color ? paint('1', text) : text);
  const dim = (text: string): string => (deps.color ? paint('2', text) : text);
  const direnv = findOnPath('direnv', deps.env.PATH);
  const total = direnv ? 13 : 12;
  let stepNo = 0;
  const step = (title: string, sentence: string): void => {
    stepNo += 1;
    say();
    say(bold(`[${stepNo}/${total}] ${title}`));
    say(sentence);
  };

  const chunk = deps.loadEmulator();
  const fixture = parse(await loadBundledText('templates/demo-fixture.yaml')) as { sso: { start_url: string; region: string } };
  const emulator = await chunk.startEmulator({ fixture });
  const home = realpathSync(mkdtempSync(join(deps.env.TMPDIR || tmpdir(), 'awsdir-demo-')));
  let keep = options.keep;
  const children = new Set<ReturnType<typeof spawn>>();
  const stopChildren = (): void => children.forEach((c) => c.kill('SIGTERM'));
  deps.signal.addEventListener('abort', stopChildren, { once: true });
  try {
    const alice = emulator.world.findUser('alice', '111111111111')?.accessKeys.find((k) => k.status === 'Active');
    if (!alice) throw new AwsdirError('demo: the demo fixture has no active key for alice; reinstall awsdir');
    // A name of its own, so the demo can never overwrite a source of the person's real keychain.
    const source = `demo-${randomBytes(3).toString('hex')}`;
    const env = demoEnv(deps, home, emulator.url);
    const tilde = (path: string): string => (path.startsWith(home) ? `~${path.slice(home.length)}` : path);

    const runChild = (
      command: string,
      args: string[],
      o: {
        cwd?: string;
        extraEnv?: Record<string, string | undefined>;
        shown?: string;
        expect?: number;
        terminal?: boolean;
        showStdout?: boolean;
        liveStdout?: boolean;
      },
    ): Promise<ChildResult> => {
      say(dim(`  $ ${o.shown ?? [command, ...args].map((a) => tilde(a)).join(' ')}`));
      return new Promise((resolve, reject) => {
        if (deps.signal.aborted) return reject(new CancelledError('demo cancelled'));
        const child = spawn(command, args, {
          cwd: o.cwd ?? home,
          // Nothing inherited: only the throwaway world's variables, its own passphrase and codes among them.
          env: childEnvironment({}, { set: { ...env, ...o.extraEnv } }),
          // Without a terminal of its own, a child must not find the person's /dev/tty either:
          // a new session has no controlling terminal, so an unexpected prompt fails instead of waiting.
          detached: !o.terminal,
          stdio: [o.terminal ? 'inherit' : 'ignore', 'pipe', 'pipe'],
        });
        children.add(child);
        let stdout = '';
        // direnv's stdlib colours its lines by TERM, not by whether anyone sees colour.
        // eslint-disable-next-line no-control-regex -- strips the ANSI colour sequences (ESC [ ... m) direnv writes
        const relay = lineRelay((line) => say(`    ${deps.color ? line : line.replace(/\u001b\[[0-9;]*m/g, '')}`));
        child.stdout?.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (o.liveStdout) relay.push(d.toString());
        });
        child.stderr?.on('data', (d: Buffer) => relay.push(d.toString()));
        child.on('error', (error) => {
          children.delete(child);
          reject(new AwsdirError(`demo: cannot start ${command} (${error.message}); check that it is installed`, { cause: error }));
        });
        child.on('close', (code, signal) => {
          children.delete(child);
          relay.end();
          if (o.showStdout) for (const line of stdout.replace(/\n$/, '').split('\n')) say(`    ${line}`);
          if (deps.signal.aborted) return reject(new CancelledError('demo cancelled'));
          const exit = code ?? (signal ? 128 : 1);
          if (exit !== (o.expect ?? 0)) {
            return reject(
              new AwsdirError(
                `demo step ${stepNo}: \`${o.shown ?? [command, ...args].join(' ')}\` exited with ${exit}${signal ? ` (${signal})` : ''}; its messages above say why`,
              ),
            );
          }
          resolve({ code: exit, stdout });
        });
      });
    };
    const awsdir = (args: string[], o: Parameters<typeof runChild>[2] = {}): Promise<ChildResult> =>
      runChild('awsdir', args, { ...o, shown: o.shown ?? `awsdir ${args.map(tilde).join(' ')}` });

    step(
      'Start a local AWS',
      `An STS and IAM emulator on ${emulator.url} stands in for AWS: alice's IAM user (with an MFA device) lives in account 111111111111, and she may assume admin roles in 222222222222 (production) and 333333333333 (development).`,
    );

    step('Use a private HOME', `Everything the demo writes goes under ${home}, so your own ~/.aws, ~/.config and direnv files stay untouched.`);
    if (env.AWSDIR_KEYRING === 'file') say('There is no D-Bus session here, so keys go to the encrypted file keyring inside that HOME (AWSDIR_KEYRING=file).');

    step(
      "Store the IAM user's key",
      `awsdir checks alice's long-lived key with STS, finds her MFA device, and keeps the key in the keychain as source '${source}', never in a file.`,
    );
    await awsdir(['add', source, '--from-env'], {
      extraEnv: { AWS_ACCESS_KEY_ID: alice.id, AWS_SECRET_ACCESS_KEY: alice.secret },
      shown: `AWS_ACCESS_KEY_ID=${alice.id} AWS_SECRET_ACCESS_KEY=**** awsdir add ${source} --from-env`,
    });

    step('Teach direnv `use aws`', 'This writes the small helper direnv loads by itself; an .envrc then needs only the line `use aws`.');
    await awsdir(['hook', 'direnv', '--install']);

    step(
      'Give two directories their identity',
      'Each directory gets a .awsdir.yaml (no secret in it: it is meant to be committed) and an .envrc with `use aws`.',
    );
    for (const d of [PRODUCTION, DEVELOPMENT]) {
      const dir = join(home, d.dir);
      mkdirSync(dir, { recursive: true });
      await awsdir(['init', '--role', d.role, '--region', d.region, '--label', d.label, '--source', source, '--dir', dir]);
    }
    say(`  ${tilde(join(home, PRODUCTION.dir, '.awsdir.yaml'))}:`);
    for (const line of readFileSync(join(home, PRODUCTION.dir, '.awsdir.yaml'), 'utf8').split('\n')) {
      if (line.trim() && !line.startsWith('#')) say(`    ${line}`);
    }

    const code = await currentCode(emulator.url, deps.signal);
    step('Read the MFA code', `alice's MFA device shows ${bold(code)} right now; on a real account this is the code in your authenticator app.`);

    const interactive = deps.io.stdinIsTTY;
    step(
      `Enter ~/${PRODUCTION.dir}`,
      interactive
        ? 'On cd, direnv runs this; awsdir asks for the MFA code once: type the code above at the prompt.'
        : 'On cd, direnv runs this; stdin is not a terminal here, so the demo types the code itself through AWSDIR_MFA_CODE.',
    );
    const prodDir = join(home, PRODUCTION.dir);
    const prod = await awsdir(['export', '--shell', 'json'], {
      cwd: prodDir,
      terminal: interactive,
      ...(interactive ? {} : { extraEnv: { AWSDIR_MFA_CODE: code }, shown: `AWSDIR_MFA_CODE=${code} awsdir export --shell json` }),
    });
    const prodVars = parseExports(prod.stdout);
    showExports(prodVars, say);

    step(`Enter ~/${DEVELOPMENT.dir}`, 'No code this time: the 12-hour MFA session from the previous step signs the development role too.');
    const devDir = join(home, DEVELOPMENT.dir);
    const dev = await awsdir(['export', '--shell', 'json'], { cwd: devDir });
    const devVars = parseExports(dev.stdout);
    showExports(devVars, say);

    step('Ask AWS who you are', "With each directory's variables in the environment, GetCallerIdentity answers with that directory's role.");
    for (const [dir, vars] of [
      [prodDir, prodVars],
      [devDir, devVars],
    ] as const) {
      say(dim(`  $ cd ${tilde(dir)}`));
      await awsdir(['whoami'], { cwd: dir, extraEnv: vars, showStdout: true });
    }

    step(
      'Leave the directory',
      `On cd out, direnv puts back the environment from before: ${Object.keys(prodVars)
        .filter((k) => prodVars[k] !== undefined)
        .join(', ')} vanish (and an AWS_PROFILE you had comes back), so nothing can use the role any more.`,
    );
    say(dim('  $ cd ~'));
    await awsdir(['whoami'], { expect: 1 });

    step(
      'Or sign in through IAM Identity Center',
      'Where an organisation signs people in with IAM Identity Center (SSO) there are no IAM user keys: awsdir signs alice in at the access portal (the demo confirms the code for her, as she would in the browser) and keeps the tokens in the keychain; a directory then names an account and a permission set.',
    );
    const ssoSource = `${source}-sso`;
    let signedIn = false;
    const adding = awsdir(['add', ssoSource, '--sso-start-url', fixture.sso.start_url, '--sso-region', fixture.sso.region, '--no-browser']).finally(
      () => (signedIn = true),
    );
    while (!signedIn && !(await approveSignIn(emulator.url, deps.signal))) await new Promise((r) => setTimeout(r, 200));
    await adding;
    const ssoDir = join(home, 'aws', 'production');
    mkdirSync(ssoDir, { recursive: true });
    await awsdir([
      'init',
      '--source',
      ssoSource,
      '--account',
      '222222222222',
      '--sso-role',
      'AdministratorAccess',
      '--region',
      PRODUCTION.region,
      '--label',
      'sso-production',
      '--dir',
      ssoDir,
    ]);
    const sso = await awsdir(['export', '--shell', 'json'], { cwd: ssoDir });
    const ssoVars = parseExports(sso.stdout);
    showExports(ssoVars, say);
    say(dim(`  $ cd ${tilde(ssoDir)}`));
    await awsdir(['whoami'], { cwd: ssoDir, extraEnv: ssoVars, showStdout: true });

    if (direnv) {
      step(
        'The same through real direnv',
        'A shell hooked with `eval "$(direnv hook bash)"` runs `direnv export bash` at every prompt; here it runs after each cd.',
      );
      for (const dir of [prodDir, devDir]) await runChild(direnv, ['allow', dir], { shown: `direnv allow ${tilde(dir)}` });
      // The children's HOME is the demo's, so `~` in the script is the demo's directories.
      const script = [
        `cd ~/${PRODUCTION.dir} && eval "$(direnv export bash)" && awsdir whoami`,
        `cd ~/${DEVELOPMENT.dir} && eval "$(direnv export bash)" && awsdir whoami`,
        'cd ~ && eval "$(direnv export bash)" && echo "after leaving: AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-(unset)} AWSDIR_LABEL=${AWSDIR_LABEL:-(unset)}"',
      ];
      // One stream, so direnv's messages and whoami's answers appear in the order they happened.
      const run = await runChild('bash', ['-c', `set -e\nexec 2>&1\n${script.join('\n')}`], { shown: script.join('\n  $ '), liveStdout: true });
      if (!run.stdout.includes('AWS_ACCESS_KEY_ID=(unset)'))
        throw new AwsdirError('demo: after leaving the directory through direnv, AWS_ACCESS_KEY_ID was still set; run `awsdir doctor`');
    }

    step(
      'Clean up',
      'This forgets the demo key, signs out of the portal, and forgets every session and token cached, so your keychain keeps nothing from the demo.',
    );
    await awsdir(['remove', source]);
    await awsdir(['remove', ssoSource]);

    say();
    say(bold('Do it for real') + ' (your IAM user needs an access key and a virtual MFA device; the roles must trust it):');
    for (const line of [
      'awsdir add                                   # the access key is asked on the terminal and kept in the keychain',
      'awsdir hook direnv --install                 # once; your shell also needs direnv\'s hook, e.g. eval "$(direnv hook bash)"',
      'cd ~/production/yatteiki',
      'awsdir init --role arn:aws:iam::ACCOUNT:role/ROLE --region REGION --label production --allow',
      'cd .. && cd -                                # enter again: the MFA prompt, then the role is in effect',
      'awsdir whoami',
    ]) {
      say(`  $ ${line}`);
    }
    say('More: docs/getting-started.md, and `awsdir doctor` checks a setup.');
  } catch (error) {
    keep = true;
    throw error;
  } finally {
    deps.signal.removeEventListener('abort', stopChildren);
    stopChildren();
    await emulator.close();
    if (keep) say(`The demo's files stay in ${home}; remove them with: rm -rf ${home}`);
    else rmSync(home, { recursive: true, force: true });
  }
}

/** The children's environment: the private HOME, the emulator, and none of the person's AWS settings. */
function demoEnv(deps: DemoDeps, home: string, url: string): Record<string, string | undefined> {
  const bin = join(home, '.local', 'bin');
  mkdirSync(bin, { recursive: true });
  // `awsdir` on PATH is this very awsdir, so the commands shown are the commands that ran, and
  // direnv's `use aws` finds it too.
  const wrapper = join(bin, 'awsdir');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${shq(deps.self.node)} ${shq(deps.self.script)} "$@"\n`);
  chmodSync(wrapper, 0o755);
  for (const d of ['.config', '.local/share', '.local/state', '.cache']) mkdirSync(join(home, d), { recursive: true });
  const pass = (name: string): Record<string, string | undefined> => ({ [name]: deps.env[name] });
  const noBus = deps.platform === 'linux' && !deps.env.DBUS_SESSION_BUS_ADDRESS;
  return {
    ...pass('DBUS_SESSION_BUS_ADDRESS'),
    ...pass('XDG_RUNTIME_DIR'),
    ...pass('LANG'),
    ...pass('LC_ALL'),
    ...pass('TERM'),
    ...pass('NO_COLOR'),
    ...pass('TMPDIR'),
    ...pass('USER'),
    ...pass('LOGNAME'),
    ...pass('AWSDIR_DEBUG'),
    AWSDIR_KEYRING: noBus ? 'file' : deps.env.AWSDIR_KEYRING,
    // Only ever unlocks the throwaway file keyring inside the demo's HOME.
    AWSDIR_FILE_PASSPHRASE: 'awsdir-demo',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: [bin, deps.env.PATH || '/usr/local/bin:/usr/bin:/bin'].join(delimiter),
    AWS_ENDPOINT_URL: url,
    AWS_ENDPOINT_URL_STS: url,
    AWS_ENDPOINT_URL_IAM: url,
    AWSDIR_FEDERATION_ENDPOINT: `${url}/federation`,
    DIRENV_WARN_TIMEOUT: '60s',
    // Plain lines: direnv's default colours would show up as escape codes inside the demo's indentation.
    DIRENV_LOG_FORMAT: 'direnv: %s',
  };
}

/** Confirms the pending sign-in as alice through the emulator's hook, as she would in the browser; false when none is pending yet. */
async function approveSignIn(url: string, signal: AbortSignal): Promise<boolean> {
  const res = await fetch(`${url}/__emulator/sso/approve`, { method: 'POST', body: JSON.stringify({ user: 'alice' }), signal });
  return res.ok;
}

/** The earliest code the emulator accepts now; it waits when this time window's codes are used. */
async function currentCode(url: string, signal: AbortSignal): Promise<string> {
  for (;;) {
    const res = await fetch(`${url}/__emulator/totp?serial=${encodeURIComponent(SERIAL)}`, { signal });
    const body = (await res.json()) as { code?: string; retryAfterSeconds?: number; error?: string };
    if (res.ok && body.code) return body.code;
    if (res.status !== 409) throw new AwsdirError(`demo: the emulator gave no MFA code (${body.error ?? res.status}); run the demo again`);
    await new Promise((r) => setTimeout(r, (body.retryAfterSeconds ?? 1) * 1000));
  }
}

function parseExports(json: string): Record<string, string | undefined> {
  const parsed = JSON.parse(json) as Record<string, string | null>;
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(parsed)) vars[k] = v ?? undefined;
  return vars;
}

function showExports(vars: Record<string, string | undefined>, say: (text: string) => void): void {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    const shown = HIDDEN.has(name) ? `(${value.length} characters, not shown)` : name === 'AWS_ACCESS_KEY_ID' ? `${value.slice(0, 4)}…` : value;
    say(`    ${name}=${shown}`);
  }
}

function lineRelay(emit: (line: string) => void): { push(text: string): void; end(): void } {
  let pending = '';
  return {
    push(text) {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    end() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function shq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

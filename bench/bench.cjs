'use strict';
// Usage: node bench/bench.cjs [--runs N] [--suites a,b] [--out FILE]   (run it through bench/run.sh)
// Measures awsdir against what people would use instead, as ratios taken in ONE run: every round
// runs each command of a suite once, in a shuffled order, so a load spike on this shared machine
// hits all of them alike. Medians over the rounds after a warm-up; ratios are of medians.
// Suites: help, hit, process, cd, modes, cold, scale, memory, file (default: all). Prints a Markdown report.
// --guard also runs one cache-hit export and one cache-hit credential-process under
// test/perf/recordLoads.cjs and exits 1 when either loads a module it must not (the CI step):
// timing never fails a run, these machines are too noisy.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, totalmem } = require('node:os');
const { join } = require('node:path');
const { createWorld, snapshotDist, run, ROOT } = require('./world.cjs');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', '30'));
const WARMUP = Math.min(3, Math.max(1, Math.floor(RUNS / 10)));
const SUITES = opt('suites', 'help,hit,process,cd,modes,cold,scale,memory,file').split(',');
const OUT = opt('out', undefined);
const GUARD = args.includes('--guard');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const shuffle = (xs) => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const fmt = (ms) => ms.toFixed(1);

/**
 * Runs every case once per round, shuffled, RUNS rounds after WARMUP. A case is
 * { name, cmd, args, env, cwd, before?() } where before() prepares the run untimed; a run that
 * fails (non-zero exit) aborts the benchmark: timing a failure would measure the wrong thing.
 */
async function interleaved(cases, runs = RUNS) {
  const times = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let round = 0; round < WARMUP + runs; round++) {
    for (const c of shuffle(cases)) {
      const prepared = c.before ? await c.before(round) : {};
      const r = await run(c.cmd, prepared.args ?? c.args, { env: c.env, cwd: prepared.cwd ?? c.cwd });
      if (r.code !== 0) throw new Error(`${c.name}: exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
      if (c.check) c.check(r);
      if (round >= WARMUP) times[c.name].push(r.ms);
    }
  }
  return times;
}

const lines = [];
const out = (text = '') => {
  lines.push(text);
  process.stdout.write(`${text}\n`);
};

function table(times, base, notes = {}) {
  out(`| command | median ms | p25–p75 ms | ratio to \`${base}\` |`);
  out('|---|---:|---:|---:|');
  const b = median(times[base]);
  for (const [name, xs] of Object.entries(times)) {
    out(
      `| ${name}${notes[name] ? ` (${notes[name]})` : ''} | ${fmt(median(xs))} | ${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))} | ${(median(xs) / b).toFixed(2)}x |`,
    );
  }
  out();
}

const ratio = (times, a, b) => median(times[a]) / median(times[b]);

async function main() {
  const commit = (() => {
    try {
      return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const dirty = (() => {
    try {
      return execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'scripts'], { encoding: 'utf8' }).trim() !== '';
    } catch {
      return false;
    }
  })();
  out(`## Run of ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
  out();
  out(
    `- commit ${commit}${dirty ? ' (with uncommitted changes in src/ or scripts/)' : ''}; node ${process.version}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  );
  out(
    `- load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${RUNS} interleaved rounds after ${WARMUP} warm-up`,
  );
  out(`- NODE_EXTRA_CA_CERTS unset for every command; \`os\` keyring = gnome-keyring (headless, unlocked)`);
  out();

  const dist = snapshotDist();
  const summary = [];
  try {
    const world = await createWorld({ keyring: 'os', dist });
    const node = process.execPath;
    const { env, cli, app } = world;
    const base = { name: 'node -e 0', cmd: node, args: ['-e', '0'], env, cwd: app };
    try {
      if (GUARD) {
        const { HIT_COMMANDS, hitPathViolations, bundleViolations } = require('../test/perf/hitPathRules.cjs');
        const logFile = join(world.home, 'loads.json');
        const found = bundleViolations(dist);
        for (const command of HIT_COMMANDS) {
          const r = await run(node, ['-r', join(ROOT, 'test', 'perf', 'recordLoads.cjs'), cli, ...command], {
            env: { ...env, AWSDIR_LOAD_LOG: logFile },
            cwd: app,
          });
          if (r.code !== 0) found.push(`the cache-hit ${command[0]} failed: ${r.stderr.trim()}`);
          else found.push(...hitPathViolations(JSON.parse(readFileSync(logFile, 'utf8'))).map((v) => `${command[0]}: ${v}`));
        }
        out(`### hit-path guard: ${found.length ? 'VIOLATED' : 'ok'}`);
        out();
        for (const v of found) out(`- ${v}`);
        if (found.length) process.exitCode = 1;
      }

      if (SUITES.includes('help')) {
        out('### `awsdir --help` (target <= 1.3x node -e 0)');
        out();
        const t = await interleaved([base, { name: 'awsdir --help', cmd: node, args: [cli, '--help'], env, cwd: app }]);
        table(t, 'node -e 0');
        summary.push(['--help / node -e 0', ratio(t, 'awsdir --help', 'node -e 0'), 1.3]);
      }

      if (SUITES.includes('hit')) {
        out('### `awsdir export` on a cache hit (target <= 1.4x node -e 0)');
        out();
        const before = (await world.calls()).length;
        // The floor for any Node program that reads the keychain: load the binding, open one entry, read it.
        const floor = `const k = require(${JSON.stringify(keyringBinary())}); new k.AsyncEntry('awsdir', 'bench/none', { linux: { store: 'secret-service' } }).getPassword().then(() => undefined)`;
        const t = await interleaved([
          base,
          { name: 'node reading one keychain entry (@napi-rs/keyring, nothing else)', cmd: node, args: ['-e', floor], env, cwd: app },
          { name: 'awsdir export', cmd: node, args: [cli, 'export', '--shell', 'bash'], env, cwd: app },
        ]);
        const made = (await world.calls()).length - before;
        table(t, 'node -e 0');
        out(
          `awsdir's own cost above that floor: ${fmt(median(t['awsdir export']) - median(t['node reading one keychain entry (@napi-rs/keyring, nothing else)']))} ms.`,
        );
        out();
        out(`AWS calls made by these exports: ${made}.`);
        out();
        summary.push(['export hit / node -e 0', ratio(t, 'awsdir export', 'node -e 0'), 1.4]);
      }

      if (SUITES.includes('cd')) {
        out('### warm `cd`: `direnv export bash` entering a directory (targets <= 1.3x the node .envrc, <= 0.2x the AWS CLI .envrc)');
        out();
        const nodeDir = await world.project('envrc-node', { envrc: 'node -e 0\n', allow: false });
        // Not a target: the node floor plus the one `watch_file` any direnv plugin that watches its
        // config pays (direnv starts a `direnv watch` process for it), to show where the gap lies.
        const watchDir = await world.project('envrc-node-watch', { envrc: 'node -e 0\nwatch_file .awsdir.yaml\n', allow: false });
        const cliDir = await world.project('envrc-awscli', { envrc: 'eval "$(/usr/bin/aws configure export-credentials --format env)"\n', allow: false });
        const direnv = (name, cwd) => ({
          name,
          cmd: 'direnv',
          args: ['export', 'bash'],
          env,
          cwd,
          check: (r) => {
            if (!r.stdout.includes('AWS_') && !name.startsWith('.envrc: node -e 0')) throw new Error(`${name}: exported nothing: ${r.stderr.slice(0, 200)}`);
          },
        });
        const t = await interleaved([
          direnv('.envrc: use aws (cached role session)', app),
          direnv('.envrc: node -e 0', nodeDir),
          direnv('.envrc: node -e 0 + watch_file', watchDir),
          direnv('.envrc: aws configure export-credentials', cliDir),
        ]);
        table(t, '.envrc: node -e 0');
        summary.push(['cd / node .envrc', ratio(t, '.envrc: use aws (cached role session)', '.envrc: node -e 0'), 1.3]);
        summary.push([
          'cd / node + watch_file .envrc (not a target)',
          ratio(t, '.envrc: use aws (cached role session)', '.envrc: node -e 0 + watch_file'),
          1.3,
        ]);
        summary.push(['cd / AWS CLI .envrc', ratio(t, '.envrc: use aws (cached role session)', '.envrc: aws configure export-credentials'), 0.2]);
      }

      if (SUITES.includes('process')) {
        out('### `awsdir credential-process`: a cache hit, and the runs one AWS CLI command makes (target: a hit <= 1.1x an export hit)');
        out();
        const before = (await world.calls()).length;
        const t = await interleaved([
          base,
          { name: 'awsdir export (hit)', cmd: node, args: [cli, 'export'], env, cwd: app },
          { name: 'awsdir credential-process (hit)', cmd: node, args: [cli, 'credential-process'], env, cwd: app },
        ]);
        const made = (await world.calls()).length - before;
        table(t, 'node -e 0');
        out(`AWS calls made by these runs: ${made}.`);
        out();
        summary.push(['credential-process hit / export hit', ratio(t, 'awsdir credential-process (hit)', 'awsdir export (hit)'), 1.1]);

        // The AWS CLI with static keys, and with credential_process profiles of an hour's and of a
        // 15 minutes' role session: the runs of each command are counted by a wrapper in an untimed
        // command first, the timed commands run awsdir directly.
        const quarter = await world.project('process-15m', { duration: '15m' });
        const configFile = join(world.home, 'aws-config-process');
        const runsFile = join(world.home, 'process-runs');
        const wrapper = join(world.home, 'credential-process-counted.sh');
        writeFileSync(wrapper, `#!/bin/sh\necho run >> '${runsFile}'\nexec '${node}' '${cli}' credential-process --dir "$1"\n`, { mode: 0o755 });
        const profiles = (direct) =>
          [
            ['process-1h', app],
            ['process-15m', quarter],
          ]
            .map(
              ([name, dir]) =>
                `[profile ${name}]\ncredential_process = ${direct ? `'${node}' '${cli}' credential-process --dir` : `'${wrapper}'`} '${dir}'\nregion = eu-west-1\n`,
            )
            .join('\n');
        const aws = (name, profile) => ({
          name,
          cmd: '/usr/bin/aws',
          args: ['sts', 'get-caller-identity', '--endpoint-url', world.emulator.url, '--output', 'text', ...(profile ? ['--profile', profile] : [])],
          env: { ...env, ...(profile ? { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } : {}) },
          cwd: world.home,
        });
        const runsPerCommand = {};
        writeFileSync(configFile, profiles(false));
        for (const profile of ['process-1h', 'process-15m']) {
          for (let i = 0; i < 2; i++) {
            writeFileSync(runsFile, '');
            const r = await run(aws('', profile).cmd, aws('', profile).args, { env: aws('', profile).env, cwd: world.home });
            if (r.code !== 0) throw new Error(`aws --profile ${profile}: ${r.stderr.trim().slice(0, 300)}`);
            // The second command: the role session is cached by then.
            runsPerCommand[profile] = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length;
          }
        }
        writeFileSync(configFile, profiles(true));
        const cliBefore = (await world.calls()).filter((c) => c.action === 'AssumeRole').length;
        const c = await interleaved(
          [
            base,
            aws('aws sts get-caller-identity (static keys)'),
            aws('aws sts get-caller-identity (credential_process, 1h session)', 'process-1h'),
            aws('aws sts get-caller-identity (credential_process, 15m session)', 'process-15m'),
          ],
          Math.max(5, Math.floor(RUNS / 2)),
        );
        const assumed = (await world.calls()).filter((x) => x.action === 'AssumeRole').length - cliBefore;
        table(c, 'aws sts get-caller-identity (static keys)', {
          'aws sts get-caller-identity (credential_process, 1h session)': `${runsPerCommand['process-1h']} run${runsPerCommand['process-1h'] === 1 ? '' : 's'} of awsdir per command`,
          'aws sts get-caller-identity (credential_process, 15m session)': `${runsPerCommand['process-15m']} runs of awsdir per command`,
        });
        out(`AssumeRole calls during these AWS CLI commands: ${assumed} (every run a cache hit when 0).`);
        out();
      }

      if (SUITES.includes('cold')) {
        out('### cold export: MFA session cached, role session not (emulator on 127.0.0.1; target <= 2.5x a hit)');
        out();
        const napi = require(require.resolve('@napi-rs/keyring', { paths: [ROOT] }));
        const dir = await world.project('cold');
        const first = await run(node, [cli, 'export'], { env, cwd: dir });
        if (first.code !== 0) throw new Error(`cold: ${first.stderr.trim()}`);
        const status = JSON.parse((await run(node, [cli, 'status', '--json', '--dir', dir], { env, cwd: dir })).stdout);
        const roleEntry = status.sessions.find((e) => e.usedHere && e.kind === 'role')?.name;
        if (!roleEntry) throw new Error('cold: no cached role session after the first export');
        // Only the role session goes: the MFA session stays, as it does when a role session ends within the day.
        const dropRoleSession = async () => {
          await new napi.AsyncEntry('awsdir', roleEntry, { linux: { store: 'secret-service' } }).deleteCredential();
          return {};
        };
        const before = (await world.calls()).length;
        const t = await interleaved([
          base,
          { name: 'awsdir export (hit)', cmd: node, args: [cli, 'export'], env, cwd: app },
          { name: 'awsdir export (cold: one AssumeRole)', cmd: node, args: [cli, 'export'], env, cwd: dir, before: dropRoleSession },
        ]);
        const calls = (await world.calls()).slice(before).map((c) => `${c.service}:${c.action}`);
        // The round trip itself: AssumeRole by a warm client in this process, on the same loopback.
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
        const { createSts } = require(join(dist, 'sts.cjs'));
        const sts = createSts({ credentials: { accessKeyId: world.key.accessKeyId, secretAccessKey: world.key.secretAccessKey }, region: 'us-east-1', env });
        const trips = [];
        for (let i = 0; i < 25; i++) {
          const started = process.hrtime.bigint();
          await sts.assumeRole({ roleArn: 'arn:aws:iam::333333333333:role/readonly', roleSessionName: 'bench-trip', durationSeconds: 900 });
          if (i >= 5) trips.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        sts.destroy();
        table(t, 'node -e 0');
        const extra = median(t['awsdir export (cold: one AssumeRole)']) - median(t['awsdir export (hit)']);
        out(`AWS calls of the cold exports: ${[...new Set(calls)].map((c) => `${c} x${calls.filter((x) => x === c).length}`).join(', ')}.`);
        out();
        out(
          `A cold export costs ${fmt(extra)} ms more than a hit; the AssumeRole round trip on loopback (a warm client in the benchmark's process) is ${fmt(median(trips))} ms, so ${fmt(extra - median(trips))} ms go to loading dist/sts.cjs, the client's first request, the lock, two more keychain reads and the keychain write.`,
        );
        out();
        summary.push(['cold export / export hit', ratio(t, 'awsdir export (cold: one AssumeRole)', 'awsdir export (hit)'), 2.5]);
        summary.push(['cold export - hit - AssumeRole round trip, ms', extra - median(trips), 50]);
      }

      if (SUITES.includes('modes')) {
        out('### the three ways of `use aws`: the cost of a `cd`, and of an SDK program getting its credentials');
        out();
        // One directory per way, the role session cached for each (credential-process and the server
        // serve it while more than 15 minutes are left, keys while more than 5).
        const modes = [
          ['keys', 'use aws\n', []],
          ['credential-process', 'use aws --credential-process\n', ['--credential-process']],
          ['server', 'use aws --server\n', ['--server']],
        ];
        const dirs = {};
        const exported = {};
        for (const [name, envrc, flags] of modes) {
          dirs[name] = await world.project(`mode-${name}`, { envrc });
          const r = await run(node, [cli, 'export', '--shell', 'json', ...flags], { env, cwd: dirs[name] });
          if (r.code !== 0) throw new Error(`modes: export ${flags.join(' ')}: ${r.stderr.trim().slice(0, 300)}`);
          // The variables a program started in that directory sees (null: unset by the export).
          exported[name] = Object.fromEntries(Object.entries(JSON.parse(r.stdout)).filter(([, v]) => v !== null));
        }
        try {
          const direnv = (name) => ({
            name: `cd: .envrc \`${modes.find((m) => m[0] === name)[1].trim()}\``,
            cmd: 'direnv',
            args: ['export', 'bash'],
            env,
            cwd: dirs[name],
            check: (r) => {
              if (!r.stdout.includes('AWS')) throw new Error(`modes: ${name}: exported nothing: ${r.stderr.slice(0, 200)}`);
            },
          });
          const c = await interleaved([base, direnv('keys'), direnv('credential-process'), direnv('server')]);
          table(c, 'node -e 0');
          summary.push(['cd with credential-process / cd with keys (not a target)', ratio(c, direnv('credential-process').name, direnv('keys').name), 99]);
          summary.push(['cd with the server / cd with keys (not a target)', ratio(c, direnv('server').name, direnv('keys').name), 99]);

          // A program of the person's: the JavaScript SDK's default chain finds the credentials (keys
          // in the environment, the generated credential_process profile, or the container endpoint).
          const program = join(world.home, 'sdk-credentials.cjs');
          writeFileSync(
            program,
            `process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { STSClient } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sts', { paths: [ROOT] }))});
new STSClient({ region: 'us-east-1' }).config.credentials().then((c) => { if (!c.accessKeyId) process.exit(2); }, (e) => { console.error(e.message); process.exit(1); });
`,
          );
          const sdk = (name) => ({
            name: `SDK client holds credentials: ${name}`,
            cmd: node,
            args: [program],
            // The shell's variables minus any keys of the world's, as they would be in that directory.
            env: { ...Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('AWS_ACCESS') && !k.startsWith('AWS_SECRET'))), ...exported[name] },
            cwd: dirs[name],
          });
          const p = await interleaved([base, sdk('keys'), sdk('credential-process'), sdk('server')]);
          table(p, 'node -e 0');
          summary.push(['SDK credentials via credential-process / via keys (not a target)', ratio(p, sdk('credential-process').name, sdk('keys').name), 99]);
          summary.push(['SDK credentials via the server / via keys (not a target)', ratio(p, sdk('server').name, sdk('keys').name), 99]);

          // The AWS CLI in each directory: its own start is most of a command.
          const awsCli = (name) => ({
            ...sdk(name),
            name: `aws sts get-caller-identity: ${name}`,
            cmd: '/usr/bin/aws',
            args: ['sts', 'get-caller-identity', '--endpoint-url', world.emulator.url, '--output', 'text'],
          });
          const a = await interleaved([awsCli('keys'), awsCli('credential-process'), awsCli('server')], Math.max(5, Math.floor(RUNS / 3)));
          table(a, awsCli('keys').name);
          summary.push(['AWS CLI via credential-process / via keys (not a target)', ratio(a, awsCli('credential-process').name, awsCli('keys').name), 99]);
          summary.push(['AWS CLI via the server / via keys (not a target)', ratio(a, awsCli('server').name, awsCli('keys').name), 99]);
        } finally {
          await run(node, [cli, 'server', 'stop'], { env, cwd: world.home });
        }
      }

      if (SUITES.includes('scale')) {
        out('### scale: the hit path with more cached sessions and project directories (must stay flat)');
        out();
        const napi = require(require.resolve('@napi-rs/keyring', { paths: [ROOT] }));
        const filler = [];
        const fill = async (n) => {
          while (filler.length < n) {
            const name = `role/bench${process.pid}${String(filler.length).padStart(6, '0')}`;
            const entry = new napi.AsyncEntry('awsdir', name, { linux: { store: 'secret-service' } });
            await entry.setPassword(
              JSON.stringify({
                v: 1,
                kind: 'role',
                accessKeyId: 'ASIABENCHFILLER00000',
                secretAccessKey: 'not-a-secret-filler',
                sessionToken: 'filler',
                expiration: '2000-01-01T00:00:00Z',
                issuedAt: '2000-01-01T00:00:00Z',
                sourceName: 'filler',
              }),
            );
            filler.push(entry);
          }
        };
        const hitCase = (name) => ({ name, cmd: node, args: [cli, 'export'], env, cwd: app });
        const rows = [];
        try {
          for (const [label, sessions, projects] of [
            ['1 cached role session', 0, 0],
            ['100 cached role sessions', 99, 0],
            ['1,000 cached role sessions', 999, 0],
            ['1,000 sessions + 500 project directories', 999, 500],
          ]) {
            await fill(sessions);
            if (projects) await allowMany(world, projects);
            const t = await interleaved([base, hitCase('hit')], Math.max(5, Math.floor(RUNS / 2)));
            rows.push([label, median(t.hit), ratio(t, 'hit', 'node -e 0')]);
          }
        } finally {
          for (const e of filler) await e.deleteCredential().catch(() => undefined);
        }
        out('| state | hit median ms | ratio to node -e 0 |');
        out('|---|---:|---:|');
        for (const [label, ms, r] of rows) out(`| ${label} | ${fmt(ms)} | ${r.toFixed(2)}x |`);
        out();
        const rs = rows.map((r) => r[2]);
        summary.push(['scale: max/min hit ratio, 1 -> 1,000 sessions + 500 dirs', Math.max(...rs) / Math.min(...rs), 1.15]);
      }

      if (SUITES.includes('memory')) {
        out('### peak memory (maxRSS, /usr/bin/time) of the hit path (target < 80 MB)');
        out();
        const rss = async (cmdArgs, cwd) => {
          const file = join(world.home, 'rss.txt');
          const xs = [];
          for (let i = 0; i < 7; i++) {
            const r = await run('/usr/bin/time', ['-f', '%M', '-o', file, ...cmdArgs], { env, cwd });
            if (r.code !== 0) throw new Error(`memory: ${r.stderr.slice(0, 200)}`);
            xs.push(Number(readFileSync(file, 'utf8').trim().split('\n').pop()) / 1024);
          }
          return median(xs);
        };
        const hitRss = await rss([node, cli, 'export'], app);
        const nodeRss = await rss([node, '-e', '0'], app);
        out(`| command | maxRSS MB |`);
        out('|---|---:|');
        out(`| node -e 0 | ${fmt(nodeRss)} |`);
        out(`| awsdir export (hit) | ${fmt(hitRss)} |`);
        out();
        summary.push(['hit peak memory MB', hitRss, 80]);
      }
    } finally {
      await world.close();
    }

    if (SUITES.includes('file')) {
      out('### the `file` keyring backend (scrypt on every process; measured apart from the targets)');
      out();
      const fw = await createWorld({ keyring: 'file', dist });
      try {
        const t = await interleaved(
          [
            { name: 'node -e 0', cmd: node, args: ['-e', '0'], env: fw.env, cwd: fw.app },
            { name: 'awsdir export (hit, file keyring)', cmd: node, args: [fw.cli, 'export'], env: fw.env, cwd: fw.app },
          ],
          Math.max(5, Math.floor(RUNS / 2)),
        );
        table(t, 'node -e 0');
      } finally {
        await fw.close();
      }
    }
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }

  out('### summary');
  out();
  out('| measure | value | target |');
  out('|---|---:|---:|');
  for (const [what, value, target] of summary)
    out(`| ${what} | ${value.toFixed(2)} | ${what.includes('not a target') ? '' : `${what.includes('memory') ? '<' : '<='} ${target}`} |`);
  out();
  out(
    `- load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (OUT) writeFileSync(OUT, `${lines.join('\n')}\n`);
}

/** The keyring's native binding as awsdir loads it on glibc Linux, else the package. */
function keyringBinary() {
  for (const name of ['@napi-rs/keyring-linux-x64-gnu', '@napi-rs/keyring']) {
    try {
      return require.resolve(name, { paths: [ROOT] });
    } catch {
      // next
    }
  }
  throw new Error('bench: @napi-rs/keyring is not installed; run npm ci');
}

/** Allows n more project directories in-process (the CLI's own `run`), so 500 of them take seconds. */
async function allowMany(world, n) {
  const { run: runCli } = require(world.cli);
  const sink = [];
  const ctx = {
    env: world.env,
    cwd: world.home,
    io: { stdout: (t) => sink.push(t), stderr: (t) => sink.push(t), stdinIsTTY: false, stderrIsTTY: false },
    now: () => Date.now(),
    pid: process.pid,
    platform: process.platform,
    self: { node: process.execPath, script: world.cli },
    signal: new AbortController().signal,
    onSignal: () => () => undefined,
  };
  for (let i = 0; i < n; i++) {
    const dir = join(world.home, 'many', `p${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.awsdir.yaml'),
      `version: 1\nsource: ${world.source}\nrole: arn:aws:iam::333333333333:role/admin\nregion: eu-west-1\nlabel: p${i}\n`,
    );
    const code = await runCli(['allow', dir], ctx);
    if (code !== 0) throw new Error(`allow ${dir}: ${sink.join('').slice(-300)}`);
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});

import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli';

// A separate node process that opens a keyring the way the CLI does and runs one operation:
//   node harness.cjs <auto|os|file> get NAME | set NAME VALUE | delete NAME | list | probe
//   node harness.cjs file churn PREFIX COUNT   (rewrites COUNT entries forever, for kill tests)
// Prints {"ok":...} or {"error":message,"kind":k} on stdout. Values given through env VALUE
// when the op is set-env, so a secret never appears in argv.
const SOURCE = `
import { openKeyring } from ${JSON.stringify(join(ROOT, 'src/keyring/openKeyring.ts'))};
const [preference, op, name, arg] = process.argv.slice(2);
const reporter = { info: () => {}, warn: () => {}, debug: () => {} };
const started = Date.now();
(async () => {
  const keyring = await openKeyring({ env: process.env, preference, recordPick: (b) => { process.stderr.write('picked ' + b + '\\n'); }, reporter });
  switch (op) {
    case 'get': return keyring.get(name);
    case 'set': return keyring.set(name, process.env.VALUE ?? '');
    case 'delete': return keyring.delete(name);
    case 'list': return keyring.list();
    case 'probe': return keyring.probeWrite();
    case 'churn': {
      const count = Number(arg);
      const value = (i, round) => 'value-' + i + '-round-' + round + '-' + 'x'.repeat(2000);
      // One entry written before saying so: a kill at any moment after leaves something to check,
      // however long the first key derivation takes on a busy machine.
      await keyring.set(name + 0, value(0, 0));
      process.stdout.write('churning\\n');
      for (let round = 1; ; round++) for (let i = 0; i < count; i++) await keyring.set(name + i, value(i, round));
    }
  }
})().then(
  (ok) => { process.stdout.write(JSON.stringify({ ok: ok ?? null, ms: Date.now() - started })); process.exit(0); },
  (e) => { process.stdout.write(JSON.stringify({ error: e.message, kind: e.kind, ms: Date.now() - started })); process.exit(1); },
);
`;

let built: string | undefined;

/** Bundles the harness once per test file (the native keyring module stays external). */
export function keyringHarness(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'awsdir-harness-')), 'harness.cjs');
  buildSync({
    stdin: { contents: SOURCE, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    external: ['@napi-rs/keyring'],
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'error',
  });
  built = out;
  return out;
}

import { spawn } from 'node:child_process';

// Polls /proc every 4 ms in a child of its own (a test's own event loop would miss short-lived
// processes while it awaits them).
const POLLER = `
const fs = require('fs');
const marker = 'DBUS_SESSION_BUS_ADDRESS=' + process.argv[1];
const keepEnviron = new RegExp(process.argv[2]);
const seen = new Map();
const foreign = new Set();
const scan = () => {
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(p) || p === String(process.pid)) continue;
    try {
      const line = fs.readFileSync('/proc/' + p + '/cmdline').toString().split('\\0').join(' ').trim();
      if (!line || seen.has(line) || foreign.has(p + ' ' + line)) continue;
      const environ = fs.readFileSync('/proc/' + p + '/environ').toString();
      if (!environ.split('\\0').includes(marker)) {
        foreign.add(p + ' ' + line);
        continue;
      }
      seen.set(line, keepEnviron.test(line) ? environ : '');
    } catch {}
  }
};
const timer = setInterval(scan, 4);
process.stdout.write('ready\\n');
process.on('SIGTERM', () => { clearInterval(timer); scan(); process.stdout.write(JSON.stringify([...seen]), () => process.exit(0)); });
`;

/**
 * Records every command line of one test's processes, told apart from those of the test files
 * running beside it by the private keychain's bus address each of them inherits, and the
 * environment of those whose command line matches `keepEnvironOf`. Resolves once it watches; the
 * function it gives stops it and returns command line -> environment ('' where not kept), and
 * an empty map if called again.
 */
export async function watchCommandLines(busAddress: string, keepEnvironOf: RegExp): Promise<() => Promise<Map<string, string>>> {
  const child = spawn(process.execPath, ['-e', POLLER, busAddress, keepEnvironOf.source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return async () => {
    if (child.exitCode !== null) return new Map();
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await closed;
    return new Map(JSON.parse(out) as Array<[string, string]>);
  };
}

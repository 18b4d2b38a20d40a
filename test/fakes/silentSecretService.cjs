#!/usr/bin/env node
// Usage: node test/fakes/silentSecretService.cjs [BUS NAME]
// Joins the session bus (DBUS_SESSION_BUS_ADDRESS), takes the name org.freedesktop.secrets and then
// never answers a call: the Secret Service of a hung or wedged keyring daemon. A real gnome-keyring
// cannot be made to behave like this, so this is the one fake the keyring tests use.
// Prints "ready" on stdout once it owns the name. Plain CommonJS so it runs without a build.
'use strict';
const net = require('node:net');

const busName = process.argv[2] || 'org.freedesktop.secrets';

function socketPath(address) {
  for (const part of String(address || '').split(';')) {
    if (!part.startsWith('unix:')) continue;
    const kv = Object.fromEntries(
      part
        .slice(5)
        .split(',')
        .map((p) => p.split('=')),
    );
    if (kv.path) return decodeURIComponent(kv.path);
    if (kv.abstract) return '\0' + decodeURIComponent(kv.abstract);
  }
  throw new Error(`silentSecretService: no unix address in DBUS_SESSION_BUS_ADDRESS=${address}`);
}

/** Little-endian D-Bus marshalling of exactly what a method call with string/uint32 args needs. */
class Writer {
  constructor() {
    this.buf = Buffer.alloc(0);
  }
  pad(n) {
    const extra = (n - (this.buf.length % n)) % n;
    if (extra) this.buf = Buffer.concat([this.buf, Buffer.alloc(extra)]);
  }
  byte(v) {
    this.buf = Buffer.concat([this.buf, Buffer.from([v])]);
  }
  u32(v) {
    this.pad(4);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.buf = Buffer.concat([this.buf, b]);
  }
  string(s) {
    const bytes = Buffer.from(s, 'utf8');
    this.u32(bytes.length);
    this.buf = Buffer.concat([this.buf, bytes, Buffer.from([0])]);
  }
  signature(s) {
    this.byte(s.length);
    this.buf = Buffer.concat([this.buf, Buffer.from(s, 'ascii'), Buffer.from([0])]);
  }
}

let serial = 0;
function methodCall(member, bodySignature, args) {
  const body = new Writer();
  for (const [type, value] of args) {
    if (type === 's') body.string(value);
    else body.u32(value);
  }
  const fields = [
    [1, 'o', '/org/freedesktop/DBus'],
    [2, 's', 'org.freedesktop.DBus'],
    [3, 's', member],
    [6, 's', 'org.freedesktop.DBus'],
  ];
  if (bodySignature) fields.push([8, 'g', bodySignature]);
  const header = new Writer();
  header.byte('l'.charCodeAt(0));
  header.byte(1); // METHOD_CALL
  header.byte(0);
  header.byte(1); // protocol version
  header.u32(body.buf.length);
  header.u32(++serial);
  const array = new Writer();
  for (const [code, type, value] of fields) {
    array.pad(8);
    array.byte(code);
    array.signature(type);
    if (type === 'g') array.signature(value);
    else array.string(value);
  }
  header.u32(array.buf.length);
  header.pad(8); // the array's first struct is 8-aligned; `array` was built from offset 0 (16 here)
  header.buf = Buffer.concat([header.buf, array.buf]);
  header.pad(8);
  return Buffer.concat([header.buf, body.buf]);
}

const socket = net.createConnection(socketPath(process.env.DBUS_SESSION_BUS_ADDRESS));
let stage = 'auth';
let pending = '';
socket.on('connect', () => {
  const uid = Buffer.from(String(process.getuid())).toString('hex');
  socket.write(Buffer.concat([Buffer.from([0]), Buffer.from(`AUTH EXTERNAL ${uid}\r\n`)]));
});
socket.on('data', (chunk) => {
  if (stage === 'auth') {
    pending += chunk.toString('latin1');
    if (!pending.includes('\r\n')) return;
    if (!pending.startsWith('OK')) {
      process.stderr.write(`silentSecretService: bus refused authentication: ${pending}`);
      process.exit(1);
    }
    stage = 'bus';
    socket.write('BEGIN\r\n');
    socket.write(methodCall('Hello', '', []));
    // Flags 4 = DO_NOT_QUEUE: fail rather than wait behind a real daemon.
    socket.write(
      methodCall('RequestName', 'su', [
        ['s', busName],
        ['u', 4],
      ]),
    );
    // Ask whether we own it by polling NameHasOwner from outside is simpler; the bus answers in order,
    // so a short delay after both calls were written is enough for callers that wait for "ready".
    setTimeout(() => process.stdout.write('ready\n'), 100);
    return;
  }
  // Everything else (calls from clients, replies from the bus) is read and ignored: never answered.
});
socket.on('error', (error) => {
  process.stderr.write(`silentSecretService: ${error.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));

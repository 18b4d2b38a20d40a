'use strict';
// Preloaded with `node -r` into a run of the built CLI: records every module loaded, every file
// read, every child process started and every keychain call, and writes them as JSON to
// $AWSDIR_LOAD_LOG when the process exits. Nothing here changes what the CLI does.
const Module = require('node:module');
const fs = require('node:fs');
const childProcess = require('node:child_process');
const vm = require('node:vm');

const log = { modules: [], reads: [], children: [], keyring: [] };
const out = process.env.AWSDIR_LOAD_LOG;

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  const loaded = originalLoad.call(this, request, parent, isMain);
  let file = request;
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    // a builtin or a request that failed: keep the name as asked
  }
  log.modules.push(file);
  if (request.startsWith('@napi-rs/keyring') && loaded && !loaded.__recorded) wrapKeyring(loaded);
  return loaded;
};

function wrapKeyring(napi) {
  Object.defineProperty(napi, '__recorded', { value: true });
  for (const name of ['findCredentials', 'findCredentialsAsync']) {
    const original = napi[name];
    if (typeof original !== 'function') continue;
    napi[name] = function (...args) {
      log.keyring.push(name);
      return original.apply(this, args);
    };
  }
  for (const Class of [napi.AsyncEntry, napi.Entry]) {
    if (!Class) continue;
    for (const method of Object.getOwnPropertyNames(Class.prototype)) {
      const original = Class.prototype[method];
      if (method === 'constructor' || typeof original !== 'function') continue;
      Class.prototype[method] = function (...args) {
        log.keyring.push(method);
        return original.apply(this, args);
      };
    }
  }
}

// A chunk compiled with V8's code cache on Node.js 20 (src/aws/compileCache.ts) is loaded through
// vm.Script rather than require: it is a module loaded all the same.
const OriginalScript = vm.Script;
vm.Script = class extends OriginalScript {
  constructor(code, options) {
    super(code, options);
    const filename = typeof options === 'string' ? options : options?.filename;
    if (filename) log.modules.push(filename);
  }
};

for (const name of ['readFileSync', 'openSync']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (typeof path === 'string' || path instanceof URL) log.reads.push(String(path));
    return original.call(this, path, ...rest);
  };
}
for (const name of ['spawn', 'execFile', 'fork', 'exec', 'spawnSync', 'execFileSync']) {
  const original = childProcess[name];
  childProcess[name] = function (command, ...rest) {
    log.children.push(String(command));
    return original.call(this, command, ...rest);
  };
}

process.on('exit', () => {
  if (out) fs.writeFileSync(out, JSON.stringify(log));
});

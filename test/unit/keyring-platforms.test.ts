/**
 * What the OS keychain backend asks of @napi-rs/keyring on each platform. No macOS or Windows
 * runs here, so the platform is switched and the native library is a stand-in that records how it
 * is called and answers as the real one does on that platform (the real one, on Linux's Secret
 * Service, is exercised in test/integration/keyring.test.ts).
 */
import type * as OsKeyring from '../../src/keyring/osKeyring';

interface Made {
  service: string;
  name: string;
  options: unknown;
}

/** A stand-in for the native library; `answer` is what getPassword/setPassword do. */
function napiStandIn(answer: { get?: () => Promise<string | null>; set?: () => Promise<void> } = {}) {
  const made: Made[] = [];
  class AsyncEntry {
    constructor(service: string, name: string, options?: unknown) {
      made.push({ service, name, options });
    }
    getPassword = answer.get ?? (async () => 'value');
    setPassword = answer.set ?? (async () => undefined);
    deleteCredential = async () => true;
  }
  return { made, module: { AsyncEntry } };
}

function load(napi: { module: unknown }): typeof OsKeyring {
  jest.resetModules();
  jest.doMock('@napi-rs/keyring', () => napi.module);
  // On Linux the backend first loads the platform package itself.
  jest.doMock('@napi-rs/keyring-linux-x64-gnu', () => napi.module, { virtual: true });
  return require('../../src/keyring/osKeyring') as typeof OsKeyring;
}

afterEach(() => {
  jest.dontMock('@napi-rs/keyring');
  jest.dontMock('@napi-rs/keyring-linux-x64-gnu');
});

const NODE = process.execPath;

describe.each([['darwin'], ['win32']] as const)('on %s', (platform) => {
  it('passes no store option: forcing the secret-service store is for Linux only', async () => {
    const napi = napiStandIn();
    const keyring = load(napi).createOsKeyring({ env: {}, platform, node: NODE });
    expect(await keyring.get('source/default')).toBe('value');
    await keyring.set('source/default', 'x');
    expect(napi.made).toEqual([{ service: 'awsdir', name: 'source/default', options: undefined }]);
  });

  it('needs no D-Bus, and never cuts off a call that waits for the person (a keychain dialog)', async () => {
    let answer: (value: string) => void = () => undefined;
    const napi = napiStandIn({ get: () => new Promise<string>((resolve) => (answer = resolve)) });
    const keyring = load(napi).createOsKeyring({ env: {}, platform, node: NODE, deadlineMs: 1 });
    const got = keyring.get('source/default');
    // Far past the deadline a Linux keychain would have: the answer still counts.
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer('late');
    await expect(got).resolves.toBe('late');
  });

  it('a failed write says how to fix it on this platform, not with Linux advice', async () => {
    const napi = napiStandIn({ set: () => Promise.reject(new Error('User interaction is not allowed.')) });
    const keyring = load(napi).createOsKeyring({ env: {}, platform, node: NODE });
    const failure = keyring.set('source/default', 'x');
    await expect(failure).rejects.toThrow(/^keychain: cannot store an entry \(User interaction is not allowed\.\); /);
    await expect(failure).rejects.toThrow(
      platform === 'darwin'
        ? /unlock the login keychain \(Keychain Access, or `security unlock-keychain`\), or set AWSDIR_KEYRING=file$/
        : /Windows Credential Manager.*, or set AWSDIR_KEYRING=file$/,
    );
    await expect(failure).rejects.not.toThrow(/gnome-keyring|Secret Service|D-Bus/);
  });
});

describe('on linux', () => {
  it('forces the secret-service store, and gives up on a silent Secret Service at the deadline', async () => {
    const napi = napiStandIn({ get: () => new Promise<string>(() => undefined) });
    const keyring = load(napi).createOsKeyring({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, platform: 'linux', node: NODE, deadlineMs: 20 });
    await expect(keyring.get('source/default')).rejects.toThrow(/^keychain: the Secret Service \(org\.freedesktop\.secrets\) did not answer within 1 s; /);
    expect(napi.made).toEqual([{ service: 'awsdir', name: 'source/default', options: { linux: { store: 'secret-service' } } }]);
  });

  it('without a session bus, says so before touching the library', async () => {
    const napi = napiStandIn();
    const keyring = load(napi).createOsKeyring({ env: {}, platform: 'linux', node: NODE });
    await expect(keyring.get('source/default')).rejects.toThrow(/DBUS_SESSION_BUS_ADDRESS is not set/);
    expect(napi.made).toEqual([]);
  });
});

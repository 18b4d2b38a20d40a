import { startEmulator, type Call, type Emulator, type Fault } from '../../src/emulator';
import { DEMO_FIXTURE, MFA_SERIAL, type Keys } from './fixture';

export { DEMO_FIXTURE };

/** A fault as the emulator's hook takes it; `count` defaults to one call. */
export type FaultSpec = Omit<Fault, 'count'> & { count?: number };

export interface TestEmulator {
  url: string;
  port: number;
  /** Variables that point awsdir (and the JS SDK) at the emulator. The AWS CLI needs --endpoint-url. */
  env: Record<string, string>;
  emulator: Emulator;
  /**
   * The earliest code the emulator accepts now (the same until it is used). When every code of the
   * current window was used, it advances the emulator clock to the next step rather than waiting.
   */
  totp(serial?: string): Promise<string>;
  /** The hook a separate process (an mfa_process script, a wrapper on PATH) fetches for that code. */
  totpUrl(serial?: string): string;
  calls(): Promise<Call[]>;
  clearCalls(): Promise<void>;
  fault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** Moves the emulator's clock on: sessions age, MFA steps pass, without waiting. */
  advanceClock(seconds: number): Promise<void>;
  /** How far the emulator's clock is ahead of this machine's (advanceClock and totp move it). */
  clockOffsetMs(): Promise<number>;
  /** Sets how far the emulator's clock (its Date header and signature check) is off the machine's. */
  skewClock(seconds: number): Promise<void>;
  /** A user's first active long-term key; `user` may be 'alice' or 'account/alice'. */
  keys(user: string): Keys;
  close(): Promise<void>;
}

/**
 * Starts the emulator in this test process on a free port, by default with the demo fixture.
 * Hooks go over HTTP like any other client would use them, so a test proves what a separate
 * `awsdir emulator` process would do too.
 */
export async function startTestEmulator(fixture: string | object = DEMO_FIXTURE): Promise<TestEmulator> {
  const emulator = await startEmulator({ fixture });
  const { url } = emulator;
  const hook = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${url}/__emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.status, json: await res.json() };
  };
  const advanceClock = async (seconds: number): Promise<void> => void (await hook('POST', 'clock', { advanceSeconds: seconds }));
  // alice's device of the demo fixture is the usual one.
  const totpPath = (serial: string = MFA_SERIAL): string => `totp?serial=${encodeURIComponent(serial)}`;
  const totp = async (serial?: string): Promise<string> => {
    for (;;) {
      const r = await hook('GET', totpPath(serial));
      const body = r.json as { code?: string; retryAfterSeconds?: number; error?: string };
      if (r.status === 200 && body.code) return body.code;
      if (r.status !== 409) throw new Error(`emulator totp: ${body.error ?? r.status}`);
      // AWS accepts three steps around now, so a fourth code in one window means a wait of up to
      // 30 s; moving the emulator's clock instead keeps tests fast (sessions age by that much).
      await advanceClock(body.retryAfterSeconds ?? 1);
    }
  };
  return {
    url,
    port: emulator.port,
    emulator,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_ENDPOINT_URL_STS: url,
      AWS_ENDPOINT_URL_IAM: url,
      AWSDIR_FEDERATION_ENDPOINT: `${url}/federation`,
    },
    totp,
    totpUrl: (serial) => `${url}/__emulator/${totpPath(serial)}`,
    calls: async () => (await hook('GET', 'calls')).json as Call[],
    clearCalls: async () => void (await hook('DELETE', 'calls')),
    fault: async (spec) => {
      const r = await hook('POST', 'faults', spec);
      if (r.status !== 200) throw new Error(`emulator fault: ${JSON.stringify(r.json)}`);
    },
    clearFaults: async () => void (await hook('DELETE', 'faults')),
    advanceClock,
    clockOffsetMs: async () => ((await hook('GET', 'clock')).json as { offsetSeconds: number }).offsetSeconds * 1000,
    skewClock: async (seconds) => void (await hook('POST', 'clock', { skewSeconds: seconds })),
    keys: (user) => {
      const [account, name] = user.includes('/') ? (user.split('/') as [string, string]) : [undefined, user];
      const found = emulator.world.findUser(name, account);
      const key = found?.accessKeys.find((k) => k.status === 'Active');
      if (!found || !key) throw new Error(`emulator: no user '${user}' with an active key in the fixture`);
      return { accessKeyId: key.id, secretAccessKey: key.secret };
    },
    close: () => emulator.close(),
  };
}

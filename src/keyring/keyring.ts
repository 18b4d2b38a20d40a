/**
 * Where secrets live (docs/security.md, "What is stored where"). Entry names are `source/<name>`,
 * `mfa-session/<hash>` and `role/<hash>` under the service `awsdir`; values are versioned JSON.
 */
export type KeyringBackend = 'os' | 'file';

export interface Keyring {
  readonly backend: KeyringBackend;
  /** The entry's value, or null when there is none. Never hangs: a silent backend is an error. */
  get(name: string): Promise<string | null>;
  /** Replaces the entry atomically: a failed write leaves the previous value readable. */
  set(name: string, value: string): Promise<void>;
  /** True when something was removed. */
  delete(name: string): Promise<boolean>;
  /** Every entry name of the service. Slow on some backends: never on the cache-hit path. */
  list(): Promise<string[]>;
  /**
   * Proves the backend can store a value right now. Called before any MFA prompt, because a
   * locked Secret Service answers `get` with null and only fails on write, after the code is spent.
   */
  probeWrite(): Promise<void>;
}

export const SERVICE = 'awsdir';

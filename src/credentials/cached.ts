import type { Reporter } from '../core/reporter';
import type { Fetcher } from './fetcher';
import { isFresh, type CachedSession, type SessionKind, type SessionStore } from './sessionStore';

/** Something that gets a new session from AWS; `cached` decides when it is asked. */
export interface SessionProvider {
  readonly kind: SessionKind;
  /** Fetching spends an MFA code: the store must prove it can keep the result before one is asked for. */
  readonly spendsCode: boolean;
  fetch(): Promise<CachedSession>;
}

export interface Served {
  session: CachedSession;
  fromCache: boolean;
}

/** A provider behind the session cache. */
export interface CachedProvider {
  get(): Promise<Served>;
  /**
   * A new session in place of `stale`, which AWS refused; another process's replacement when one
   * came meanwhile. `remove` drops the stale entry first, when it is proven bad (expired, unknown).
   */
  renew(stale: CachedSession, options?: { remove?: boolean }): Promise<Served>;
  /**
   * A new session whatever the cache holds, which may be fresh here and dead at AWS (revoked, or a
   * clock corrected since); another process's replacement when one came meanwhile.
   */
  refresh(): Promise<Served>;
}

export interface CacheEntrySpec {
  name: string;
  /** How much time a cached session needs left to be served (the refresh window). */
  freshSeconds: number;
  /** For debug lines: what the session is for. */
  subject: string;
}

export interface CacheDeps {
  store: SessionStore;
  reporter: Reporter;
  now: () => number;
  fetch: Pick<Fetcher, 'lock'>;
}

const WORDS: Record<SessionKind, string> = { role: 'role session', 'mfa-session': 'MFA session' };

/**
 * The one cache sequence of every session: read, serve when fresh, else take the lock, read again
 * (another awsdir may have fetched it meanwhile), fetch and write. A malformed entry counts as
 * absent; a write that fails is a warning, since the credentials in hand are good.
 */
export function cached(entry: CacheEntrySpec, provider: SessionProvider, deps: CacheDeps): CachedProvider {
  const what = WORDS[provider.kind];
  const read = (): Promise<CachedSession | null> => deps.store.read(entry.name, provider.kind);
  const usable = (session: CachedSession, refused?: CachedSession): boolean =>
    session.accessKeyId !== refused?.accessKeyId && isFresh(session, deps.now(), entry.freshSeconds);

  const fetchAndKeep = async (): Promise<Served> => {
    // A locked keychain answers reads with null and fails only on write: find out before a code is spent.
    if (provider.spendsCode) await deps.store.probeWrite();
    const session = await provider.fetch();
    try {
      await deps.store.write(entry.name, session);
    } catch (error) {
      deps.reporter.warn(
        `could not cache the ${what} (${(error as Error).message}); the next export will ${provider.spendsCode ? 'ask for a code again' : 'ask AWS again'}`,
      );
    }
    return { session, fromCache: false };
  };

  const underLock = (refused: CachedSession | undefined, remove: boolean): Promise<Served> =>
    deps.fetch.lock(entry.name.replace('/', '-'), async () => {
      const again = await read();
      if (again && usable(again, refused)) {
        deps.reporter.debug(`another awsdir fetched ${what} ${entry.name} meanwhile`);
        return { session: again, fromCache: true };
      }
      if (remove && again && refused && again.accessKeyId === refused.accessKeyId) await deps.store.remove(entry.name).catch(() => false);
      return fetchAndKeep();
    });

  return {
    async get() {
      const hit = await read();
      if (hit && usable(hit)) {
        deps.reporter.debug(`cache hit ${entry.name} (${what} for ${entry.subject}), expires ${hit.expiration}`);
        return { session: hit, fromCache: true };
      }
      deps.reporter.debug(hit ? `cached ${what} ${entry.name} is inside the refresh window; refreshing` : `no cached ${what} ${entry.name}`);
      return underLock(undefined, false);
    },
    renew(stale, options = {}) {
      return underLock(stale, options.remove ?? false);
    },
    async refresh() {
      const current = await read();
      deps.reporter.debug(`refresh: not serving ${current ? `cached ${what} ${entry.name}` : `a cached ${what}`}`);
      return underLock(current ?? undefined, false);
    },
  };
}

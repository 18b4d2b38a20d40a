import { CancelledError } from './errors';

/**
 * Waits `ms` milliseconds, or until `signal` aborts (Ctrl-C): then rejects at once with a
 * CancelledError whose message says what was being waited for.
 */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, cancelled: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError(cancelled));
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(new CancelledError(cancelled));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The time left of a session as awsdir shows it, for a moment a test knows only to lie between two
 * readings of the clock (before it asked, after it saw the answer): every text the rules give over
 * that span. Tests match against these instead of guessing how fast the machine got there.
 */

/** The summary line's "… left": whole minutes of what remains, "1h", "1h5m". */
export function summaryLeft(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)}h${rest ? `${rest}m` : ''}`;
}

/** The prompt segment's: drawn at the whole second `nowSeconds`, the minutes surely left. */
export function segmentLeft(expiresSeconds: number, nowSeconds: number): string {
  const left = expiresSeconds - nowSeconds - 1;
  if (left < 0) return 'expired';
  if (left >= 3600) return `${Math.floor(left / 3600)}h${String(Math.floor((left % 3600) / 60)).padStart(2, '0')}m`;
  if (left < 60) return '<1m';
  return `${Math.floor(left / 60)}m`;
}

function over<T>(fromMs: number, toMs: number, at: (ms: number) => T): T[] {
  if (toMs < fromMs) throw new Error(`timeLeft: the span ends (${toMs}) before it starts (${fromMs})`);
  const seen = new Set<T>();
  for (let t = fromMs; t < toMs; t += 500) seen.add(at(t));
  seen.add(at(toMs));
  return [...seen];
}

/** Every summary text for a session ending at `expiresMs`, printed between `fromMs` and `toMs`. */
export function summaryLeftBetween(expiresMs: number, fromMs: number, toMs: number): string[] {
  return over(fromMs, toMs, (t) => summaryLeft(expiresMs - t));
}

/** Every segment text for a session ending at `expiresSeconds`, drawn between `fromMs` and `toMs`. */
export function segmentLeftBetween(expiresSeconds: number, fromMs: number, toMs: number): string[] {
  return over(fromMs, toMs, (t) => segmentLeft(expiresSeconds, Math.floor(t / 1000)));
}

/** A regular expression group matching any of the texts literally. */
export function anyOf(texts: string[]): string {
  return `(?:${texts.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;
}

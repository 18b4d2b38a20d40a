import { ConfigError } from '../core/errors';

/**
 * Durations as people write them in the YAML files: `900` (seconds), `15m`, `1h`, `1h30m`, `90s`.
 * Units go from large to small and each appears at most once, so a value reads one way only.
 */
const PATTERN = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** Far above any duration AWS accepts; it keeps arithmetic exact. */
const MAX_SECONDS = 10 * 366 * 24 * 3600;

export const DURATION_HELP = 'a duration such as 900, 15m, 1h or 1h30m';

export function parseDuration(text: string | number): number {
  const seconds = typeof text === 'number' ? fromNumber(text) : fromText(text);
  if (seconds === undefined) throw new ConfigError(`duration ${JSON.stringify(text)}: not understood; allowed: ${DURATION_HELP}`);
  if (seconds <= 0) throw new ConfigError(`duration ${JSON.stringify(text)}: must be more than zero; allowed: ${DURATION_HELP}`);
  if (seconds > MAX_SECONDS) throw new ConfigError(`duration ${JSON.stringify(text)}: far too long; allowed: ${DURATION_HELP}`);
  return seconds;
}

function fromNumber(value: number): number | undefined {
  return Number.isSafeInteger(value) ? value : undefined;
}

function fromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return trimmed.length > 12 ? undefined : Number(trimmed);
  const match = PATTERN.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const [, h, m, s] = match;
  if ([h, m, s].some((part) => part !== undefined && part.length > 9)) return undefined;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** The shortest text parseDuration reads back as the same number: 5400 -> "1h30m". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total === 0) return '0s';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

import data from './awsRegions.json';
import { editDistance } from './editDistance';

/**
 * Is a value a region AWS has? The names and each partition's pattern come from the AWS SDK's
 * partition data, extracted at build time (scripts/aws-regions.mjs), so this runs without the
 * SDK; and only on the slow path of the resolved-config cache, so a `cd` never pays for it.
 */
export type RegionCheck =
  | { kind: 'known' }
  /** Fits a partition's pattern: a region newer than the data. `nearest` is a known region it may be a slip for. */
  | { kind: 'new'; partition: string; nearest?: string }
  | { kind: 'typo'; suggestion: string }
  | { kind: 'invalid' };

/** Where the list comes from, for messages: `@aws-sdk/core 3.981.2`. */
export const REGION_DATA_SOURCE = data.source;

const PARTITIONS = data.partitions.map((p) => ({ id: p.id, pattern: new RegExp(p.regionRegex), regionRegex: p.regionRegex }));
const KNOWN: readonly string[] = data.partitions.flatMap((p) => p.regions);
const KNOWN_SET = new Set(KNOWN);
/** `eu-west-1` -> `eu-west-`: new regions of a place are numbered on. */
const stem = (region: string): string => region.replace(/\d+$/, '');
/** The words regions are named with (`eu`, `us`, `gov`, `west`, `southeast`, ...). */
const PARTS = new Set(KNOWN.flatMap((r) => stem(r).split('-').filter(Boolean)));

const TYPO_DISTANCE = 2;

export function checkRegion(value: string): RegionCheck {
  if (KNOWN_SET.has(value)) return { kind: 'known' };
  const lower = value.toLowerCase();
  // Regions are lower case, which the SDK's patterns (\w) do not say.
  const partition = /^[a-z0-9-]+$/.test(value) ? PARTITIONS.find((p) => p.pattern.test(value)) : undefined;
  // A value made only of the words regions are named with is how AWS names a new region
  // (eu-north-9, ca-west-1 when it came), even when it is a letter or two from a known one.
  const ofKnownParts =
    partition !== undefined &&
    stem(value)
      .split('-')
      .filter(Boolean)
      .every((part) => PARTS.has(part));
  if (partition && ofKnownParts) {
    const nearest = closest(lower, (r) => stem(r) !== stem(value));
    return { kind: 'new', partition: partition.id, ...(nearest !== undefined && { nearest }) };
  }
  const meant = closest(lower);
  if (meant !== undefined) return { kind: 'typo', suggestion: meant };
  return partition ? { kind: 'new', partition: partition.id } : { kind: 'invalid' };
}

/** The known region fewest edits away, within TYPO_DISTANCE; the first in the data's order on a tie. */
function closest(value: string, eligible: (region: string) => boolean = () => true): string | undefined {
  let best: { region: string; distance: number } | undefined;
  for (const region of KNOWN) {
    if (!eligible(region)) continue;
    const distance = editDistance(value, region);
    if (distance <= TYPO_DISTANCE && (!best || distance < best.distance)) best = { region, distance };
  }
  return best?.region;
}

/** `^(us|eu)\-\w+\-\d+$` -> `(us|eu)-NAME-N`. */
function shape(regionRegex: string): string {
  return regionRegex
    .replace(/^\^|\$$/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\w\+/g, 'NAME')
    .replace(/\\d\+/g, 'N')
    .replace(/\(([a-z]+)\)/g, '$1');
}

const SHAPES = PARTITIONS.map((p) => shape(p.regionRegex));
export const REGION_ALLOWED = `a region such as eu-west-1, or a newer one shaped ${SHAPES.slice(0, -1).join(', ')} or ${SHAPES[SHAPES.length - 1]} (lower case; NAME a word such as west, N a number)`;

/**
 * What to say of a region value after `key '...': `: a problem (the value is refused) or a
 * warning (it is used as written), or neither for a known region.
 */
export function describeRegion(value: string): { problem?: string; warning?: string } {
  const check = checkRegion(value);
  switch (check.kind) {
    case 'known':
      return {};
    case 'typo':
      return { problem: `not an AWS region (got ${JSON.stringify(value)}); did you mean ${check.suggestion}?` };
    case 'invalid':
      return { problem: `not an AWS region (got ${JSON.stringify(value)}); allowed: ${REGION_ALLOWED}` };
    case 'new':
      return {
        warning:
          `${value} is not among the regions awsdir knows (from ${REGION_DATA_SOURCE}), but has the shape of a region of partition ${check.partition}: used as written, as a region newer than awsdir` +
          `; ${check.nearest !== undefined ? `if you meant ${check.nearest}, correct it; ` : 'if it is a typo, correct it; '}a newer awsdir knows more regions`,
      };
  }
}

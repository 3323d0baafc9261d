import type { SignalEvent } from '../../protocol/webhooks';
import { DEFAULT_THRESHOLDS, nextLevel, type StockLevel, type Thresholds } from './threshold';

// The SKU × location producer of docs/signals.md: after a mutation, each changed location's
// reading against its stored level; a crossing is one signal with a stable id.

export type LocationReading = {
  location: string;
  available: number;
  coverDays: number | null;
  ratePerDay: number | null;
};

export type Overrides = Partial<Thresholds>;

/** The thresholds at a location: the SKU's overrides over the location's over the defaults. */
export const resolveThresholds = (
  sku: Overrides | undefined,
  location: Overrides | undefined,
): Thresholds => ({ ...DEFAULT_THRESHOLDS, ...location, ...sku });

/** The threshold a signal crossed, and the rule in words with its numbers. */
const crossed = (
  type: 'low' | 'out' | 'back_in_stock',
  r: LocationReading,
  t: Thresholds,
): { threshold: number; rule: string } => {
  if (type === 'out') return { threshold: 0, rule: `available ${r.available} ≤ 0` };
  if (type === 'back_in_stock') {
    return { threshold: t.backInStock, rule: `available ${r.available} ≥ ${t.backInStock}` };
  }
  if (t.lowCoverDays !== null && r.coverDays !== null && r.coverDays < t.lowCoverDays) {
    return { threshold: t.lowCoverDays, rule: `coverDays ${r.coverDays} < ${t.lowCoverDays}` };
  }
  const point = t.reorderPoint ?? 0;
  return { threshold: point, rule: `available ${r.available} ≤ ${point}` };
};

export type LocationSignals = {
  /** Levels that changed, to store with the movement. */
  levels: Map<string, StockLevel>;
  events: SignalEvent[];
};

/**
 * Judges each reading against the level stored for its location. A location never judged
 * before takes the level of its first reading silently: a first receive is not a restock.
 */
export const locationSignals = (input: {
  sku: string;
  seq: number;
  at: number;
  readings: readonly LocationReading[];
  levelOf: (location: string) => StockLevel | undefined;
  thresholdsOf: (location: string) => Thresholds;
}): LocationSignals => {
  const levels = new Map<string, StockLevel>();
  const events: SignalEvent[] = [];
  for (const r of input.readings) {
    const t = input.thresholdsOf(r.location);
    const known = input.levelOf(r.location);
    const next = nextLevel(known ?? 'ok', r, t);
    if (known !== next.level) levels.set(r.location, next.level);
    if (known === undefined || next.signal === null) continue;
    events.push({
      id: `${input.sku}:${r.location}:${next.signal}:${input.seq}`,
      type: next.signal,
      at: new Date(input.at).toISOString(),
      sku: input.sku,
      location: r.location,
      data: {
        available: r.available,
        coverDays: r.coverDays,
        ratePerDay: r.ratePerDay,
        ...crossed(next.signal, r, t),
        seq: input.seq,
      },
    });
  }
  return { levels, events };
};

/**
 * Where a SKU stands at a location (or on a channel) against its thresholds, with hysteresis:
 * once `low`, it is only `ok` again when cover and available clear the thresholds by a margin,
 * so a quantity wobbling around a threshold raises one event per real crossing, not one per
 * wobble.
 */
export type StockLevel = 'ok' | 'low' | 'out';

export type Thresholds = {
  /** Low when the days of cover fall under this (null: cover is not used). */
  lowCoverDays: number | null;
  /** Low when available is at or under this many units (null: not used). */
  reorderPoint: number | null;
  /** Leaving `low` needs the thresholds cleared by this fraction (0.2: cover 20% above). */
  band: number;
  /** Back in stock at this many available units (1: the first unit). */
  backInStock: number;
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  lowCoverDays: 5,
  reorderPoint: null,
  band: 0.2,
  backInStock: 1,
};

export type StockSignal = 'low' | 'out' | 'back_in_stock';

export type Reading = { available: number; coverDays: number | null };

const isLow = (r: Reading, t: Thresholds, margin: number): boolean =>
  (t.lowCoverDays !== null && r.coverDays !== null && r.coverDays < t.lowCoverDays * margin) ||
  (t.reorderPoint !== null && r.available <= t.reorderPoint * margin);

/** The level after a reading, and the event its change raises (at most one). */
export const nextLevel = (
  level: StockLevel,
  r: Reading,
  t: Thresholds,
): { level: StockLevel; signal: StockSignal | null } => {
  if (r.available <= 0) return { level: 'out', signal: level === 'out' ? null : 'out' };
  if (level === 'out') {
    if (r.available < t.backInStock) return { level: 'out', signal: null };
    return { level: isLow(r, t, 1) ? 'low' : 'ok', signal: 'back_in_stock' };
  }
  if (level === 'low') return { level: isLow(r, t, 1 + t.band) ? 'low' : 'ok', signal: null };
  return isLow(r, t, 1) ? { level: 'low', signal: 'low' } : { level: 'ok', signal: null };
};

import { emptyLevels, type LocationStock } from '../../../protocol/stock';

// The stream carries each SKU's latest quantities, not its events: a movement in the live feed
// is the difference between two consecutive states, per location, named by its likely cause.

export type Field = 'onHand' | 'reserved' | 'committed' | 'unavailable' | 'incoming' | 'available';
const FIELDS: readonly Field[] = [
  'onHand',
  'reserved',
  'committed',
  'unavailable',
  'incoming',
  'available',
];

export type Movement = {
  sku: string;
  location: string;
  kind: string;
  deltas: { field: Field; delta: number }[];
  at: string;
};

const ZERO: LocationStock = { location: '', ...emptyLevels(), available: 0, backordered: 0 };

/** The likely operation behind a set of deltas (the SKU detail shows the real event). */
const kindOf = (d: Partial<Record<Field, number>>): string => {
  const { onHand = 0, reserved = 0, committed = 0, unavailable = 0, incoming = 0 } = d;
  if (committed > 0 && reserved < 0) return 'order placed';
  if (committed > 0) return 'order';
  if (committed < 0 && onHand < 0) return 'shipped';
  if (committed < 0) return 'cancelled';
  if (reserved > 0) return 'held';
  if (reserved < 0) return 'released';
  if (incoming < 0 && onHand > 0) return 'received';
  if (incoming > 0) return 'expected';
  if (unavailable !== 0) return unavailable > 0 ? 'unsellable' : 'sellable again';
  if (onHand > 0) return 'received';
  if (onHand < 0) return 'removed';
  return 'changed';
};

/** Per location, what changed between two states of a SKU. */
export const movementsBetween = (
  sku: string,
  before: readonly LocationStock[],
  after: readonly LocationStock[],
  at: string,
): Movement[] => {
  const previous = new Map(before.map((l) => [l.location, l]));
  const out: Movement[] = [];
  for (const now of after) {
    const was = previous.get(now.location) ?? ZERO;
    const d: Partial<Record<Field, number>> = {};
    const deltas: Movement['deltas'] = [];
    for (const field of FIELDS) {
      const delta = now[field] - was[field];
      if (delta !== 0) {
        d[field] = delta;
        deltas.push({ field, delta });
      }
    }
    if (deltas.length > 0) out.push({ sku, location: now.location, kind: kindOf(d), deltas, at });
  }
  return out;
};

/** Units newly committed (orders placed) between two states: what counts as a sale. */
export const unitsCommitted = (
  before: readonly LocationStock[],
  after: readonly LocationStock[],
): number => {
  const previous = new Map(before.map((l) => [l.location, l.committed]));
  let units = 0;
  for (const l of after) units += Math.max(0, l.committed - (previous.get(l.location) ?? 0));
  return units;
};

import type { RecommendationStatus } from '../../protocol/recommendations';
import type { Computed } from './assemble';

const DAY_MS = 24 * 3600 * 1000;
/** A dismissal holds this long unless the quantity moves by more than half. */
export const DISMISS_MEMORY_MS = 7 * DAY_MS;

/** What a recompute needs of a stored recommendation. */
export type Stored = {
  id: string;
  status: RecommendationStatus;
  quantity: number;
  seq: number;
  basis: Record<string, number>;
  revision: number;
  dismissedAt: string | null;
  dismissedQuantity: number | null;
};

export type Write =
  | { id: string; action: 'insert'; computed: Computed }
  /** New figures; `revision` moves when the operation apply would send changes. */
  | { id: string; action: 'update'; computed: Computed; status: 'open'; revision: number }
  | { id: string; action: 'expire' };

const sameBasis = (a: Record<string, number>, b: Record<string, number>) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/** Whether a dismissal still holds against a newly computed quantity. */
export const dismissalHolds = (s: Stored, quantity: number, now: number): boolean => {
  if (s.dismissedAt === null || s.dismissedQuantity === null) return false;
  if (now - Date.parse(s.dismissedAt) >= DISMISS_MEMORY_MS) return false;
  return Math.abs(quantity - s.dismissedQuantity) <= s.dismissedQuantity / 2;
};

/**
 * The writes that bring one SKU's stored recommendations in line with a recompute: new ones
 * inserted, changed ones updated, open ones no longer due expired. Nothing is written for a
 * recommendation whose figures did not change, nor for a dismissal that still holds, so a
 * recompute of a quiet SKU costs no D1 write.
 */
export const merge = (
  stored: readonly Stored[],
  computed: readonly (Computed & { id: string })[],
  now: number,
): Write[] => {
  const byId = new Map(stored.map((s) => [s.id, s]));
  const due = new Set(computed.map((c) => c.id));
  const writes: Write[] = [];
  for (const c of computed) {
    const s = byId.get(c.id);
    if (s === undefined) {
      writes.push({ id: c.id, action: 'insert', computed: c });
      continue;
    }
    if (s.status === 'dismissed' && dismissalHolds(s, c.quantity, now)) continue;
    if (s.status === 'open') {
      if (s.quantity === c.quantity && s.seq === c.seq && sameBasis(s.basis, c.basis)) continue;
      const revision = s.quantity === c.quantity ? s.revision : s.revision + 1;
      writes.push({ id: c.id, action: 'update', computed: c, status: 'open', revision });
      continue;
    }
    // Applied, expired or no longer dismissed: due again, as a new operation.
    writes.push({
      id: c.id,
      action: 'update',
      computed: c,
      status: 'open',
      revision: s.revision + 1,
    });
  }
  for (const s of stored) {
    if (s.status === 'open' && !due.has(s.id)) writes.push({ id: s.id, action: 'expire' });
  }
  return writes;
};

import {
  type BackorderPolicy,
  emptyLevels,
  LEVEL_FIELDS,
  type LevelDelta,
  type Levels,
  type LocationStock,
} from '../../protocol/stock';

export { emptyLevels };

/** Units on hand that nothing claims: not reserved, committed or unavailable (safety stock ignored). */
export const freeUnits = (l: Levels): number => l.onHand - l.reserved - l.committed - l.unavailable;

/** What may still be sold here; may go negative only under `continue` (the overdraft). */
export const availableUnits = (l: Levels, policy: BackorderPolicy): number => {
  const raw = freeUnits(l) - l.safetyStock;
  return policy === 'deny' ? Math.max(0, raw) : raw;
};

/** Units promised beyond the sellable units on hand: reported, never hidden. */
export const backorderedUnits = (l: Levels): number =>
  Math.max(0, l.reserved + l.committed + l.unavailable - l.onHand);

export const describe = (location: string, l: Levels, policy: BackorderPolicy): LocationStock => ({
  location,
  ...l,
  available: availableUnits(l, policy),
  backordered: backorderedUnits(l),
});

export const applyDelta = (l: Levels, d: LevelDelta): Levels => {
  const next = { ...l };
  for (const f of LEVEL_FIELDS) next[f] += d[f] ?? 0;
  return next;
};

export const sumLevels = (all: Iterable<Levels>): Levels => {
  const total = emptyLevels();
  for (const l of all) for (const f of LEVEL_FIELDS) total[f] += l[f];
  return total;
};

/** Merges deltas to the same location and drops fields that net to zero. */
export const mergeDeltas = (deltas: readonly LevelDelta[]): LevelDelta[] => {
  const byLocation = new Map<string, LevelDelta>();
  for (const d of deltas) {
    const into = byLocation.get(d.location) ?? { location: d.location };
    for (const f of LEVEL_FIELDS) {
      const v = (into[f] ?? 0) + (d[f] ?? 0);
      if (v === 0) delete into[f];
      else into[f] = v;
    }
    byLocation.set(d.location, into);
  }
  return [...byLocation.values()].filter((d) => LEVEL_FIELDS.some((f) => d[f] !== undefined));
};

export const negate = (d: LevelDelta): LevelDelta => {
  const out: LevelDelta = { location: d.location };
  for (const f of LEVEL_FIELDS) if (d[f] !== undefined) out[f] = -(d[f] ?? 0);
  return out;
};

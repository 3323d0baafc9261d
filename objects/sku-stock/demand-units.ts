import type { EventType, LevelDelta } from '../../protocol/stock';

/**
 * Units an event sells per location, for the demand estimate: what it moves into `committed`
 * (a commit, a paid hold), and back out of it for a cancelled order. A ship also lowers
 * `committed`, but those units were counted as sold when they were committed.
 */
export const demandUnits = (
  type: EventType,
  deltas: readonly LevelDelta[],
): Map<string, number> => {
  const units = new Map<string, number>();
  if (type === 'ship') return units;
  for (const d of deltas) {
    if (d.committed === undefined || d.committed === 0) continue;
    units.set(d.location, (units.get(d.location) ?? 0) + d.committed);
  }
  return units;
};

import type { LevelDelta, Levels } from '../../protocol/stock';
import { applyDelta, negate } from './levels';

/**
 * The levels as they were at `ledgerSeq`: the live levels (at `seq`) with the deltas of every
 * event after `ledgerSeq` taken back. Null when some of those events are no longer kept (or the
 * ledger claims a seq the object never reached), since the rewind could then not be exact.
 */
export const rewindLevels = (
  levels: ReadonlyMap<string, Levels>,
  seq: number,
  ledgerSeq: number,
  after: { count: number; byLocation: ReadonlyMap<string, LevelDelta> },
): Record<string, Levels> | null => {
  if (ledgerSeq > seq || after.count !== seq - ledgerSeq) return null;
  const rewound: Record<string, Levels> = {};
  for (const [location, l] of levels) {
    const d = after.byLocation.get(location);
    rewound[location] = d ? applyDelta(l, negate(d)) : l;
  }
  return rewound;
};

import { describe, expect, it } from 'vitest';
import type { LevelDelta, Levels } from '../../protocol/stock';
import { rewindLevels } from './ledger-rewind';
import { emptyLevels } from './levels';

const at = (l: Partial<Levels>): Levels => ({ ...emptyLevels(), ...l });
const live = new Map([
  ['CHI-1', at({ onHand: 10, reserved: 4 })],
  ['NYC-1', at({ onHand: 3 })],
]);
const unflushed = (count: number, deltas: LevelDelta[]) => ({
  count,
  byLocation: new Map(deltas.map((d) => [d.location, d])),
});

describe('rewindLevels: the counter as of the ledger’s last seq', () => {
  it('takes back the deltas of the events the ledger does not have yet', () => {
    expect(
      rewindLevels(live, 12, 9, unflushed(3, [{ location: 'CHI-1', onHand: 6, reserved: 1 }])),
    ).toEqual({
      'CHI-1': at({ onHand: 4, reserved: 3 }),
      'NYC-1': at({ onHand: 3 }),
    });
  });

  it('is the live levels when the ledger is up to date', () => {
    expect(rewindLevels(live, 12, 12, unflushed(0, []))).toEqual({
      'CHI-1': at({ onHand: 10, reserved: 4 }),
      'NYC-1': at({ onHand: 3 }),
    });
  });

  it('cannot tell once an event after the ledger seq is no longer kept, or the ledger is ahead', () => {
    expect(rewindLevels(live, 12, 9, unflushed(2, [{ location: 'CHI-1', onHand: 6 }]))).toBeNull();
    expect(rewindLevels(live, 12, 13, unflushed(0, []))).toBeNull();
  });
});

import { expect, it, describe as suite } from 'vitest';
import {
  applyDelta,
  availableUnits,
  backorderedUnits,
  describe,
  emptyLevels,
  freeUnits,
  mergeDeltas,
  negate,
  sumLevels,
} from './levels';

const levels = (l: Partial<ReturnType<typeof emptyLevels>>) => ({ ...emptyLevels(), ...l });

suite('levels: the quantity arithmetic', () => {
  it('counts as free what nothing reserves, commits or marks unavailable (safety stock apart)', () => {
    const l = levels({ onHand: 10, reserved: 3, committed: 2, unavailable: 1, safetyStock: 2 });
    expect(freeUnits(l)).toBe(4);
    expect(availableUnits(l, 'deny')).toBe(2);
    expect(availableUnits(l, 'continue')).toBe(2);
  });

  it('floors available at 0 under deny and lets it go negative under continue', () => {
    const l = levels({ onHand: 2, reserved: 5 });
    expect(availableUnits(l, 'deny')).toBe(0);
    expect(availableUnits(l, 'continue')).toBe(-3);
    expect(backorderedUnits(l)).toBe(3);
    expect(backorderedUnits(levels({ onHand: 5, reserved: 2 }))).toBe(0);
  });

  it('describes a location with its derived available and backordered', () => {
    expect(describe('CHI-1', levels({ onHand: 4, committed: 6 }), 'continue')).toEqual({
      location: 'CHI-1',
      ...levels({ onHand: 4, committed: 6 }),
      available: -2,
      backordered: 2,
    });
  });

  it('applies a delta field by field, and its negation takes it back', () => {
    const l = levels({ onHand: 10, reserved: 2 });
    const d = { location: 'CHI-1', onHand: -3, reserved: 4, incoming: 5 };
    const after = applyDelta(l, d);
    expect(after).toEqual(levels({ onHand: 7, reserved: 6, incoming: 5 }));
    expect(negate(d)).toEqual({ location: 'CHI-1', onHand: 3, reserved: -4, incoming: -5 });
    expect(applyDelta(after, negate(d))).toEqual(l);
  });

  it('sums levels over locations', () => {
    expect(
      sumLevels([levels({ onHand: 3, reserved: 1 }), levels({ onHand: 4, incoming: 2 })]),
    ).toEqual(levels({ onHand: 7, reserved: 1, incoming: 2 }));
  });

  it('merges deltas per location and drops fields and locations that net to zero', () => {
    expect(
      mergeDeltas([
        { location: 'A', reserved: 2 },
        { location: 'B', onHand: 1 },
        { location: 'A', reserved: -2, committed: 2 },
        { location: 'B', onHand: -1 },
      ]),
    ).toEqual([{ location: 'A', committed: 2 }]);
  });
});

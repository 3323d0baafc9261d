import { describe, expect, it } from 'vitest';
import type { Levels } from '../../protocol/stock';
import { newDemand } from '../signals/demand';
import { emptyLevels } from './levels';
import { type CounterState, transition } from './transition';

const at = (l: Partial<Levels>): Levels => ({ ...emptyLevels(), ...l });
const state: CounterState = {
  sku: 'TEE-BLK-M',
  policy: 'deny',
  seq: 4,
  levels: new Map([
    ['CHI-1', at({ onHand: 10, reserved: 3 })],
    ['NYC-1', at({ onHand: 2 })],
  ]),
};
const NOW = Date.UTC(2026, 0, 5, 12);

describe('transition: what one decided change makes', () => {
  it('applies the deltas at seq + 1 and builds the event with the levels after', () => {
    const t = transition(
      state,
      { deltas: [{ location: 'CHI-1', reserved: -3, committed: 3 }], reason: 'payment' },
      'commit',
      { actor: 'key_1', key: 'k-1', ref: 'order-9' },
      NOW,
      () => undefined,
    );
    expect(t.next.seq).toBe(5);
    expect(t.next.policy).toBe('deny');
    expect([...t.changed]).toEqual([['CHI-1', at({ onHand: 10, committed: 3 })]]);
    expect(t.next.levels.get('NYC-1')).toEqual(at({ onHand: 2 }));
    expect(state.levels.get('CHI-1')).toEqual(at({ onHand: 10, reserved: 3 }));
    expect(t.event).toMatchObject({
      sku: 'TEE-BLK-M',
      seq: 5,
      type: 'commit',
      at: '2026-01-05T12:00:00.000Z',
      actor: 'key_1',
      reason: 'payment',
      ref: 'order-9',
      idempotencyKey: 'k-1',
      holdId: null,
      transferId: null,
    });
    expect(t.event.totals).toMatchObject({ onHand: 12, committed: 3, reserved: 0, available: 9 });
    expect(t.view.totals.available).toBe(9);
  });

  it('records the units it commits as demand at their location', () => {
    const t = transition(
      state,
      { deltas: [{ location: 'CHI-1', reserved: -3, committed: 3 }], reason: 'payment' },
      'commit',
      { actor: 'key_1' },
      NOW,
      () => undefined,
    );
    expect([...t.demand.keys()]).toEqual(['CHI-1']);
    expect(t.demand.get('CHI-1')?.today).toBe(3);
    expect(t.view.locations.find((l) => l.location === 'CHI-1')?.demand).toBeDefined();
    expect(t.view.locations.find((l) => l.location === 'NYC-1')?.demand).toBeUndefined();
  });

  it('changes only the policy for a policy change, keeping the demand it had', () => {
    const before = newDemand(NOW);
    const t = transition(
      state,
      { deltas: [], reason: 'policy_change' },
      'policy',
      { actor: 'catalog' },
      NOW,
      (location) => (location === 'NYC-1' ? before : undefined),
      'continue',
    );
    expect(t.next.policy).toBe('continue');
    expect(t.next.seq).toBe(5);
    expect(t.changed.size).toBe(0);
    expect(t.demand.size).toBe(0);
    expect(t.view.locations.find((l) => l.location === 'NYC-1')?.demand).toBeDefined();
  });
});

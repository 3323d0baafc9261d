import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Levels, MAX_LEVEL } from '../../protocol/stock';
import { type DecideContext, decide, type StockState } from './decide';
import { emptyLevels } from './levels';

const state = (levels: Record<string, Partial<Levels>>): StockState => ({
  sku: 'TEE-BLK-M',
  policy: 'deny',
  levels: new Map(Object.entries(levels).map(([l, v]) => [l, { ...emptyLevels(), ...v }])),
});
const context = (over: Partial<DecideContext> = {}): DecideContext => ({
  now: 1_000,
  scope: { channels: null, locations: null },
  newId: (prefix) => `${prefix}_1`,
  inTransit: () => 0,
  ...over,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decide: receive against incoming', () => {
  it('takes only incoming that no open transfer has in transit', () => {
    const s = state({ 'CHI-1': { incoming: 8 } });
    const inTransit = vi.fn((location: string) => (location === 'CHI-1' ? 5 : 0));
    const r = decide(
      s,
      { op: 'receive', location: 'CHI-1', quantity: 5, fromIncoming: true },
      context({ inTransit }),
    );
    expect(r).toEqual({
      ok: true,
      value: { deltas: [{ location: 'CHI-1', onHand: 5, incoming: -3 }], reason: 'receipt' },
    });
    expect(inTransit).toHaveBeenCalledWith('CHI-1');
  });

  it('leaves incoming alone when all of it is in transit', () => {
    const r = decide(
      state({ 'CHI-1': { incoming: 5 } }),
      { op: 'receive', location: 'CHI-1', quantity: 5, fromIncoming: true },
      context({ inTransit: () => 5 }),
    );
    expect(r.ok && r.value.deltas).toEqual([{ location: 'CHI-1', onHand: 5 }]);
  });

  it('never asks about transfers for a receipt that is not against incoming', () => {
    const inTransit = vi.fn(() => 0);
    const r = decide(
      state({ 'CHI-1': { incoming: 5 } }),
      { op: 'receive', location: 'CHI-1', quantity: 2 },
      context({ inTransit }),
    );
    expect(r.ok && r.value.deltas).toEqual([{ location: 'CHI-1', onHand: 2 }]);
    expect(inTransit).not.toHaveBeenCalled();
  });
});

describe('decide: bounds', () => {
  it('refuses a change that would take a level below zero as invalid_state, naming the numbers, and logs the rule gap', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    // A state no rule should reach: the transfer's units are no longer counted as incoming.
    const transfer = {
      id: 't_1',
      from: 'MAN-1',
      to: 'CHI-1',
      quantity: 5,
      received: 0,
      createdAt: 0,
      updatedAt: 0,
    };
    const r = decide(
      state({ 'CHI-1': { onHand: 5 } }),
      { op: 'transfer-in', transferId: 't_1' },
      context({ transfer }),
    );
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'invalid_state',
        message: 'SKU TEE-BLK-M at CHI-1: incoming would become -5 (is 0, change -5)',
        details: {
          sku: 'TEE-BLK-M',
          location: 'CHI-1',
          field: 'incoming',
          current: 0,
          change: -5,
          result: -5,
        },
      },
    });
    expect(logged).toHaveBeenCalledOnce();
  });

  it('refuses a change that would pass the largest level as validation_failed', () => {
    const r = decide(
      state({ 'CHI-1': { onHand: MAX_LEVEL } }),
      { op: 'receive', location: 'CHI-1', quantity: 1 },
      context(),
    );
    expect(!r.ok && r.error.code).toBe('validation_failed');
  });
});

describe('decide: counts and adjustments', () => {
  it('adjusts on hand by the delta, refusing to remove units that are not free', () => {
    const s = state({ 'CHI-1': { onHand: 10, reserved: 6 } });
    expect(decide(s, { op: 'adjust', location: 'CHI-1', delta: -4 }, context())).toEqual({
      ok: true,
      value: { deltas: [{ location: 'CHI-1', onHand: -4 }], reason: 'adjustment' },
    });
    const r = decide(s, { op: 'adjust', location: 'CHI-1', delta: -5 }, context());
    expect(r.ok ? '' : r.error.code).toBe('insufficient_stock');
  });

  it('sets on hand to the counted number, never refusing it', () => {
    const s = state({ 'CHI-1': { onHand: 10, committed: 8 } });
    expect(decide(s, { op: 'count', location: 'CHI-1', onHand: 6 }, context())).toEqual({
      ok: true,
      value: { deltas: [{ location: 'CHI-1', onHand: -4 }], reason: 'cycle_count' },
    });
  });

  it('refuses a count whose expected on hand is stale', () => {
    const r = decide(
      state({ 'CHI-1': { onHand: 10 } }),
      { op: 'count', location: 'CHI-1', onHand: 6, expectedOnHand: 9 },
      context(),
    );
    expect(r.ok ? '' : r.error.code).toBe('version_conflict');
  });

  it('marks free units unavailable, and only free ones', () => {
    const s = state({ 'CHI-1': { onHand: 5, reserved: 2 } });
    expect(
      decide(s, { op: 'mark-unavailable', location: 'CHI-1', quantity: 3 }, context()),
    ).toEqual({
      ok: true,
      value: { deltas: [{ location: 'CHI-1', unavailable: 3 }], reason: 'damaged' },
    });
    const r = decide(s, { op: 'mark-unavailable', location: 'CHI-1', quantity: 4 }, context());
    expect(r.ok ? '' : r.error.code).toBe('insufficient_stock');
  });
});

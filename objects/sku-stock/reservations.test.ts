import { describe, expect, it } from 'vitest';
import type { Levels } from '../../protocol/stock';
import { emptyLevels } from './levels';
import { decideHold, decideHoldLifecycle, decideReturn, expireHold } from './reservations';
import type { DecideContext, HoldRecord, StockState } from './types';

const state = (levels: Record<string, Partial<Levels>>): StockState => ({
  sku: 'TEE-BLK-M',
  policy: 'deny',
  levels: new Map(Object.entries(levels).map(([l, v]) => [l, { ...emptyLevels(), ...v }])),
});
const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({
  now: 1_000,
  scope: { channels: null, locations: null },
  newId: (prefix) => `${prefix}_1`,
  inTransit: () => 0,
  ...over,
});
const hold = (over: Partial<HoldRecord> = {}): HoldRecord => ({
  id: 'h_7',
  status: 'held',
  quantity: 5,
  channel: 'web',
  ref: null,
  allocations: [
    { location: 'CHI-1', quantity: 3, shipped: 0 },
    { location: 'NYC-1', quantity: 2, shipped: 0 },
  ],
  returned: 0,
  expiresAt: 61_000,
  createdAt: 1_000,
  updatedAt: 1_000,
  ...over,
});
const twoSites = state({
  'CHI-1': { onHand: 3, reserved: 3 },
  'NYC-1': { onHand: 4, reserved: 2 },
});

describe('decideHold', () => {
  it('reserves the allocated units with the default TTL of 600 s', () => {
    const r = decideHold(
      state({ 'CHI-1': { onHand: 10 } }),
      { op: 'hold', quantity: 4, channel: 'web' },
      ctx(),
      'reservation',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        deltas: [{ location: 'CHI-1', reserved: 4 }],
        reason: 'reservation',
        hold: {
          id: 'h_1',
          status: 'held',
          quantity: 4,
          channel: 'web',
          ref: null,
          allocations: [{ location: 'CHI-1', quantity: 4, shipped: 0 }],
          returned: 0,
          expiresAt: 601_000,
          createdAt: 1_000,
          updatedAt: 1_000,
        },
      },
    });
  });

  it('commits at once, with no deadline and the order_placed reason, for a committed hold', () => {
    const r = decideHold(
      state({ 'CHI-1': { onHand: 10 } }),
      { op: 'hold', quantity: 2, commit: true, ttlSeconds: 60 },
      ctx(),
      'reservation',
    );
    expect(r.ok && r.value.deltas).toEqual([{ location: 'CHI-1', committed: 2 }]);
    expect(r.ok && r.value.reason).toBe('order_placed');
    expect(r.ok && r.value.hold?.expiresAt).toBeNull();
    expect(r.ok && r.value.hold?.status).toBe('committed');
  });

  it('refuses an id that exists, telling its own caller what it is and others only that it exists', () => {
    const mine = decideHold(
      twoSites,
      { op: 'hold', quantity: 1, holdId: 'h_7' },
      ctx({ hold: hold() }),
      'r',
    );
    expect(mine.ok ? '' : mine.error.message).toBe('SKU TEE-BLK-M: hold h_7 already exists (held)');
    const other = decideHold(
      twoSites,
      { op: 'hold', quantity: 1, holdId: 'h_7' },
      ctx({ hold: hold(), scope: { channels: ['shop'], locations: null } }),
      'r',
    );
    expect(other.ok ? null : other.error).toEqual({
      code: 'already_exists',
      message: 'SKU TEE-BLK-M: hold h_7 already exists',
      details: { holdId: 'h_7' },
    });
  });
});

describe('decideHoldLifecycle', () => {
  it('extends a held hold to now + ttl', () => {
    const r = decideHoldLifecycle(
      twoSites,
      { op: 'extend', holdId: 'h_7', ttlSeconds: 120 },
      ctx({ now: 5_000, hold: hold() }),
      'x',
    );
    expect(r.ok && r.value.deltas).toEqual([]);
    expect(r.ok && r.value.hold?.expiresAt).toBe(125_000);
  });

  it('releases and commits a held hold at each of its locations', () => {
    const release = decideHoldLifecycle(
      twoSites,
      { op: 'release', holdId: 'h_7' },
      ctx({ hold: hold() }),
      'released',
    );
    expect(release.ok && release.value.deltas).toEqual([
      { location: 'CHI-1', reserved: -3 },
      { location: 'NYC-1', reserved: -2 },
    ]);
    expect(release.ok && release.value.hold?.status).toBe('released');
    const commit = decideHoldLifecycle(
      twoSites,
      { op: 'commit', holdId: 'h_7' },
      ctx({ hold: hold() }),
      'paid',
    );
    expect(commit.ok && commit.value.deltas).toEqual([
      { location: 'CHI-1', reserved: -3, committed: 3 },
      { location: 'NYC-1', reserved: -2, committed: 2 },
    ]);
  });

  it('ships part of a committed hold from its allocations in order, and the rest later', () => {
    const committed = hold({ status: 'committed', expiresAt: null });
    const first = decideHoldLifecycle(
      twoSites,
      { op: 'ship', holdId: 'h_7', quantity: 4 },
      ctx({ hold: committed }),
      'shipped',
    );
    expect(first.ok && first.value.deltas).toEqual([
      { location: 'CHI-1', onHand: -3, committed: -3 },
      { location: 'NYC-1', onHand: -1, committed: -1 },
    ]);
    expect(first.ok && first.value.hold?.status).toBe('committed');
    const after = first.ok ? first.value.hold : undefined;
    const rest = decideHoldLifecycle(
      twoSites,
      { op: 'ship', holdId: 'h_7' },
      ctx({ hold: after }),
      'shipped',
    );
    expect(rest.ok && rest.value.deltas).toEqual([
      { location: 'NYC-1', onHand: -1, committed: -1 },
    ]);
    expect(rest.ok && rest.value.hold?.status).toBe('shipped');
  });

  it('refuses to ship more than is left, or more than is on hand', () => {
    const committed = hold({ status: 'committed', expiresAt: null });
    const over = decideHoldLifecycle(
      twoSites,
      { op: 'ship', holdId: 'h_7', quantity: 6 },
      ctx({ hold: committed }),
      's',
    );
    expect(over.ok ? '' : over.error.message).toBe(
      'SKU TEE-BLK-M: hold h_7 has 5 left to ship, cannot ship 6',
    );
    const bare = state({ 'CHI-1': { onHand: 1 }, 'NYC-1': { onHand: 4 } });
    const short = decideHoldLifecycle(
      bare,
      { op: 'ship', holdId: 'h_7' },
      ctx({ hold: committed }),
      's',
    );
    expect(short.ok ? null : short.error).toEqual({
      code: 'insufficient_stock',
      message: 'SKU TEE-BLK-M at CHI-1: cannot ship 3, on hand 1',
      details: { sku: 'TEE-BLK-M', location: 'CHI-1', requested: 3, onHand: 1 },
    });
  });

  it('cancels what a committed hold has not shipped', () => {
    const partly = hold({
      status: 'committed',
      allocations: [
        { location: 'CHI-1', quantity: 3, shipped: 3 },
        { location: 'NYC-1', quantity: 2, shipped: 0 },
      ],
    });
    const r = decideHoldLifecycle(
      twoSites,
      { op: 'cancel', holdId: 'h_7' },
      ctx({ hold: partly }),
      'c',
    );
    expect(r.ok && r.value.deltas).toEqual([
      { location: 'CHI-1', committed: -0 },
      { location: 'NYC-1', committed: -2 },
    ]);
  });

  it('answers hold_expired for an expired hold, invalid_state for another state, unknown_hold for none', () => {
    const expired = decideHoldLifecycle(
      twoSites,
      { op: 'commit', holdId: 'h_7' },
      ctx({ hold: hold({ status: 'expired' }) }),
      'c',
    );
    expect(expired.ok ? '' : expired.error.code).toBe('hold_expired');
    const shipped = decideHoldLifecycle(
      twoSites,
      { op: 'release', holdId: 'h_7' },
      ctx({ hold: hold({ status: 'shipped' }) }),
      'c',
    );
    expect(shipped.ok ? '' : shipped.error.message).toBe(
      'SKU TEE-BLK-M: hold h_7 is shipped; release needs a held hold',
    );
    const none = decideHoldLifecycle(twoSites, { op: 'release', holdId: 'h_9' }, ctx(), 'c');
    expect(none.ok ? '' : none.error.message).toBe('SKU TEE-BLK-M: no hold h_9');
  });
});

describe('decideReturn', () => {
  it('puts returned units back on hand, unavailable when they need inspecting', () => {
    const r = decideReturn(
      twoSites,
      { op: 'return', location: 'CHI-1', quantity: 2, disposition: 'inspect' },
      ctx(),
      'returned',
    );
    expect(r).toEqual({
      ok: true,
      value: { deltas: [{ location: 'CHI-1', onHand: 2, unavailable: 2 }], reason: 'returned' },
    });
  });

  it('refuses to return more of a hold than it shipped less what came back', () => {
    const shipped = hold({
      status: 'shipped',
      returned: 1,
      allocations: [{ location: 'CHI-1', quantity: 3, shipped: 3 }],
    });
    const ok = decideReturn(
      twoSites,
      { op: 'return', location: 'CHI-1', quantity: 2, holdId: 'h_7', disposition: 'restock' },
      ctx({ hold: shipped }),
      'r',
    );
    expect(ok.ok && ok.value.hold?.returned).toBe(3);
    const over = decideReturn(
      twoSites,
      { op: 'return', location: 'CHI-1', quantity: 3, holdId: 'h_7', disposition: 'restock' },
      ctx({ hold: shipped }),
      'r',
    );
    expect(over.ok ? '' : over.error.message).toBe(
      'SKU TEE-BLK-M: hold h_7 shipped 3 and had 1 returned, cannot return 3',
    );
  });
});

describe('expireHold', () => {
  it('takes back every reserved unit, merged per location, and ends the hold', () => {
    const h = hold({
      allocations: [
        { location: 'CHI-1', quantity: 3, shipped: 0 },
        { location: 'CHI-1', quantity: 1, shipped: 0 },
        { location: 'NYC-1', quantity: 2, shipped: 0 },
      ],
    });
    expect(expireHold(h, 70_000)).toEqual({
      deltas: [
        { location: 'CHI-1', reserved: -4 },
        { location: 'NYC-1', reserved: -2 },
      ],
      reason: 'hold_expired',
      hold: { ...h, status: 'expired', expiresAt: null, updatedAt: 70_000 },
    });
  });
});

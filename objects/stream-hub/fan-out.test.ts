import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules, StreamFilter } from '../../protocol/stream';
import type { SkuExposure } from './exposure';
import {
  type FanOutContext,
  type FanOutTarget,
  messageFor,
  newFanOutCache,
  render,
  updateMessage,
} from './fan-out';
import type { HubRow } from './view';

const rules: ListingRules = {
  code: 'web',
  locations: ['MAN'],
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-12-01T00:00:00.000Z',
};

const stock = (location: string, available: number): LocationStock => ({
  location,
  onHand: available,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
});

const row = (sku: string, seq: number, cursor: number, man: number, lon = 5): HubRow => ({
  sku,
  seq,
  at: '2026-12-02T00:00:00.000Z',
  cursor,
  locations: [stock('MAN', man), stock('LON', lon)],
});

/** A hub whose degraded channels expose `exposure` of every SKU now. */
const ctx = (exposure: SkuExposure = {}): FanOutContext => ({
  shard: 3,
  rules: (channel) => (channel === 'web' ? rules : undefined),
  exposed: (_sku, channel, then) =>
    Object.entries(then ?? exposure).reduce((n, [c, u]) => (c === channel ? n : n + u), 0),
});

const target = (filter: StreamFilter, over: Partial<FanOutTarget> = {}): FanOutTarget => ({
  filter,
  replay: null,
  since: 0,
  key: JSON.stringify(filter),
  filterKey: JSON.stringify(filter),
  ...over,
});

describe('fan-out', () => {
  it("renders a channel's listed quantity net of exposure, and skips a change it cannot see", () => {
    const web = { channel: 'web' };
    const change = { row: row('A', 2, 10, 8), previous: row('A', 1, 9, 8, 4) };
    // Only LON moved: the channel's view (MAN) did not; the whole SKU's did.
    expect(render(change, web, ctx())).toBeNull();
    expect(render(change, {}, ctx())?.seq).toBe(2);
    const moved = { row: row('A', 2, 10, 6), previous: row('A', 1, 9, 8) };
    expect(render(moved, web, ctx({ amazon: 2 }))?.listed).toEqual({
      channel: 'web',
      quantity: 4,
      rule: 'exposed',
    });
  });

  it('sends an exposure move to channel views whose listing it changes, and to no other', () => {
    const restamp = { row: row('A', 1, 11, 8), previous: row('A', 1, 10, 8), exposure: {} };
    expect(render(restamp, { channel: 'web' }, ctx({ amazon: 3 }))).toMatchObject({
      seq: 1,
      cursor: 11,
      listed: { quantity: 5, rule: 'exposed' },
    });
    expect(render(restamp, {}, ctx({ amazon: 3 }))).toBeNull();
    expect(render(restamp, { locations: ['MAN'] }, ctx({ amazon: 3 }))).toBeNull();
    // The exposure it saw was the same: nothing to send.
    const same = { ...restamp, exposure: { amazon: 3 } };
    expect(render(same, { channel: 'web' }, ctx({ amazon: 3 }))).toBeNull();
  });

  it("sends a degraded channel's move of locations to the channel views whose share it changed", () => {
    // The exposure map is the same before and after; web saw 0 of it taken off (no location in
    // common then) and now 3: it gets the row, a whole-SKU view does not.
    const moved = {
      row: row('A', 1, 11, 8),
      previous: row('A', 1, 10, 8),
      exposedBefore: { web: 0 },
    };
    expect(render(moved, { channel: 'web' }, ctx({ amazon: 3 }))).toMatchObject({
      seq: 1,
      cursor: 11,
      listed: { quantity: 5, rule: 'exposed' },
    });
    expect(render(moved, {}, ctx({ amazon: 3 }))).toBeNull();
    // Taken off as much before as now: nothing to send.
    const same = { ...moved, exposedBefore: { web: 3 } };
    expect(render(same, { channel: 'web' }, ctx({ amazon: 3 }))).toBeNull();
  });

  it('batches rows into one message, renders once per view and sends a socket live mid-batch what it lacks', () => {
    expect(updateMessage([], 3)).toBeNull();
    const changes = [
      { row: row('A', 2, 10, 1), previous: row('A', 1, 4, 2) },
      { row: row('B', 5, 11, 7), previous: undefined },
    ];
    const cache = newFanOutCache();
    const all = messageFor(target({}), changes, ctx(), cache);
    expect(JSON.parse(all ?? 'null')).toMatchObject({ type: 'updates', shard: 3, cursor: 11 });
    expect(messageFor(target({}), changes, ctx(), cache)).toBe(all);
    const onlyB = messageFor(target({ skus: ['B'] }), changes, ctx(), cache);
    expect(JSON.parse(onlyB ?? 'null')).toMatchObject({ type: 'update', sku: 'B', seq: 5 });
    const replaying = target({}, { replay: { from: 0, at: 0, redo: 'none', rulesFrom: null } });
    expect(messageFor(replaying, changes, ctx(), newFanOutCache())).toBeNull();
    const wentLive = messageFor(target({}, { since: 10 }), changes, ctx(), newFanOutCache());
    expect(JSON.parse(wentLive ?? 'null')).toMatchObject({ type: 'update', sku: 'B', cursor: 11 });
  });
});

import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { type ChannelRowsInput, type RowSource, readChannelRows, syncAck } from './channel-rows';
import type { HubRow } from './view';

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
const row = (sku: string, cursor: number, available: number): HubRow => ({
  sku,
  seq: cursor,
  at: '2026-11-22T00:00:00.000Z',
  cursor,
  locations: [stock('MAN-1', available), stock('LON-1', 100)],
});
const listing = (percentage = 100): ListingRules => ({
  code: 'web-uk',
  locations: ['MAN-1'],
  percentage,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-11-22T00:00:00.000Z',
});
const rows = [row('A', 1, 10), row('B', 2, 0), row('C', 4, 7)];
const hub = (over: Partial<RowSource> = {}): RowSource => ({
  head: 5,
  rules: { fromCursor: 0, rules: listing() },
  rowsAfter: (cursor, limit) => rows.filter((r) => r.cursor > cursor).slice(0, limit),
  owns: () => true,
  ...over,
});
const input = (over: Partial<ChannelRowsInput> = {}): ChannelRowsInput => ({
  channel: 'web-uk',
  after: 0,
  rules: null,
  limit: 100,
  ...over,
});

describe('reading a channel’s rows from a hub', () => {
  it('gives every row after the cursor with the channel’s listed quantity, then the head', () => {
    const page = readChannelRows(input(), hub());
    expect(page.rows.map((r) => [r.sku, r.listed])).toEqual([
      ['A', 10],
      ['B', 0],
      ['C', 7],
    ]);
    expect(page).toMatchObject({ after: 5, head: 5, rules: 0, rescan: false, more: false });
  });

  it('pages: the next read starts after the last row of a full page', () => {
    const first = readChannelRows(input({ limit: 2 }), hub());
    expect(first).toMatchObject({ after: 2, more: true });
    const second = readChannelRows(
      input({ after: first.after, rules: first.rules, limit: 2 }),
      hub(),
    );
    expect(second.rows.map((r) => r.sku)).toEqual(['C']);
    expect(second).toMatchObject({ after: 5, more: false });
  });

  it('rescans every row from the start when the rules changed since the reader’s rows', () => {
    const changed = hub({ rules: { fromCursor: 5, rules: listing(50) } });
    const page = readChannelRows(input({ after: 4, rules: 0 }), changed);
    expect(page.rescan).toBe(true);
    expect(page.rows.map((r) => [r.sku, r.listed])).toEqual([
      ['A', 5],
      ['B', 0],
      ['C', 3],
    ]);
    // Once read under the new rules, the reader goes on from its cursor.
    const next = readChannelRows(input({ after: page.after, rules: page.rules }), changed);
    expect(next).toMatchObject({ rows: [], rescan: false });
  });

  it('starts over when the cursor is past the head (the hub lost its storage)', () => {
    const page = readChannelRows(input({ after: 90, rules: 0 }), hub());
    expect(page.rescan).toBe(true);
    expect(page.rows).toHaveLength(3);
  });

  it('leaves out SKUs the hub no longer publishes', () => {
    const page = readChannelRows(input(), hub({ owns: (sku) => sku !== 'B' }));
    expect(page.rows.map((r) => r.sku)).toEqual(['A', 'C']);
  });

  it('reads nothing, and says so, when the hub has no rules for the channel', () => {
    const page = readChannelRows(input({ after: 3, rules: 0 }), hub({ rules: undefined }));
    expect(page).toEqual({ rows: [], head: 5, after: 3, rules: null, rescan: false, more: false });
  });
});

describe('a ChannelSync’s ack', () => {
  it('is kept under the channel-sync connector and never past the head', () => {
    expect(syncAck('web-uk', 12, 9, 1000)).toEqual({
      connector: 'channel-sync',
      channel: 'web-uk',
      role: 'connector',
      cursor: 9,
      ackedAt: 1000,
    });
  });
});

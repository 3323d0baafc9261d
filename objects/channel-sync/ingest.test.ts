import { describe, expect, it } from 'vitest';
import type { ChannelRows } from '../stream-hub/channel-rows';
import { ingestPage } from './ingest';
import { newItem } from './item';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const page = (rows: ChannelRows['rows'], rescan = false): ChannelRows => ({
  rows,
  head: 9,
  after: 9,
  rules: 0,
  rescan,
  more: false,
});
const row = (sku: string, listed: number, cursor: number, at = T0) => ({
  sku,
  seq: cursor,
  cursor,
  at: new Date(at).toISOString(),
  listed,
});

describe('taking in a page of rows', () => {
  it('adds a SKU first seen, as never pushed', () => {
    const [item] = ingestPage(0, page([row('A', 4, 3)]), () => undefined, T0 + 5, T0 - 1);
    expect(item).toEqual({ ...newItem('A', 0, 4, 3, T0), pushed: null });
  });

  it('updates a SKU whose listed quantity moved, and its cursor', () => {
    const known = { ...newItem('A', 0, 4, 3, T0), pushed: 4 };
    const [item] = ingestPage(0, page([row('A', 2, 7, T0 + 1)]), () => known, T0 + 5, 0);
    expect(item).toMatchObject({ listed: 2, cursor: 7, changedAt: T0 + 1, pushed: 4 });
  });

  it('leaves alone a SKU whose listed quantity did not move (no write)', () => {
    const known = newItem('A', 0, 4, 3, T0);
    expect(ingestPage(0, page([row('A', 4, 8)]), () => known, T0, 0)).toEqual([]);
  });

  it('counts a change older than the connection from the connection', () => {
    const [item] = ingestPage(0, page([row('A', 4, 3)]), () => undefined, T0 + 99, T0 + 50);
    expect(item?.changedAt).toBe(T0 + 50);
  });

  it('counts a change found by a rescan (a rules change) from now', () => {
    const known = newItem('A', 0, 4, 3, T0);
    const [item] = ingestPage(0, page([row('A', 2, 3)], true), () => known, T0 + 99, 0);
    expect(item?.changedAt).toBe(T0 + 99);
  });
});

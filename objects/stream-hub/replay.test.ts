import { describe, expect, it } from 'vitest';
import { beginReplay, replayAfterRulesChange, rowsToSend } from './replay';
import type { HubRow } from './view';

const row = (sku: string, cursor: number): HubRow => ({
  sku,
  seq: 1,
  at: '2026-11-22T00:00:00.000Z',
  cursor,
  locations: [],
});
const batch = [row('A', 1), row('B', 2), row('C', 3), row('D', 4)];
const all = () => true;
const skus = (rows: HubRow[]) => rows.map((r) => r.sku);

describe('where a replay starts', () => {
  it('is a full snapshot without a cursor', () => {
    expect(beginReplay(0, 0, 0)).toEqual({ from: 0, at: 0, redo: 'none', rulesFrom: null });
  });

  it('scans only after the cursor when the rules have not changed since', () => {
    expect(beginReplay(7, 3, 3)).toEqual({ from: 7, at: 7, redo: 'none', rulesFrom: null });
    expect(beginReplay(7, null, null)).toEqual({ from: 7, at: 7, redo: 'none', rulesFrom: null });
  });

  it('rescans from the start, comparing views, when the rules changed after the cursor', () => {
    expect(beginReplay(7, 9, 3)).toEqual({ from: 7, at: 0, redo: 'rules', rulesFrom: 3 });
  });

  it('sends everything again when the rules in force at the cursor are unknown', () => {
    expect(beginReplay(7, 9, null)).toEqual({ from: 7, at: 0, redo: 'all', rulesFrom: null });
  });
});

describe('a replay after a rules change', () => {
  it('compares every row up to the head for a live socket', () => {
    expect(replayAfterRulesChange(null, 12, 4)).toEqual({
      from: 12,
      at: 0,
      redo: 'rules',
      rulesFrom: 4,
    });
  });

  it('continues a plain replay from where it had scanned', () => {
    const replay = { from: 5, at: 9, redo: 'none' as const, rulesFrom: null };
    expect(replayAfterRulesChange(replay, 12, 4)).toEqual({
      from: 9,
      at: 0,
      redo: 'rules',
      rulesFrom: 4,
    });
  });

  it('sends everything again when a second change lands during a redo', () => {
    const replay = { from: 5, at: 3, redo: 'rules' as const, rulesFrom: 1 };
    expect(replayAfterRulesChange(replay, 12, 4)).toEqual({
      from: 5,
      at: 0,
      redo: 'all',
      rulesFrom: null,
    });
  });
});

describe('the rows a replay sends', () => {
  it('sends the rows after `from` that the filter wants', () => {
    const replay = { from: 2, at: 0, redo: 'none' as const, rulesFrom: null };
    expect(skus(rowsToSend(batch, replay, (r) => r.sku !== 'D', all))).toEqual(['C']);
  });

  it('adds the rows up to `from` whose view a rule change altered', () => {
    const replay = { from: 2, at: 0, redo: 'rules' as const, rulesFrom: 0 };
    expect(skus(rowsToSend(batch, replay, all, (r) => r.sku === 'A'))).toEqual(['A', 'C', 'D']);
  });

  it('sends every wanted row on a full redo', () => {
    const replay = { from: 4, at: 0, redo: 'all' as const, rulesFrom: null };
    expect(
      skus(
        rowsToSend(
          batch,
          replay,
          (r) => r.sku !== 'B',
          () => false,
        ),
      ),
    ).toEqual(['A', 'C', 'D']);
  });
});

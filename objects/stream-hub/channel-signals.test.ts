import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { judgeChannels } from './channel-signals';

const rules: ListingRules = {
  code: 'web',
  locations: ['MAN'],
  percentage: 100,
  buffer: 1,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-12-01T00:00:00.000Z',
};

const at = (available: number): LocationStock[] => [
  {
    location: 'MAN',
    onHand: available,
    reserved: 0,
    committed: 0,
    unavailable: 0,
    safetyStock: 0,
    incoming: 0,
    available,
    backordered: 0,
  },
];

/** Runs availables through the judge as the hub does: the previous row and the marks carried over. */
const run = (availables: number[], backInStock = 1) => {
  let out = false;
  let previous: LocationStock[] | undefined;
  const signals: string[] = [];
  availables.forEach((a, i) => {
    const v = judgeChannels({
      sku: 'TEE',
      seq: i + 1,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(a),
      previous,
      channels: [{ rules, backInStock }],
      isMarkedOut: () => out,
    });
    for (const [, mark] of v.marks) out = mark;
    signals.push(...v.events.map((e) => `${e.type}@${e.data.listed}`));
    previous = at(a);
  });
  return signals;
};

describe('channel signals', () => {
  it('raises out when listed reaches 0 (after the buffer) and back_in_stock when it is listed again', () => {
    expect(run([5, 2, 1, 0, 1, 2, 3])).toEqual(['out@0', 'back_in_stock@1']);
  });

  it('stays out until the back-in-stock threshold, however the quantity wavers under it', () => {
    const wavering = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 1 : 3));
    // Buffer 1: available 1 lists 0, 3 lists 2; back needs 3 listed.
    expect(run([10, ...wavering, 4], 3)).toEqual(['out@0', 'back_in_stock@3']);
    expect(run([10, ...wavering], 2)).toEqual(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'out@0' : 'back_in_stock@2')),
    );
  });

  it('counts what degraded channels still show as gone, as the listing does', () => {
    const v = judgeChannels({
      sku: 'TEE',
      seq: 3,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(4),
      previous: at(6),
      channels: [{ rules, backInStock: 1, exposed: 3 }],
      isMarkedOut: () => false,
    });
    // available 4, minus 3 exposed elsewhere, minus the buffer of 1: listed 0.
    expect(v.events.map((e) => [e.type, e.data.listed])).toEqual([['out', 0]]);
  });

  it('raises nothing on a first row, even at 0, and gives each signal a stable id', () => {
    expect(run([0, 0])).toEqual([]);
    // A SKU created with no stock anywhere (its first row has no locations) then received.
    const first = judgeChannels({
      sku: 'TEE',
      seq: 1,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(5),
      previous: [],
      channels: [{ rules, backInStock: 1 }],
      isMarkedOut: () => false,
    });
    expect(first).toEqual({ events: [], marks: [] });
    const v = judgeChannels({
      sku: 'TEE',
      seq: 9,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(0),
      previous: at(4),
      channels: [{ rules, backInStock: 1 }],
      isMarkedOut: () => false,
    });
    expect(v).toEqual({
      marks: [['web', true]],
      events: [
        {
          id: 'TEE:web:out:9',
          type: 'out',
          at: '2026-12-02T01:00:00.000Z',
          sku: 'TEE',
          channel: 'web',
          data: { listed: 0, threshold: 0, rule: 'listed 0 ≤ 0', seq: 9 },
        },
      ],
    });
  });
});

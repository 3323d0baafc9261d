import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import type { StockLevel } from '../signals/threshold';
import { type ChannelJudge, judgeChannels } from './channel-signals';

const rules: ListingRules = {
  code: 'web',
  locations: ['MAN'],
  percentage: 100,
  buffer: 1,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-12-01T00:00:00.000Z',
};

const rate = (ratePerDay: number) => ({
  ratePerDay,
  sigmaPerDay: 0,
  coverDays: null,
  stockoutAt: null,
});

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
const thresholds = (backInStock = 1, lowCoverDays: number | null = 5) => ({
  lowCoverDays,
  reorderPoint: null,
  band: 0.2,
  backInStock,
});

const run = (availables: number[], backInStock = 1) => {
  let level: StockLevel | undefined;
  let previous: LocationStock[] | undefined;
  const signals: string[] = [];
  availables.forEach((a, i) => {
    const v = judgeChannels({
      sku: 'TEE',
      seq: i + 1,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(a),
      previous,
      channels: [{ rules, thresholds: thresholds(backInStock) }],
      levelOf: () => level,
    });
    for (const [, mark] of v.marks) level = mark ?? undefined;
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
      channels: [{ rules, thresholds: thresholds(), exposed: 3 }],
      levelOf: () => undefined,
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
      channels: [{ rules, thresholds: thresholds() }],
      levelOf: () => undefined,
    });
    expect(first).toEqual({ events: [], marks: [] });
    const v = judgeChannels({
      sku: 'TEE',
      seq: 9,
      at: '2026-12-02T01:00:00.000Z',
      locations: at(0),
      previous: at(4),
      channels: [{ rules, thresholds: thresholds() }],
      levelOf: () => undefined,
    });
    expect(v).toEqual({
      marks: [['web', 'out']],
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

  it('raises low once per crossing of the cover threshold, however the quantity wavers', () => {
    // Buffer 1, 2 units a day at MAN: available 11 lists 10 (5 days, not low), 10 lists 9 (4.5).
    const withRate = (a: number) => at(a).map((l) => ({ ...l, demand: rate(2) }));
    let level: StockLevel | undefined;
    let previous: LocationStock[] | undefined;
    const seen: string[] = [];
    const feed = (a: number, seq: number) => {
      const v = judgeChannels({
        sku: 'TEE',
        seq,
        at: '2026-12-02T01:00:00.000Z',
        locations: withRate(a),
        previous,
        channels: [{ rules, thresholds: thresholds() }],
        levelOf: () => level,
      });
      for (const [, mark] of v.marks) level = mark ?? undefined;
      seen.push(...v.events.map((e) => `${e.type}@${e.data.listed}/${e.data.coverDays ?? '-'}`));
      previous = withRate(a);
    };
    feed(40, 1); // first reading: silent
    // 1,000 wobbles between 4.5 and 5.5 days of cover: in the band, one low only.
    for (let i = 0; i < 1000; i++) feed(i % 2 === 0 ? 10 : 12, i + 2);
    expect(seen).toEqual(['low@9/4.5']);
    feed(14, 2000); // 13 listed: 6.5 days, clear of 5 × 1.2: ok again, silently
    feed(10, 2001); // low again: the second real crossing
    feed(1, 2002); // out supersedes low
    feed(11, 2003); // back, and ok at 5 days
    feed(10, 2004); // low: the third crossing
    expect(seen).toEqual(['low@9/4.5', 'low@9/4.5', 'out@0/-', 'back_in_stock@10/-', 'low@9/4.5']);
  });

  it('judges a change of rules or exposure against the listing before it, with a tagged id', () => {
    const judge = (channel: Omit<ChannelJudge, 'thresholds'>, level?: StockLevel) =>
      judgeChannels({
        sku: 'TEE',
        seq: 7,
        at: '2026-12-02T01:00:00.000Z',
        locations: at(3),
        previous: at(3),
        channels: [{ ...channel, thresholds: thresholds() }],
        levelOf: () => level,
        tag: '@42',
      });
    // A buffer of 3 ends a listing of 2: out, once.
    const tighter = judge({ rules: { ...rules, buffer: 3 }, rulesBefore: rules });
    expect(tighter.events.map((e) => e.id)).toEqual(['TEE:web:out:7@42']);
    expect(judge({ rules: { ...rules, buffer: 3 } }, 'out').events).toEqual([]);
    // Exposure of 2 elsewhere going away lists 2 again: back in stock.
    const back = judge({ rules, exposed: 0, exposedBefore: 2 }, 'out');
    expect(back.events.map((e) => [e.id, e.data.listed])).toEqual([
      ['TEE:web:back_in_stock:7@42', 2],
    ]);
    expect(back.marks).toEqual([['web', null]]);
    // Nothing moved: nothing raised.
    expect(judge({ rules, exposed: 1, exposedBefore: 1 })).toEqual({ events: [], marks: [] });
  });
});

import { describe, expect, it } from 'vitest';
import type { StockEvent } from '../../protocol/stock';
import { LedgerFlusher } from './ledger-flush';

const event = (seq: number): StockEvent => ({
  sku: 'TEE-BLK-M',
  seq,
  type: 'receive',
  at: new Date(seq * 1000).toISOString(),
  actor: 'k',
  reason: 'receipt',
  ref: null,
  idempotencyKey: null,
  holdId: null,
  transferId: null,
  deltas: [],
  levels: [],
  totals: {
    onHand: 0,
    reserved: 0,
    committed: 0,
    unavailable: 0,
    safetyStock: 0,
    incoming: 0,
    available: 0,
    backordered: 0,
  },
});

/** An outbox of `count` events and a ledger that fails while `failing` is set. */
const outbox = (count: number) => {
  let kept = Array.from({ length: count }, (_, i) => event(i + 1));
  const world = {
    failing: false,
    written: [] as number[][],
    cursor: -1,
    ports: {
      eventsAfter: (seq: number, limit: number) => kept.filter((e) => e.seq > seq).slice(0, limit),
      write: async (events: readonly StockEvent[]) => {
        if (world.failing) throw new Error('D1 down');
        world.written.push(events.map((e) => e.seq));
      },
      saveCursor: (seq: number) => {
        world.cursor = seq;
      },
      pruneThrough: (seq: number) => {
        kept = kept.filter((e) => e.seq > seq);
      },
      eventTimeAfter: (seq: number) => kept.find((e) => e.seq > seq)?.seq ?? null,
    },
    kept: () => kept.length,
  };
  return world;
};

describe('LedgerFlusher', () => {
  it('sends 200 events a flush, moves its cursor and keeps the last 1,000 for reads', async () => {
    const w = outbox(1450);
    const f = new LedgerFlusher(w.ports, 0, () => 0.5);
    expect(await f.flush()).toEqual({ status: 'written', through: 200 });
    expect(w.written).toEqual([Array.from({ length: 200 }, (_, i) => i + 1)]);
    expect(w.cursor).toBe(200);
    expect(w.kept()).toBe(1450);
    for (let i = 0; i < 5; i++) await f.flush();
    expect(f.flushedSeq).toBe(1200);
    expect(w.kept()).toBe(1250);
    expect(f.behind(1450)).toBe(true);
    expect(await f.flush()).toEqual({ status: 'written', through: 1400 });
    expect(await f.flush()).toEqual({ status: 'written', through: 1450 });
    expect(f.behind(1450)).toBe(false);
    expect(await f.flush()).toEqual({ status: 'idle' });
    expect(w.kept()).toBe(1000);
  });

  it('backs off 0.5 s doubling while the ledger fails, changing nothing until a write succeeds', async () => {
    const w = outbox(3);
    const f = new LedgerFlusher(w.ports, 0, () => 0.5);
    w.failing = true;
    const failures = [await f.flush(), await f.flush(), await f.flush()];
    expect(failures.map((r) => (r.status === 'failed' ? [r.failures, r.retryInMs] : r))).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
    ]);
    expect(f.flushedSeq).toBe(0);
    expect(w.cursor).toBe(-1);
    w.failing = false;
    expect(await f.flush()).toEqual({ status: 'written', through: 3 });
  });

  it('reports its lag: the flushed seq and the time of the oldest event D1 lacks', async () => {
    const w = outbox(4);
    const f = new LedgerFlusher(w.ports, 2);
    expect(f.lag()).toEqual({ flushedSeq: 2, oldestUnflushedAt: '1970-01-01T00:00:00.003Z' });
    await f.flush();
    expect(f.lag()).toEqual({ flushedSeq: 4, oldestUnflushedAt: null });
  });
});

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { d1LedgerSink, type LedgerSink } from '../objects/sku-stock/ledger-sink';
import type { HistoryPage, MovementPage, ReconcileReport } from '../protocol/ledger';
import type { EventPage, StockEvent } from '../protocol/stock';
import { api } from './support/client';
import { type Catalog, catalog, post, sku } from './support/fixtures';

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.useRealTimers();
});

const stubOf = (code: string) => env.SkuStock.get(env.SkuStock.idFromName(code));

/** Lets the flush delay pass and runs each object's alarm until its outbox is in D1. */
const flush = async (codes: readonly string[]) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 1_000);
  for (const code of codes) {
    // Runs more than once: a flush sends at most one batch and asks for the next at once.
    for (let i = 0; i < 6; i++) await runDurableObjectAlarm(stubOf(code));
  }
  vi.useRealTimers();
};

const objectLog = async (code: string): Promise<StockEvent[]> => {
  const page = await api<EventPage>(`/v1/skus/${code}/events?limit=1000`);
  return page.body.events;
};
const ledgerLog = async (code: string) =>
  (await api<HistoryPage>(`/v1/skus/${code}/history?limit=1000`)).body.items;
const reconcileReport = async (skus: string[]) =>
  (await api<ReconcileReport>('/v1/admin/reconcile', { body: { skus } })).body;

/** A D1 binding that refuses batches while `down` is set, the way an outage looks from a Worker. */
const flakyD1 = (binding: D1Database) => {
  const state = { down: true, refused: 0 };
  const proxy = new Proxy(binding, {
    get(target, prop, receiver) {
      if (prop === 'batch' && state.down) {
        return async () => {
          state.refused++;
          throw new Error('D1_ERROR: Network connection lost.');
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { proxy, state };
};

const useSink = (code: string, sink: LedgerSink) =>
  runInDurableObject(stubOf(code), (instance) => {
    instance.ledger = sink;
  });

const burst = async (code: string) => {
  await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 30, ref: 'PO-9' });
  await post(`/v1/skus/${code}/transfers`, { from: cat.a, to: cat.b, quantity: 5 });
  await post(`/v1/skus/${code}/holds`, { quantity: 4, holdId: 'o1', locations: [cat.a] });
  await post(`/v1/skus/${code}/holds/o1/commit`, {});
  await post(`/v1/skus/${code}/holds/o1/ship`, { quantity: 3 });
  await post(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -2, reason: 'damaged' });
  await post(`/v1/skus/${code}/count`, { location: cat.a, onHand: 19 });
};

describe('the ledger', () => {
  it('equals every object log exactly after a burst over many SKUs, and reconciles with zero drift', async () => {
    const codes = await Promise.all(Array.from({ length: 8 }, () => sku()));
    await Promise.all(codes.map(burst));
    await flush(codes);
    for (const code of codes) {
      const fromObject = await objectLog(code);
      const fromLedger = (await ledgerLog(code)).map(({ id: _id, recordedAt: _r, ...e }) => e);
      expect(fromLedger).toEqual(fromObject);
      expect(fromLedger.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    const report = await reconcileReport(codes);
    expect(report).toMatchObject({
      checkedSkus: 8,
      lag: { skus: 0, events: 0 },
      drift: { skus: 0, items: [] },
    });
  });

  it('keeps accepting operations while D1 is down, reports the lag, and catches up with nothing lost or doubled', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    await flush([code]);
    const outage = flakyD1(env.DB);
    await useSink(code, d1LedgerSink(outage.proxy));
    for (let i = 0; i < 6; i++) await post(`/v1/skus/${code}/holds`, { quantity: 1 });
    await flush([code]);
    expect(outage.state.refused).toBeGreaterThan(0);
    expect((await ledgerLog(code)).map((e) => e.seq)).toEqual([1]);
    await stubOf(code).published();
    // Fresh: the keyed ledger view is otherwise shared for a few seconds per isolate.
    const health = (
      await api<{ status: string; ledger: { unflushedEvents: number; oldestUnflushedAt: string } }>(
        '/v1/health/ledger?fresh=true',
      )
    ).body;
    expect(health.ledger.unflushedEvents).toBeGreaterThanOrEqual(6);
    const during = await reconcileReport([code]);
    expect(during.lag).toMatchObject({
      skus: 1,
      events: 6,
      items: [{ sku: code, ledgerSeq: 1, seq: 7 }],
    });
    expect(during.drift.skus).toBe(0);

    outage.state.down = false;
    // The retry is due after its backoff; move past it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 120_000);
    for (let i = 0; i < 6; i++) await runDurableObjectAlarm(stubOf(code));
    vi.useRealTimers();
    expect((await ledgerLog(code)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await reconcileReport([code])).toMatchObject({ lag: { skus: 0 }, drift: { skus: 0 } });
    await stubOf(code).published();
    const after = (
      await api<{ ledger: { unflushedEvents: number } }>('/v1/health/ledger?fresh=true')
    ).body;
    expect(after.ledger.unflushedEvents).toBe(health.ledger.unflushedEvents - 6);
  });

  it('re-sends after a crash between the D1 write and the cursor without duplicating anything', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 3 });
    await post(`/v1/skus/${code}/adjust`, { location: cat.a, delta: 2 });
    const real = d1LedgerSink(env.DB);
    await useSink(code, {
      async write(events) {
        await real.write(events);
        throw new Error('the object died before it could record the cursor');
      },
    });
    await flush([code]);
    // The ledger has the events, the object does not know it: restart it and let it send again.
    await runInDurableObject(stubOf(code), (_i, state) => state.abort('crash')).catch(
      () => undefined,
    );
    await flush([code]);
    const rows = await env.DB.prepare(
      'SELECT seq, count(*) AS n FROM movements WHERE sku = ? GROUP BY seq ORDER BY seq',
    )
      .bind(code)
      .all<{ seq: number; n: number }>();
    expect(rows.results).toEqual([
      { seq: 1, n: 1 },
      { seq: 2, n: 1 },
    ]);
    const lines = await env.DB.prepare('SELECT count(*) AS n FROM movement_locations WHERE sku = ?')
      .bind(code)
      .first('n');
    expect(lines).toBe(2);
    const indexed = await env.DB.prepare(
      'SELECT count(*) AS n FROM location_movements WHERE movement_id IN (SELECT id FROM movements WHERE sku = ?)',
    )
      .bind(code)
      .first('n');
    expect(indexed).toBe(2);
    expect((await reconcileReport([code])).drift.skus).toBe(0);
  });

  it('indexes each location a movement touched once, and the migration indexes older movements', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 5 });
    await post(`/v1/skus/${code}/transfers`, { from: cat.a, to: cat.b, quantity: 2 });
    await flush([code]);
    const index = async () =>
      (
        await env.DB.prepare(
          'SELECT m.seq, lm.location, lm.at = m.at AS same FROM location_movements lm JOIN movements m ON m.id = lm.movement_id WHERE m.sku = ? ORDER BY m.seq, lm.location',
        )
          .bind(code)
          .all()
      ).results;
    const expected = [
      { seq: 1, location: cat.a, same: 1 },
      { seq: 2, location: cat.a, same: 1 },
      { seq: 2, location: cat.b, same: 1 },
    ].sort((x, y) => x.seq - y.seq || (x.location < y.location ? -1 : 1));
    expect(await index()).toEqual(expected);
    // Movements recorded before the index existed: the migration's backfill indexes them.
    await env.DB.prepare(
      'DELETE FROM location_movements WHERE movement_id IN (SELECT id FROM movements WHERE sku = ?)',
    )
      .bind(code)
      .run();
    const backfill = (env.TEST_MIGRATIONS ?? [])
      .find((m) => m.name.startsWith('0003_'))
      ?.queries.find((q) => q.startsWith('INSERT OR IGNORE INTO `location_movements`'));
    expect(backfill).toBeDefined();
    await env.DB.prepare(backfill ?? '').run();
    expect(await index()).toEqual(expected);
  });

  it('reports drift when the ledger and the counter disagree', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 3 });
    await flush([code]);
    await env.DB.prepare('UPDATE movement_locations SET on_hand = 4 WHERE sku = ?')
      .bind(code)
      .run();
    const report = await reconcileReport([code]);
    expect(report.drift).toEqual({
      skus: 1,
      items: [
        {
          sku: code,
          kind: 'level',
          message: `SKU ${code} at ${cat.a}: onHand is 4 in the ledger, 3 in the counter`,
        },
      ],
    });
  });

  it('pages one SKU history stably while writes continue', async () => {
    const code = await sku();
    for (let i = 0; i < 6; i++)
      await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 1 });
    await flush([code]);
    const first = (await api<HistoryPage>(`/v1/skus/${code}/history?limit=4`)).body;
    expect(first.items.map((e) => [e.seq, e.totals.onHand])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    for (let i = 0; i < 3; i++)
      await post(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -1 });
    await flush([code]);
    const second = (await api<HistoryPage>(`/v1/skus/${code}/history?limit=4&after=${first.next}`))
      .body;
    expect(second.items.map((e) => [e.seq, e.type, e.totals.onHand])).toEqual([
      [5, 'receive', 5],
      [6, 'receive', 6],
      [7, 'adjust', 5],
      [8, 'adjust', 4],
    ]);
    const third = (await api<HistoryPage>(`/v1/skus/${code}/history?limit=4&after=${second.next}`))
      .body;
    expect(third.items.map((e) => e.seq)).toEqual([9]);
    expect(third.next).toBeNull();
  });

  it('filters movements by SKU, location, type, reason, reference and time, and exports CSV', async () => {
    const code = await sku();
    const t0 = new Date().toISOString();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 9, ref: `PO-${code}` });
    await post(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 4 });
    await post(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -1, reason: 'shrinkage' });
    await flush([code]);
    const q = async (query: string) =>
      (await api<MovementPage>(`/v1/movements?sku=${code}&${query}`)).body.items.map((m) => m.seq);
    expect(await q(`location=${cat.a}`)).toEqual([1, 3]);
    expect(await q('type=receive')).toEqual([1, 2]);
    expect(await q('reason=shrinkage')).toEqual([3]);
    expect(await q(`ref=PO-${code}`)).toEqual([1]);
    expect(await q(`from=${t0}`)).toEqual([1, 2, 3]);
    expect(await q('to=2000-01-01T00:00:00Z')).toEqual([]);
    const paged = await api<MovementPage>(`/v1/movements?sku=${code}&limit=2`);
    expect(paged.body.items.map((m) => m.seq)).toEqual([1, 2]);
    const rest = await api<MovementPage>(
      `/v1/movements?sku=${code}&limit=2&cursor=${paged.body.next}`,
    );
    expect(rest.body.items.map((m) => m.seq)).toEqual([3]);
    expect(rest.body.next).toBeNull();

    const csv = await api<string>(`/v1/movements.csv?sku=${code}`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      'movement_id,sku,seq,at,type,reason,ref,actor,location,onHand_delta,reserved_delta,committed_delta,unavailable_delta,safetyStock_delta,incoming_delta,on_hand_after,available_after',
    );
    expect(
      lines[3]
        ?.split(',')
        .slice(1, 3)
        .concat(lines[3]?.split(',').slice(4, 10) ?? []),
    ).toEqual([code, '3', 'adjust', 'shrinkage', '', 'bootstrap', cat.a, '-1']);
  });
});

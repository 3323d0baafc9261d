import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { d1LedgerSink } from '../../objects/sku-stock/ledger-sink';
import type { HistoryPage } from '../../protocol/ledger';
import type { EventPage } from '../../protocol/stock';
import { api } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';
import { crash, drainAlarms, flag, hubRow, stubOf, takeOverAlarms } from './alarms';

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.useRealTimers();
});

const objectLog = async (code: string) =>
  (await api<EventPage>(`/v1/skus/${code}/events?limit=1000`)).body.events;
const ledgerLog = async (code: string) =>
  (await api<HistoryPage>(`/v1/skus/${code}/history?limit=1000`)).body.items.map(
    ({ id: _id, recordedAt: _r, ...e }) => e,
  );
const alarmOf = (code: string) =>
  runInDurableObject(stubOf(code), (_instance, state) => state.storage.getAlarm());

const writeSome = async (code: string) => {
  await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
  await post(`/v1/skus/${code}/transfers`, { from: cat.a, to: cat.b, quantity: 4 });
  await post(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -1 });
};

describe('the ledger after a crash in the middle of a flush', () => {
  it('keeps an alarm when the object dies while the flush awaits D1, and the alarm gets every event into D1', async () => {
    takeOverAlarms();
    const code = await sku();
    await writeSome(code);
    const entered = flag();
    await runInDurableObject(stubOf(code), (instance) => {
      // D1 never answers: the flush is stuck exactly where a kill would find it.
      instance.ledger = { write: () => entered.hang() };
    });
    vi.setSystemTime(Date.now() + 1_000);
    const stuck = runDurableObjectAlarm(stubOf(code)).catch(() => 'aborted');
    await entered.wait(code);
    await crash(code);
    expect(await stuck).toBe('aborted');

    expect(await alarmOf(code)).not.toBeNull();
    await drainAlarms(code);
    expect(await alarmOf(code)).toBeNull();
    const log = await objectLog(code);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await ledgerLog(code)).toEqual(log);
  });

  it('keeps an alarm when the object dies after the D1 write but before it saved the cursor, and nothing is doubled', async () => {
    takeOverAlarms();
    const code = await sku();
    await writeSome(code);
    const written = flag();
    await runInDurableObject(stubOf(code), (instance) => {
      const real = d1LedgerSink(env.DB);
      instance.ledger = {
        async write(events) {
          await real.write(events);
          await written.hang();
        },
      };
    });
    vi.setSystemTime(Date.now() + 1_000);
    const stuck = runDurableObjectAlarm(stubOf(code)).catch(() => 'aborted');
    await written.wait(code);
    await crash(code);
    await stuck;

    expect(await alarmOf(code)).not.toBeNull();
    await drainAlarms(code);
    const log = await objectLog(code);
    expect(await ledgerLog(code)).toEqual(log);
    const view = await stubOf(code).ledgerView(0);
    expect(view.ok && [view.value.seq, view.value.flushedSeq]).toEqual([3, 3]);
  });

  it('keeps an alarm when the object dies while the hub publish after a flush is in flight, and the hub catches up', async () => {
    takeOverAlarms();
    const code = await sku();
    await writeSome(code);
    const publishing = flag();
    await runInDurableObject(stubOf(code), (instance) => {
      // The flush reaches D1; the publish that tells the hub the ledger caught up never returns.
      instance.hub = () => publishing.hang();
    });
    vi.setSystemTime(Date.now() + 1_000);
    const stuck = runDurableObjectAlarm(stubOf(code)).catch(() => 'aborted');
    await publishing.wait(code);
    await crash(code);
    await stuck;

    expect(await alarmOf(code)).not.toBeNull();
    await drainAlarms(code);
    expect(await hubRow(code)).toEqual({ seq: 3, flushed: 3 });
    expect((await ledgerLog(code)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

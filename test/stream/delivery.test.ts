import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UpdateEvent } from '../../client';
import { shardOf } from '../../protocol/shard';
import type { SkuUpdate } from '../../protocol/sku-update';
import { streamHub } from '../../shared/stubs';
import { uniq } from '../support/client';
import { location } from '../support/fixtures';
import { collect, is, openSocket, publish, SHARDS, skuUpdate, testClient } from './support';

const updates = (events: { type: string }[]) =>
  events.filter((e): e is UpdateEvent => e.type === 'update');

/** Each SKU's seqs in the order the subscriber received them. */
const seqsBySku = (events: { type: string }[]) => {
  const by = new Map<string, number[]>();
  for (const u of updates(events)) by.set(u.sku, [...(by.get(u.sku) ?? []), u.seq]);
  return by;
};

const hasSeen = (events: { type: string }[], last: Map<string, number>) => {
  const seen = seqsBySku(events);
  return [...last].every(([sku, seq]) => seen.get(sku)?.includes(seq));
};

/** Publishes like SkuStock: retried until a hub (restarting or not) takes it. */
const publishRetrying = async (u: SkuUpdate) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await publish(u);
    } catch (error) {
      if (attempt === 20) throw error;
    }
  }
};

const skusOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** SKU codes that all hash to one shard. */
const skusOnShard = (shard: number, n: number) => {
  const prefix = uniq('PAGE');
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    if (shardOf(`${prefix}-${i}`, SHARDS) === shard) out.push(`${prefix}-${i}`);
  }
  return { prefix, skus: out };
};

describe('stream delivery', () => {
  it('delivers every change of its filter exactly once, in seq order per SKU', async () => {
    const prefix = uniq('ONCE');
    const skus = skusOf(prefix, 8);
    const stream = testClient().stream({ prefix });
    await collect(stream, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    const last = new Map(skus.map((s) => [s, 5]));
    const received = collect(stream, (e) => hasSeen(e, last));
    for (let seq = 1; seq <= 5; seq++) {
      for (const sku of skus) await publish(skuUpdate(sku, seq, { A: seq }));
    }
    const bySku = seqsBySku(await received);
    for (const sku of skus) expect(bySku.get(sku)).toEqual([1, 2, 3, 4, 5]);
    stream.close();
  });

  it('ignores an update whose seq is not newer than the one the hub has', async () => {
    const sku = uniq('OLD');
    await publish(skuUpdate(sku, 3, { A: 3 }));
    await publish(skuUpdate(sku, 2, { A: 2 }));
    await publish(skuUpdate(sku, 3, { A: 9 }));
    const s = await openSocket(`skus=${sku}`);
    const page = await s.waitFor(is('snapshot'));
    expect(page.rows).toMatchObject([{ sku, seq: 3, locations: [{ available: 3 }] }]);
    s.ws.close();
  });

  it('keeps seq order with no duplicates across a hub restart in the middle of a burst', async () => {
    const prefix = uniq('BURST');
    const skus = skusOf(prefix, 12);
    const stream = testClient().stream({ prefix });
    await collect(stream, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    const last = new Map(skus.map((s) => [s, 6]));
    const received = collect(stream, (e) => hasSeen(e, last));
    for (let seq = 1; seq <= 6; seq++) {
      if (seq === 4) {
        // Every hub restarts (a deploy): its sockets drop, its SQLite stays.
        for (let shard = 0; shard < SHARDS; shard++) {
          const aborted = runInDurableObject(streamHub(env, shard), (_, state) =>
            state.abort('restart'),
          );
          await expect(aborted).rejects.toThrow('restart');
        }
      }
      for (const sku of skus) await publishRetrying(skuUpdate(sku, seq, { A: seq }));
    }
    const events = await received;
    expect(events.some((e) => e.type === 'reconnecting')).toBe(true);
    for (const [sku, seqs] of seqsBySku(events)) {
      expect(seqs, sku).toEqual([...new Set(seqs)].sort((x, y) => x - y));
      expect(seqs.at(-1), sku).toBe(6);
    }
    stream.close();
  });

  it('resumes from its cursors with only what changed since, on every shard', async () => {
    const prefix = uniq('RESUME');
    const skus = skusOf(prefix, 10);
    for (const sku of skus) await publish(skuUpdate(sku, 1, { A: 1 }));
    const first = testClient().stream({ prefix });
    const snapshot = await collect(first, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    expect(
      updates(snapshot)
        .map((u) => u.sku)
        .sort(),
    ).toEqual([...skus].sort());
    const cursors = first.cursors();
    first.close();

    const changed = skus.slice(0, 3);
    for (const sku of changed) {
      await publish(skuUpdate(sku, 2, { A: 2 }));
      await publish(skuUpdate(sku, 3, { A: 3 }));
    }
    const again = testClient().stream({ prefix, cursor: cursors });
    const replay = await collect(again, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    expect(
      updates(replay)
        .map((u) => [u.sku, u.seq, u.replay])
        .sort(),
    ).toEqual(changed.map((sku) => [sku, 3, true]).sort());
    again.close();
  });

  it('pages a snapshot and sends it at the pace the subscriber confirms', async () => {
    const { prefix, skus } = skusOnShard(1, 450);
    await Promise.all(skus.map((sku) => publish(skuUpdate(sku, 1, { A: 1 }))));
    const s = await openSocket(`shard=1&prefix=${prefix}`);
    const pages = () => s.messages.filter(is('snapshot'));
    await s.until(() => (pages().length === 4 ? true : undefined), 'four pages');
    // Four pages are out; nothing more until the subscriber confirms them.
    await publish(skuUpdate(uniq('NUDGE'), 1, { A: 1 }));
    expect(pages()).toHaveLength(4);
    const sent = s.messages.length;
    s.send({ type: 'received', count: sent, cursor: 0 });
    const done = await s.waitFor(is('caught-up'));
    const rows = pages().flatMap((m) => m.rows);
    expect(rows.length).toBe(450);
    expect(new Set(rows.map((r) => r.sku)).size).toBe(450);
    expect(rows.every((r) => r.cursor <= done.cursor)).toBe(true);
    s.ws.close();
  });
});

describe('changes folded into one fan-out', () => {
  it('sends a whole-SKU subscriber the newest seq even when the quantities came back to where they were', async () => {
    const [a, b] = [await location(), await location()];
    const sku = uniq('FOLD');
    const shard = shardOf(sku, SHARDS);
    await publish(skuUpdate(sku, 1, { [a]: 5, [b]: 1 }));
    const whole = await openSocket(`shard=${shard}&skus=${sku}`, { confirm: true });
    const narrow = await openSocket(`shard=${shard}&skus=${sku}&locations=${a}`, { confirm: true });
    await Promise.all([whole, narrow].map((s) => s.waitFor(is('caught-up'))));
    // A hold and its release arriving together: one batch whose end state equals its start.
    // Both inside one turn of the hub, so no fan-out runs between them.
    await runInDurableObject(streamHub(env, shard), async (hub) => {
      await hub.publish(skuUpdate(sku, 2, { [a]: 4, [b]: 1 }));
      await hub.publish(skuUpdate(sku, 3, { [a]: 5, [b]: 1 }));
    });
    await publish(skuUpdate(sku, 4, { [a]: 5, [b]: 0 }));
    const last = await whole.waitFor(is('update', (m) => m.seq === 4));
    expect(last.locations.map((l) => l.available)).toEqual([5, 0]);
    expect(whole.messages.filter(is('update')).at(-2)?.seq).toBe(3);
    // The narrow view (A only) never changed at seq 4, and saw at most the fold's net change.
    await new Promise((r) => setTimeout(r, 50));
    expect(narrow.messages.filter(is('update')).every((m) => m.seq <= 3)).toBe(true);
    for (const s of [whole, narrow]) s.ws.close();
  });
});

describe('a hub whose clock steps back', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('still sends the next change at once (the fan-out gap is never longer than its cap)', async () => {
    const sku = uniq('CLOCK');
    const shard = shardOf(sku, SHARDS);
    await publish(skuUpdate(sku, 1, { A: 5 }));
    const socket = await openSocket(`shard=${shard}&skus=${sku}`, { confirm: true });
    await socket.waitFor(is('caught-up'));
    // A fan-out under a clock a year ahead (tests fake it; a machine's clock can be corrected)...
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
    await publish(skuUpdate(sku, 2, { A: 4 }));
    expect((await socket.waitFor(is('update', (m) => m.seq === 2))).seq).toBe(2);
    // ...then the clock comes back: the next change must not wait for the year to pass.
    vi.useRealTimers();
    await publish(skuUpdate(sku, 3, { A: 3 }));
    const update = await socket.waitFor(is('update', (m) => m.seq === 3));
    expect(update.locations.map((l) => l.available)).toEqual([3]);
    socket.ws.close();
  });
});

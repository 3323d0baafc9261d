import { describe, expect, it } from 'vitest';
import { shardOf } from '../../protocol/shard';
import { api, uniq } from '../support/client';
import { channel, location } from '../support/fixtures';
import { is, openSocket, publish, SHARDS, skuUpdate, testClient } from './support';

const patchChannel = async (code: string, patch: Record<string, unknown>) => {
  const res = await api(`/v1/channels/${code}`, { method: 'PATCH', body: patch });
  expect(res.status).toBe(200);
};

describe('stream flow control', () => {
  for (const unconfirmed of [2, 3, 4, 9]) {
    it(`re-sends a rule change to a subscriber with ${unconfirmed} unconfirmed live messages, then streams live`, async () => {
      const a = await location();
      const code = await channel([a], { percentage: 50 });
      const sku = uniq('STALL');
      await publish(skuUpdate(sku, 1, { [a]: 10 }));
      const s = await openSocket(`shard=${shardOf(sku, SHARDS)}&channel=${code}&skus=${sku}`, {
        confirm: true,
      });
      await s.waitFor(is('caught-up'));
      // Live updates the subscriber has read but, below confirmEvery, need not confirm yet.
      for (let seq = 2; seq < 2 + unconfirmed; seq++) {
        await publish(skuUpdate(sku, seq, { [a]: 10 + seq }));
        await s.waitFor(is('update', (m) => m.seq === seq));
      }
      const last = 1 + unconfirmed;
      await patchChannel(code, { percentage: 100 });
      const page = await s.waitFor(
        is('snapshot', (m) => m.rows.some((r) => r.listed?.rule === 'available')),
        'the re-sent listed quantity',
      );
      expect(page.rows).toMatchObject([
        { sku, seq: last, listed: { channel: code, quantity: 10 + last, rule: 'available' } },
      ]);
      await publish(skuUpdate(sku, last + 1, { [a]: 3 }));
      const live = await s.waitFor(
        is('update', (m) => m.seq === last + 1),
        'the next update',
      );
      expect(live.listed).toMatchObject({ quantity: 3, rule: 'available' });
      s.ws.close();
    });
  }
});

/** SKU codes under one prefix that all hash to one shard. */
const skusOnShard = (prefix: string, shard: number, n: number) => {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    if (shardOf(`${prefix}-${i}`, SHARDS) === shard) out.push(`${prefix}-${i}`);
  }
  return out;
};

describe('a connector that acknowledges as the README shows', () => {
  it('gets its whole snapshot and then live updates while it acks after every event', async () => {
    const a = await location();
    const code = await channel([a]);
    const prefix = uniq('ACKLOOP');
    const shard = 0;
    // More rows than the hub sends without confirmations (4 pages of 100).
    const skus = skusOnShard(prefix, shard, 650);
    await Promise.all(skus.map((sku) => publish(skuUpdate(sku, 1, { [a]: 5 }))));
    const stream = testClient().stream({ channel: code, prefix, shards: [shard] });
    const seen = new Set<string>();
    let lags = 0;
    let events = 0;
    const loop = (async () => {
      for await (const e of stream) {
        events++;
        if (e.type === 'update') {
          seen.add(`${e.sku}@${e.seq}`);
          if (e.sku === skus[0] && e.seq === 2) return e;
        }
        if (e.type === 'lag') lags++;
        if (e.type === 'caught-up' && e.all) {
          await publish(skuUpdate(skus[0] ?? '', 2, { [a]: 1 }));
        }
        stream.ack();
      }
      return undefined;
    })();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(new Error(`stalled: ${seen.size} rows, ${lags} lag replies, ${events} events`)),
        10_000,
      ),
    );
    const live = await Promise.race([loop, timeout]).finally(() => stream.close());
    expect(live).toMatchObject({ sku: skus[0], seq: 2, listed: { quantity: 1 } });
    expect(skus.every((sku) => seen.has(`${sku}@1`))).toBe(true);
    // Acknowledgements are coalesced: far fewer lag replies than events.
    expect(lags).toBeLessThan(events / 10);
    stream.close();
    // Acknowledging a closed stream is a no-op.
    stream.ack();
  });

  it('answers a plain client that acks after every message without an ack-lag loop', async () => {
    const a = await location();
    const code = await channel([a]);
    const sku = uniq('ACKRAW');
    await publish(skuUpdate(sku, 1, { [a]: 5 }));
    const s = await openSocket(`shard=${shardOf(sku, SHARDS)}&channel=${code}&skus=${sku}`, {
      confirm: true,
    });
    let last = 0;
    s.ws.addEventListener('message', (e) => {
      const m = JSON.parse(String(e.data)) as { cursor?: number; acked?: number };
      last = Math.max(last, m.cursor ?? m.acked ?? 0);
      s.send({ type: 'ack', cursor: last });
    });
    await s.waitFor(is('caught-up'));
    await publish(skuUpdate(sku, 2, { [a]: 4 }));
    await s.waitFor(is('update', (m) => m.seq === 2));
    await s.waitFor(is('lag', (m) => m.behind === 0));
    // Let any loop run for a while, then count: one lag reply per new cursor, not one per ack.
    await new Promise((r) => setTimeout(r, 300));
    const lags = s.messages.filter(is('lag')).length;
    expect(lags).toBeLessThanOrEqual(4);
    s.ws.close();
  });
});

import { describe, expect, it } from 'vitest';
import { shardOf } from '../../protocol/shard';
import type { ChannelLag } from '../../protocol/stream';
import { api, createKey, uniq } from '../support/client';
import { channel, location } from '../support/fixtures';
import { is, openSocket, publish, SHARDS, skuUpdate } from './support';

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

describe('connector lag', () => {
  it('reports how far a connector that stopped acknowledging is behind, in cursor and seconds', async () => {
    const where = await location();
    const code = await channel([where]);
    const connector = await createKey('connector', { channels: [code] });
    const sku = uniq('LAG');
    const shard = shardOf(sku, SHARDS);
    const s = await openSocket(`shard=${shard}&skus=${sku}`, { key: connector });
    await s.waitFor(is('caught-up'));

    await publish(skuUpdate(sku, 1, { [where]: 5 }, ago(300)));
    const first = await s.waitFor(is('update'));
    s.send({ type: 'ack', cursor: first.cursor });
    expect(await s.waitFor(is('lag'))).toMatchObject({
      acked: first.cursor,
      behind: 0,
      lagSeconds: 0,
    });

    // It keeps reading but stops acknowledging.
    await publish(skuUpdate(sku, 2, { [where]: 4 }, ago(90)));
    await publish(skuUpdate(sku, 3, { [where]: 3 }, ago(60)));
    await s.waitFor(is('update', (m) => m.seq === 3));

    const res = await api<ChannelLag>(`/v1/channels/${code}/lag`, { key: connector });
    expect(res.status).toBe(200);
    const [lag] = res.body.connectors;
    expect(lag).toMatchObject({ role: 'connector', connected: true, behind: 2, pendingSkus: 1 });
    expect(lag?.lagSeconds).toBeGreaterThanOrEqual(59);
    expect(lag?.lagSeconds).toBeLessThan(120);
    expect(lag?.shards).toMatchObject([{ shard, acked: first.cursor, head: first.cursor + 2 }]);

    s.send({ type: 'ack', cursor: first.cursor + 2 });
    expect(await s.waitFor(is('lag', (m) => m.acked > first.cursor))).toMatchObject({ behind: 0 });
    const after = await api<ChannelLag>(`/v1/channels/${code}/lag`);
    expect(after.body.connectors[0]).toMatchObject({ behind: 0, lagSeconds: 0, pendingSkus: 0 });
    s.ws.close();
  });

  it('lists a connector that never acknowledged as behind from the start of its snapshot', async () => {
    const code = await channel([await location()]);
    const connector = await createKey('connector', { channels: [code] });
    const sku = uniq('NOACK');
    const shard = shardOf(sku, SHARDS);
    await publish(skuUpdate(sku, 1, { A: 1 }));
    const s = await openSocket(`shard=${shard}&skus=${sku}`, { key: connector });
    await s.waitFor(is('caught-up'));
    const res = await api<ChannelLag>(`/v1/channels/${code}/lag`);
    expect(res.body.connectors[0]).toMatchObject({ lastAckAt: null, connected: true });
    expect(res.body.connectors[0]?.behind).toBeGreaterThan(0);
    s.ws.close();
  });

  it('refuses a connector the lag of another channel', async () => {
    const [mine, theirs] = [await channel([await location()]), await channel([await location()])];
    const connector = await createKey('connector', { channels: [mine] });
    const res = await api<{ error: { code: string } }>(`/v1/channels/${theirs}/lag`, {
      key: connector,
    });
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
  });
});

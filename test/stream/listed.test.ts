import { beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../protocol/shard';
import { api, createKey, uniq } from '../support/client';
import { channel, location } from '../support/fixtures';
import { is, openSocket, publish, SHARDS, skuUpdate } from './support';

let a: string;
let b: string;
let outside: string;
beforeAll(async () => {
  [a, b, outside] = [await location(), await location(), await location()];
});

const patchChannel = async (code: string, patch: Record<string, unknown>) => {
  const res = await api(`/v1/channels/${code}`, { method: 'PATCH', body: patch });
  expect(res.status).toBe(200);
};

describe("a channel's listed quantity on the stream", () => {
  it('follows the channel rules and shows only its locations', async () => {
    const code = await channel([a, b], { percentage: 50, buffer: 1, maxListed: 5, endWhen: 2 });
    const connector = await createKey('connector', { channels: [code] });
    const sku = uniq('LST');
    const s = await openSocket(`skus=${sku}`, { key: connector });
    await s.waitFor(is('caught-up'));
    const cases: [Record<string, number>, number, string][] = [
      [{ [a]: 10, [b]: 5, [outside]: 100 }, 5, 'max'], // 15 → 50% 7 → buffer 6 → cap 5
      [{ [a]: 6, [b]: 4, [outside]: 100 }, 4, 'buffer'], // 10 → 5 → 4
      [{ [a]: 5, [b]: 2, [outside]: 100 }, 0, 'end-when'], // 7 → 3 → 2 ≤ endWhen 2
      [{ [a]: -3, [b]: 9, [outside]: 0 }, 3, 'buffer'], // overdrawn a counts 0: 9 → 4 → 3
    ];
    for (const [seq, [stock]] of cases.entries()) await publish(skuUpdate(sku, seq + 1, stock));
    await s.waitFor(is('update', (m) => m.seq === cases.length));
    const seen = s.messages.filter(is('update'));
    expect(seen.map((m) => [m.listed?.quantity, m.listed?.rule])).toEqual(
      cases.map(([, quantity, rule]) => [quantity, rule]),
    );
    expect(seen.every((m) => m.locations.every((l) => [a, b].includes(l.location)))).toBe(true);
    expect(seen[0]?.listed?.channel).toBe(code);
    s.ws.close();
  });

  it('re-emits the listed quantities a rule change alters, and only those', async () => {
    const code = await channel([a], { percentage: 50 });
    const [changes, stays] = [uniq('RULE'), uniq('RULE')];
    const s = await openSocket(
      `shard=${shardOf(changes, SHARDS)}&channel=${code}&prefix=${changes.slice(0, 4)}`,
    );
    const t = await openSocket(`shard=${shardOf(stays, SHARDS)}&channel=${code}&skus=${stays}`);
    await Promise.all([s, t].map((x) => x.waitFor(is('caught-up'))));
    await publish(skuUpdate(changes, 1, { [a]: 9 }));
    await publish(skuUpdate(stays, 1, { [a]: 0 }));
    expect((await s.waitFor(is('update', (m) => m.sku === changes))).listed?.quantity).toBe(4);
    await t.waitFor(is('update', (m) => m.sku === stays));
    const before = [s.messages.length, t.messages.length];

    await patchChannel(code, { percentage: 100 });
    const page = await s.waitFor(is('snapshot', (m) => m.rows.some((r) => r.sku === changes)));
    expect(page.rows.find((r) => r.sku === changes)).toMatchObject({
      seq: 1,
      listed: { channel: code, quantity: 9, rule: 'available' },
    });
    await t.waitFor(is('caught-up', () => t.messages.length > (before[1] ?? 0)));
    // `stays` lists 0 under both rules: nothing to re-send, only the end of the (empty) replay.
    expect(t.messages.slice(before[1]).map((m) => m.type)).toEqual(['caught-up']);

    await publish(skuUpdate(changes, 2, { [a]: 7 }));
    const live = await s.waitFor(is('update', (m) => m.seq === 2));
    expect(live.listed).toMatchObject({ quantity: 7, rule: 'available' });
    for (const x of [s, t]) x.ws.close();
  });

  it('sends a subscriber resuming from before a rule change the quantities it altered', async () => {
    const code = await channel([a], { buffer: 3 });
    const sku = uniq('RESUME');
    const shard = shardOf(sku, SHARDS);
    await publish(skuUpdate(sku, 1, { [a]: 10 }));
    const first = await openSocket(`shard=${shard}&channel=${code}&skus=${sku}`);
    const caughtUp = await first.waitFor(is('caught-up'));
    expect(first.messages.filter(is('snapshot'))[0]?.rows[0]?.listed?.quantity).toBe(7);
    first.ws.close();

    await patchChannel(code, { buffer: 1 });
    const again = await openSocket(
      `shard=${shard}&channel=${code}&skus=${sku}&cursor=${shard}:${caughtUp.cursor}`,
    );
    const page = await again.waitFor(is('snapshot'));
    expect(page.rows).toMatchObject([{ sku, seq: 1, listed: { quantity: 9, rule: 'buffer' } }]);
    again.ws.close();
  });
});

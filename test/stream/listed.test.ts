import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StreamHub } from '../../objects/StreamHub';
import { shardOf } from '../../protocol/shard';
import type { SignalEvent } from '../../protocol/webhooks';
import { streamHub } from '../../shared/stubs';
import { api, createKey, uniq } from '../support/client';
import { channel, location } from '../support/fixtures';
import { is, openSocket, publish, SHARDS, skuUpdate } from './support';

let a: string;
let b: string;
let outside: string;
beforeAll(async () => {
  [a, b, outside] = [await location(), await location(), await location()];
});

/** The SKU's hub, with its channel signals caught in `signals` instead of delivered. */
const hubCatching = async (sku: string) => {
  const hub = streamHub(env, shardOf(sku, SHARDS));
  const signals: SignalEvent[] = [];
  await runInDurableObject(hub, (h: StreamHub) => {
    h.signalSink = async (events) => void signals.push(...events.filter((e) => e.sku === sku));
  });
  /** Every signal raised so far for these channels, once the outbox is empty (by id: a signal
   * the runtime's own alarm and this one both sent counts once, as receivers take it). */
  const raised = async (channels: string[]) => {
    for (let waiting = 1, tries = 0; waiting > 0 && tries < 100; tries++) {
      await runDurableObjectAlarm(hub);
      waiting = await runInDurableObject(hub, (_h: StreamHub, state) => {
        return [...state.storage.kv.list({ prefix: 'stockmesh:signal-outbox:', limit: 1 })].length;
      });
    }
    const once = new Map(signals.map((e) => [e.id, e]));
    return [...once.values()]
      .filter((e) => e.channel !== undefined && channels.includes(e.channel))
      .map((e) => `${e.type} ${e.channel} ${e.data.listed}`);
  };
  return { hub, raised };
};

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

  it("lists what degraded channels' marketplaces may still sell, live and in replay, as the sync pushes it, on channels sharing their locations only", async () => {
    const degraded = await channel([a]);
    const sharing = await channel([a, b]);
    const apart = await channel([b]);
    const sku = uniq('EXP');
    const shard = shardOf(sku, SHARDS);
    const { hub, raised } = await hubCatching(sku);
    await publish(skuUpdate(sku, 1, { [a]: 4, [b]: 5 }));
    const socket = (code?: string, cursor = '') =>
      openSocket(`shard=${shard}${code ? `&channel=${code}` : ''}&skus=${sku}${cursor}`);
    const [live, other, whole] = [await socket(sharing), await socket(apart), await socket()];
    const caughtUp = await live.waitFor(is('caught-up'));
    await Promise.all([other, whole].map((x) => x.waitFor(is('caught-up'))));

    // The degraded channel's marketplace still shows all 9: the sharing channel lists 0.
    expect(await hub.setExposure(degraded, { [sku]: 9 })).toBe(1);
    const ended = await live.waitFor(is('update'));
    expect(ended).toMatchObject({
      seq: 1,
      listed: { channel: sharing, quantity: 0, rule: 'exposed' },
    });
    const read = await hub.channelRows({ channel: sharing, after: 0, rules: null, limit: 1000 });
    expect(read.rows.find((r) => r.sku === sku)?.listed).toBe(0);
    const fresh = await socket(sharing);
    const resumed = await socket(sharing, `&cursor=${shard}:${caughtUp.cursor}`);
    for (const x of [fresh, resumed]) {
      const page = await x.waitFor(is('snapshot'));
      expect(page.rows.map((r) => r.listed)).toEqual([
        { channel: sharing, quantity: 0, rule: 'exposed' },
      ]);
    }

    // A sale of 4 at b leaves 5 units, all still exposed: the sharing channel lists 0 until the
    // degraded channel recovers.
    await publish(skuUpdate(sku, 2, { [a]: 4, [b]: 1 }));
    await whole.waitFor(is('update', (m) => m.seq === 2));
    await other.waitFor(is('update', (m) => m.seq === 2));

    // The degraded channel moves to b: the channel apart now shares its location and lists
    // 1 - 9 -> 0 at once (a sync reading after its cursor gets the row again); moved back to a,
    // it lists 1 again. The sharing channel shares either way and moves nothing.
    const before = await hub.channelRows({ channel: apart, after: 0, rules: null, limit: 1000 });
    expect(before.rows.find((r) => r.sku === sku)?.listed).toBe(1);
    await patchChannel(degraded, { locations: [b] });
    const readAfter = (read: { after: number; rules: number | null }) => ({
      channel: apart,
      after: read.after,
      rules: read.rules,
      limit: 1000,
    });
    const moved = await hub.channelRows(readAfter(before));
    expect(moved.rescan).toBe(false);
    expect(moved.rows.filter((r) => r.sku === sku).map((r) => r.listed)).toEqual([0]);
    await other.waitFor(is('update', (m) => m.listed?.quantity === 0));
    await patchChannel(degraded, { locations: [a] });
    const movedBack = await hub.channelRows(readAfter(moved));
    expect(movedBack.rows.filter((r) => r.sku === sku).map((r) => r.listed)).toEqual([1]);
    await other.waitFor(is('update', (m) => m.seq === 2 && m.listed?.quantity === 1));
    await hub.setExposure(degraded, null);
    const back = await live.waitFor(is('update', (m) => m.listed?.quantity === 5));
    expect(back).toMatchObject({ seq: 2, listed: { quantity: 5, rule: 'available' } });
    // The channel apart from the degraded one's locations saw exposure only while it shared b;
    // a whole-SKU subscriber got each new seq once and no restamp.
    expect(other.messages.filter(is('update')).map((m) => [m.seq, m.listed?.quantity])).toEqual([
      [2, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(whole.messages.filter(is('update')).map((m) => m.seq)).toEqual([2]);
    expect(live.messages.filter(is('update')).map((m) => [m.seq, m.listed?.quantity])).toEqual([
      [1, 0],
      [2, 0],
      [2, 5],
    ]);
    // Exposure ending and restoring a listing raised one signal each, the move to b and back
    // too; stock moved nothing else.
    expect(await raised([degraded, sharing, apart])).toEqual([
      `out ${sharing} 0`,
      `out ${apart} 0`,
      `back_in_stock ${apart} 1`,
      `back_in_stock ${sharing} 5`,
    ]);
    for (const x of [live, other, whole, fresh, resumed]) x.ws.close();
  });

  it('raises out and back_in_stock when a rule change ends or restores a listing, once each', async () => {
    const code = await channel([a]);
    const sku = uniq('RSIG');
    const { raised } = await hubCatching(sku);
    await publish(skuUpdate(sku, 1, { [a]: 3 }));
    await patchChannel(code, { buffer: 3 }); // 3 − 3: out
    await patchChannel(code, { buffer: 4 }); // still out: nothing
    await patchChannel(code, { buffer: 0 }); // 3: back
    expect(await raised([code])).toEqual([`out ${code} 0`, `back_in_stock ${code} 3`]);
  });
});

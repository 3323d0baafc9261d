import { beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../protocol/shard';
import { CloseCode, STREAM_SUBPROTOCOL } from '../../protocol/stream';
import { ADMIN_KEY, api, createKey, uniq } from '../support/client';
import { channel, location } from '../support/fixtures';
import { is, openSocket, publish, SHARDS, skuUpdate } from './support';

let a: string;
let b: string;
let mine: string;
let theirs: string;
beforeAll(async () => {
  a = await location();
  b = await location();
  mine = await channel([a, b]);
  theirs = await channel([a]);
});

describe('stream filters', () => {
  it('sends a new subscriber a snapshot of its shard, then live changes', async () => {
    const sku = uniq('FLT');
    const shard = shardOf(sku, SHARDS);
    await publish(skuUpdate(sku, 1, { [a]: 5 }));
    const s = await openSocket(`shard=${shard}&skus=${sku}`);
    const snapshot = await s.waitFor(is('snapshot'));
    expect(snapshot.rows).toMatchObject([
      { sku, seq: 1, locations: [{ location: a, available: 5 }] },
    ]);
    const caughtUp = await s.waitFor(is('caught-up'));
    await publish(skuUpdate(sku, 2, { [a]: 4 }));
    const update = await s.waitFor(is('update'));
    expect(update).toMatchObject({ sku, seq: 2, shard, cursor: caughtUp.cursor + 1 });
    s.ws.close();
  });

  it('lets through only the SKUs listed, or those starting with the prefix', async () => {
    const prefix = uniq('PFX');
    const skus = [`${prefix}-1`, `${prefix}-2`, uniq('OTHER')];
    const s0 = await openSocket(`skus=${skus[0]}`);
    const p = await Promise.all(
      Array.from({ length: SHARDS }, (_, shard) => openSocket(`shard=${shard}&prefix=${prefix}`)),
    );
    await Promise.all([s0, ...p].map((s) => s.waitFor(is('caught-up'))));
    for (const sku of skus) await publish(skuUpdate(sku, 1, { [a]: 1 }));
    const one = await s0.waitFor(is('update'));
    expect(one.sku).toBe(skus[0]);
    const byPrefix = await Promise.all(
      skus
        .slice(0, 2)
        .map((sku) => p[shardOf(sku, SHARDS)]?.waitFor(is('update', (m) => m.sku === sku))),
    );
    expect(byPrefix.map((m) => m?.sku)).toEqual(skus.slice(0, 2));
    const all = [s0, ...p].flatMap((s) => s.messages.filter(is('update')).map((m) => m.sku));
    expect(all).not.toContain(skus[2]);
    for (const s of [s0, ...p]) s.ws.close();
  });

  it('shows only the locations asked for, and skips a change outside them', async () => {
    const sku = uniq('LOC');
    const s = await openSocket(`skus=${sku}&locations=${a}`);
    await s.waitFor(is('caught-up'));
    await publish(skuUpdate(sku, 1, { [a]: 1, [b]: 1 }));
    await publish(skuUpdate(sku, 2, { [a]: 1, [b]: 9 }));
    await publish(skuUpdate(sku, 3, { [a]: 2, [b]: 9 }));
    await s.waitFor(is('update', (m) => m.seq === 3));
    const updates = s.messages.filter(is('update'));
    expect(updates.map((m) => [m.seq, m.locations.map((l) => l.location)])).toEqual([
      [1, [a]],
      [3, [a]],
    ]);
    s.ws.close();
  });

  it('refuses a stream without a shard when the filter spans several', async () => {
    const s = await openSocket('prefix=X');
    expect(await s.closed).toMatchObject({
      code: CloseCode.invalid,
      reason: expect.stringMatching(/shard/),
    });
  });
});

describe('stream auth', () => {
  it('selects the stream subprotocol and accepts a key offered as a subprotocol', async () => {
    const s = await openSocket('shard=0', {
      key: null,
      protocols: [STREAM_SUBPROTOCOL, `stockmesh.bearer.${ADMIN_KEY}`],
    });
    expect(s.protocol).toBe(STREAM_SUBPROTOCOL);
    await s.waitFor(is('hello'));
    s.ws.close();
  });

  it('closes with 4001 and a reason when the key is missing or unknown', async () => {
    const none = await openSocket('shard=0', { key: null });
    expect(await none.closed).toMatchObject({
      code: CloseCode.unauthorized,
      reason: expect.stringMatching(/Missing API key/),
    });
    const bad = await openSocket('shard=0', {
      key: 'smk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(await bad.closed).toMatchObject({ code: CloseCode.unauthorized });
    expect(bad.messages[0]).toMatchObject({ type: 'error', code: 'unauthorized' });
  });

  it('lets a viewer stream any channel', async () => {
    const viewer = await createKey('viewer');
    const s = await openSocket(`shard=0&channel=${theirs}`, { key: viewer });
    await s.waitFor(is('caught-up'));
    s.ws.close();
  });

  it('lets a connector stream its own channel, by default its only one', async () => {
    const connector = await createKey('connector', { channels: [mine] });
    const s = await openSocket('shard=0', { key: connector });
    await s.waitFor(is('caught-up'));
    s.ws.close();
  });

  it('refuses a connector key on another channel with 4003 and a reason', async () => {
    const connector = await createKey('connector', { channels: [mine] });
    const s = await openSocket(`shard=0&channel=${theirs}`, { key: connector });
    const closed = await s.closed;
    expect(closed.code).toBe(CloseCode.forbidden);
    expect(closed.reason).toContain(`may not stream channel ${theirs}`);
  });

  it('refuses storefront and warehouse keys with 4003', async () => {
    for (const role of ['storefront', 'warehouse'] as const) {
      const key = await createKey(
        role,
        role === 'storefront' ? { channels: [mine] } : { locations: [a] },
      );
      const s = await openSocket('shard=0', { key });
      expect(await s.closed).toMatchObject({
        code: CloseCode.forbidden,
        reason: expect.stringContaining(`role ${role}`),
      });
    }
  });

  it('closes with 4004 for an unknown channel', async () => {
    const s = await openSocket('shard=0&channel=no-such-channel');
    expect((await s.closed).code).toBe(CloseCode.notFound);
  });

  it('answers a plain GET with 426 upgrade_required', async () => {
    const res = await api<{ error: { code: string } }>('/v1/stream?shard=0');
    expect([res.status, res.body.error.code]).toEqual([426, 'upgrade_required']);
  });
});

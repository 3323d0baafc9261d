import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/stream';
import { is, openSocket, publish, type RawSocket, skuUpdate } from '../stream/support';
import { createKey, uniq } from '../support/client';

const WINDOW = Number(env.STREAM_WINDOW);
/** Sockets one key may hold open on one hub. */
const SOCKETS_PER_KEY = 64;

/** Opens a socket on shard 2, trying again while the hub still counts a socket closed a moment ago. */
const openWhenFree = async (key: string, tries = 20): Promise<RawSocket> => {
  const s = await openSocket('shard=2', { key });
  const first = await Promise.race([s.waitFor(is('hello')), s.closed]);
  if ('type' in first || tries <= 1) return s;
  return openWhenFree(key, tries - 1);
};

const closeAll = (sockets: RawSocket[]) => {
  for (const s of sockets) s.ws.close();
};

describe('stream abuse', () => {
  it(`refuses a key's socket past ${SOCKETS_PER_KEY} on one hub with 4029 and a reason`, async () => {
    const viewer = await createKey('viewer');
    const open = await Promise.all(
      Array.from({ length: SOCKETS_PER_KEY }, () => openSocket('shard=2', { key: viewer })),
    );
    await Promise.all(open.map((s) => s.waitFor(is('hello'))));
    const extra = await openSocket('shard=2', { key: viewer });
    expect(await extra.closed).toMatchObject({
      code: 4029,
      reason: expect.stringContaining(`${SOCKETS_PER_KEY} sockets`),
    });
    expect(extra.messages[0]).toMatchObject({ type: 'error', code: 'rate_limited' });
    // Another hub, and another key, are not affected.
    const elsewhere = await openSocket('shard=3', { key: viewer });
    const otherKey = await openSocket('shard=2', { key: await createKey('viewer') });
    await Promise.all([elsewhere.waitFor(is('hello')), otherKey.waitFor(is('hello'))]);
    // A closed socket frees its place (once the hub has heard the close).
    open[0]?.ws.close();
    const again = await openWhenFree(viewer);
    await again.waitFor(is('hello'));
    closeAll([...open, elsewhere, otherKey, again]);
  });

  it('refuses a received count higher than the hub sent on the socket', async () => {
    const sku = uniq('LIAR');
    const s = await openSocket(`skus=${sku}`);
    await s.waitFor(is('caught-up'));
    s.send({ type: 'received', count: 1_000_000, cursor: 0 });
    expect(await s.closed).toMatchObject({
      code: CloseCode.invalid,
      reason: expect.stringContaining('sent'),
    });
  });

  it('cuts off a subscriber that confirms without reading, whatever count it claims', async () => {
    const sku = uniq('DODGE');
    const s = await openSocket(`skus=${sku}`);
    await s.waitFor(is('caught-up'));
    // Claims to have read everything, always ahead of the hub, while reading nothing.
    let claimed = 1_000;
    for (let seq = 1; seq <= WINDOW + 5; seq++) {
      if (s.ws.readyState === WebSocket.OPEN)
        s.send({ type: 'received', count: claimed, cursor: 0 });
      claimed += 10;
      await publish(skuUpdate(sku, seq, { A: seq }));
    }
    const closed = await s.closed;
    expect([CloseCode.invalid, CloseCode.slowConsumer]).toContain(closed.code);
  });
});

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { UpdateEvent } from '../../client';
import { CloseCode } from '../../protocol/stream';
import { uniq } from '../support/client';
import { collect, is, openSocket, publish, skuUpdate, testClient } from './support';

const WINDOW = Number(env.STREAM_WINDOW);

describe('slow consumers', () => {
  it('cuts off a subscriber that never confirms, with a resync notice and close code 4008', async () => {
    const sku = uniq('SLOW');
    const s = await openSocket(`skus=${sku}`);
    const caughtUp = await s.waitFor(is('caught-up'));
    for (let seq = 1; seq <= WINDOW + 5; seq++) await publish(skuUpdate(sku, seq, { A: seq }));
    const resync = await s.waitFor(is('resync'));
    expect(resync).toMatchObject({
      cursor: caughtUp.cursor,
      reason: expect.stringContaining('slow consumer'),
    });
    expect((await s.closed).code).toBe(CloseCode.slowConsumer);
    // Never more than the window went out unconfirmed.
    expect(s.messages.length).toBeLessThanOrEqual(WINDOW + 1);
  });

  it('keeps a subscriber that confirms as it reads', async () => {
    const sku = uniq('STEADY');
    const s = await openSocket(`skus=${sku}`);
    await s.waitFor(is('caught-up'));
    for (let seq = 1; seq <= WINDOW * 2; seq++) {
      await publish(skuUpdate(sku, seq, { A: seq }));
      const m = await s.waitFor(is('update', (u) => u.seq === seq));
      s.send({ type: 'received', count: s.messages.length, cursor: m.cursor });
    }
    expect(s.messages.some((m) => m.type === 'resync')).toBe(false);
    s.ws.close();
  });

  it('lets a typed client that fell behind resume from its cursor and see the latest state', async () => {
    const prefix = uniq('LAGGARD');
    const sku = `${prefix}-1`;
    const stream = testClient().stream({ prefix });
    await collect(stream, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    // Nobody reads while the burst arrives: the hub cuts the socket off and the client resumes.
    for (let seq = 1; seq <= WINDOW * 2; seq++) await publish(skuUpdate(sku, seq, { A: seq }));
    const events = await collect(stream, (e) =>
      e.some((x) => x.type === 'update' && x.seq === WINDOW * 2),
    );
    expect(events.some((e) => e.type === 'reconnecting' && e.code === CloseCode.slowConsumer)).toBe(
      true,
    );
    const seqs = events.filter((e): e is UpdateEvent => e.type === 'update').map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    stream.close();
  });
});

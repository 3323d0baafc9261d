import { describe, expect, it } from 'vitest';
import type { UpdateEvent } from '../../client';
import { createKey } from '../support/client';
import { channel, location, post, sku } from '../support/fixtures';
import { collect, testClient } from './support';

const caughtUp = (events: { type: string; all?: boolean }[]) =>
  events.some((e) => e.type === 'caught-up' && e.all === true);

describe('stream end to end', () => {
  it('brings an accepted stock change to a subscriber of its SKU and channel', async () => {
    const [a, b] = [await location(), await location()];
    const web = await channel([a], { percentage: 50 });
    const code = await sku();
    const connector = await createKey('connector', { channels: [web] });
    const stream = testClient(connector).stream({ skus: [code] });
    await collect(stream, caughtUp);

    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 10 });
    await post(`/v1/skus/${code}/receive`, { location: b, quantity: 4 });
    await post(`/v1/skus/${code}/adjust`, { location: a, delta: -3, reason: 'damaged' });
    const events = await collect(stream, (e) => e.some((x) => x.type === 'update' && x.seq === 3));
    const updates = events.filter((e): e is UpdateEvent => e.type === 'update');
    // Publishing is coalesced: a burst may arrive as fewer updates, but in order and ending at the last.
    expect(updates.map((u) => u.seq)).toEqual([...new Set(updates.map((u) => u.seq))].sort());
    expect(updates.at(-1)).toMatchObject({
      sku: code,
      seq: 3,
      locations: [{ location: a, onHand: 7, available: 7 }],
      listed: { channel: web, quantity: 3, rule: 'percentage' },
    });
    stream.close();
  });
});

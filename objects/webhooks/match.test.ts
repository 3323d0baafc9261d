import { describe, expect, it } from 'vitest';
import type { SignalEvent } from '../../protocol/webhooks';
import { deliveryBody, messageId, wants } from './match';

const out: SignalEvent = {
  id: 'sig_1',
  type: 'out',
  at: '2026-12-01T10:00:00.000Z',
  sku: '85123A',
  location: 'MAN-1',
  data: { available: 0 },
};

describe('webhook matching', () => {
  it('wants a listed type that every filter admits', () => {
    expect(wants({ events: ['out'], filter: null }, out)).toBe(true);
    expect(wants({ events: ['low'], filter: null }, out)).toBe(false);
    expect(
      wants({ events: ['out'], filter: { skus: ['85123A'], locations: ['MAN-1'] } }, out),
    ).toBe(true);
    expect(wants({ events: ['out'], filter: { locations: ['LON-1'] } }, out)).toBe(false);
    // A SKU-level signal names no channel: a channel filter does not admit it.
    expect(wants({ events: ['out'], filter: { channels: ['web-uk'] } }, out)).toBe(false);
  });

  it('gives one event one stable message id per subscription', async () => {
    const a = await messageId('wh_a', 'sig_1');
    expect(a).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(await messageId('wh_a', 'sig_1')).toBe(a);
    expect(await messageId('wh_b', 'sig_1')).not.toBe(a);
  });

  it('delivers the Standard Webhooks body shape', () => {
    expect(JSON.parse(deliveryBody(out))).toEqual({
      type: 'stock.out',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: { id: 'sig_1', sku: '85123A', location: 'MAN-1', available: 0 },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { sign } from '../channel-sync/adapters/standard-webhooks';
import { parseWebhook, verifyWebhook } from './webhook';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const BODY = JSON.stringify({
  type: 'order.created',
  data: { orderId: 'EB-1001', lines: [{ code: 'TEE-BLK-M', quantity: 2 }] },
});

describe('verifyWebhook', () => {
  it('accepts a Standard Webhooks signature within 5 minutes', async () => {
    const h = new Headers(await sign(SECRET, 'msg_1', NOW / 1000 - 10, BODY));
    expect(await verifyWebhook(SECRET, h, BODY, NOW)).toMatchObject({
      ok: true,
      deliveryId: 'webhook:msg_1',
    });
  });

  it('refuses an altered body, missing headers and an old timestamp', async () => {
    const h = new Headers(await sign(SECRET, 'msg_1', NOW / 1000, BODY));
    expect(await verifyWebhook(SECRET, h, BODY.replace('2', '3'), NOW)).toMatchObject({
      code: 'signature_invalid',
    });
    expect(await verifyWebhook(SECRET, new Headers(), BODY, NOW)).toMatchObject({
      code: 'signature_invalid',
    });
    const old = new Headers(await sign(SECRET, 'msg_1', NOW / 1000 - 301, BODY));
    expect(await verifyWebhook(SECRET, old, BODY, NOW)).toMatchObject({ code: 'delivery_stale' });
  });
});

describe('parseWebhook', () => {
  it('reads orders, cancellations and refunds', () => {
    expect(parseWebhook(BODY)).toEqual({
      ok: true,
      value: {
        type: 'order',
        orderId: 'EB-1001',
        lines: [{ lineId: null, ref: 'TEE-BLK-M', quantity: 2 }],
      },
    });
    expect(parseWebhook('{"type":"order.cancelled","data":{"orderId":"EB-1001"}}')).toEqual({
      ok: true,
      value: { type: 'cancel', orderId: 'EB-1001' },
    });
    expect(
      parseWebhook('{"type":"order.created","data":{"orderId":"EB-1","lines":[]}}'),
    ).toMatchObject({
      ok: false,
    });
  });
});

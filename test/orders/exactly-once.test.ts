import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeShop } from '../connectors/sync-support/world';
import { uniq } from '../support/client';
import { AMAZON_SECRET, deliver, ordersOf, processAll, setInbound, stockOf } from './support';

// 40 Amazon orders over 4 SKUs: every notification delivered twice, in shuffled order, some
// lost and caught by polling searchOrders once they are older than its grace (the others keep
// `source: notification`), then 10 cancellations, each told twice. The mix is
// what it proves, not the count (40 orders keep the file fast; 100 proved nothing more).
// Each order is reserved exactly once and each cancellation gives back exactly its units.

type Notice = { orderId: string; notification: { detail: unknown } };

const sim = async <T>(action: string, seller: string, body: unknown): Promise<T> => {
  const res = await env.MARKETPLACES?.fetch(
    `https://simulators.test/_sim/amazon/${action}?account=${seller}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  );
  if (!res?.ok) throw new Error(`simulator ${action}: ${res?.status}`);
  return res.json();
};

const shuffle = <T>(xs: T[], seed: number): T[] => {
  let s = seed;
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/** Intervals a test started, stopped whatever its outcome. */
const intervals: ReturnType<typeof setInterval>[] = [];

afterEach(() => {
  vi.useRealTimers();
  for (const i of intervals.splice(0)) clearInterval(i);
});

const ORDERS = 40;

describe('Amazon orders in', () => {
  it(`reserves each of ${ORDERS} orders exactly once across duplicate, reordered and polled deliveries`, async () => {
    const { channel, skus } = await makeShop([1000, 1000, 1000, 1000]);
    const seller = uniq('A')
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 20);
    await setInbound(channel, {
      kind: 'amazon',
      secret: AMAZON_SECRET,
      poll: {
        sellerId: seller,
        marketplaceIds: ['A1F83G8C2ARO7P'],
        region: 'eu',
        clientId: 'amzn1.application-oa2-client.orders',
        clientSecret: 'orders-client-secret',
        refreshToken: `Atzr|${seller}|orders`,
        intervalSeconds: 10,
        graceSeconds: 30,
        since: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    // The seller serves searchOrders from memory: keep it from being evicted while the mesh works
    // (workerd evicts an object idle for 10 s; a loaded machine can take that long).
    const alive = setInterval(() => {
      void env.MARKETPLACES?.fetch(`https://simulators.test/_sim/amazon/listing?account=${seller}`)
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
    }, 2_000);
    intervals.push(alive);
    const expected = new Map<string, number>();
    const placed: { notice: Notice; sku: string; quantity: number }[] = [];
    for (let n = 0; n < ORDERS; n++) {
      const sku = skus[n % 4] ?? '';
      const quantity = 1 + (n % 3);
      // Amazon seller SKUs default to our codes (no explicit mapping).
      const notice = await sim<Notice>('order', seller, { items: [{ sellerSku: sku, quantity }] });
      placed.push({ notice, sku, quantity });
      expected.set(sku, (expected.get(sku) ?? 0) + quantity);
    }
    // Every fourth notification is lost; the others arrive twice, shuffled.
    const sent = placed.filter((_, n) => n % 4 !== 3).flatMap((p) => [p.notice, p.notice]);
    for (const notice of shuffle(sent, 7)) {
      const res = await deliver(channel, 'amazon', JSON.stringify(notice.notification), {
        'x-stockmesh-secret': AMAZON_SECRET,
      });
      expect(res.status).toBe(200);
    }
    // Polls so far found every order younger than the 30 s grace and left it to its
    // notification. Past the grace, the alarm polls searchOrders and takes the lost ones.
    await processAll(channel);
    expect((await ordersOf(channel)).length).toBe(ORDERS - ORDERS / 4);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    await processAll(channel);
    const orders = await ordersOf(channel);
    expect(orders.length).toBe(ORDERS);
    expect(orders.filter((o) => o.status === 'committed').length).toBe(ORDERS);
    // Each order says how it really came: the lost notifications' orders by the poll, only them.
    const lost = new Set(placed.filter((_, n) => n % 4 === 3).map((p) => p.notice.orderId));
    const polled = orders.filter((o) => o.source === 'poll').map((o) => o.orderId);
    expect(polled.sort()).toEqual([...lost].sort());
    expect(orders.filter((o) => o.source === 'notification').length).toBe(ORDERS - lost.size);
    for (const sku of skus) expect((await stockOf(sku)).totals.committed).toBe(expected.get(sku));

    // A quarter cancelled, each told twice (the simulator's account may be gone by now: the
    // notification is the order's own, with its status Canceled and a new notification id).
    const cancelled = placed.filter((_, n) => n % 4 === 0);
    for (const [n, p] of cancelled.entries()) {
      const notice = structuredClone(p.notice.notification) as {
        detail: {
          Payload: { OrderChangeNotification: { Summary: { OrderStatus: string } } };
          NotificationMetadata: { NotificationId: string; PublishTime: string };
        };
      };
      notice.detail.Payload.OrderChangeNotification.Summary.OrderStatus = 'Canceled';
      notice.detail.NotificationMetadata.NotificationId = `cancel-${n}`;
      notice.detail.NotificationMetadata.PublishTime = new Date().toISOString();
      for (let i = 0; i < 2; i++) {
        const res = await deliver(channel, 'amazon', JSON.stringify(notice), {
          'x-stockmesh-secret': AMAZON_SECRET,
        });
        expect(res.body).toMatchObject({ duplicate: i === 1 });
      }
      expected.set(p.sku, (expected.get(p.sku) ?? 0) - p.quantity);
    }
    await processAll(channel);
    clearInterval(alive);
    expect((await ordersOf(channel, '&status=cancelled')).length).toBe(ORDERS / 4);
    for (const sku of skus) {
      const stock = await stockOf(sku);
      expect([sku, stock.totals.committed, stock.totals.onHand]).toEqual([
        sku,
        expected.get(sku),
        1000,
      ]);
    }
  });
});

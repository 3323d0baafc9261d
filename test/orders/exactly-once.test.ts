import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mapLimited } from '../../shared/concurrency';
import { makeShop } from '../connectors/sync-support/world';
import { uniq } from '../support/client';
import { AMAZON_SECRET, deliver, ordersOf, processAll, setInbound, stockOf } from './support';

// 500 Amazon orders over 8 SKUs (the size): every notification delivered twice, in
// shuffled order and 16 at a time as EventBridge sends them, a quarter lost and caught by polling
// searchOrders once they are older than its grace (the others keep `source: notification`), then
// 125 cancellations, each told twice. Each order is reserved exactly once and each cancellation
// gives back exactly its units. Every order is a real cart (a Checkout object, its SkuStock
// calls): ChannelOrders processes different orders at once, yet the 500 cost tens of seconds on a
// loaded machine, which is the price of the size.

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

const ORDERS = 500;
const SKUS = 8;
/** Deliveries in flight at once, as a marketplace's senders have them. */
const IN_FLIGHT = 16;
/**
 * The poll's interval and grace: far longer than the deliveries take, however loaded the
 * machine. searchOrders' quota is a burst of 20 pages refilled at 0.0056/s, and each poll pages
 * through every order the grace holds back: one poll before the orders and one after.
 */
const INTERVAL_SECONDS = 300;
const GRACE_SECONDS = 120;

describe('Amazon orders in', () => {
  it(`reserves each of ${ORDERS} orders exactly once across duplicate, reordered and polled deliveries`, async () => {
    const { channel, skus } = await makeShop(Array.from({ length: SKUS }, () => 1000));
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
        intervalSeconds: INTERVAL_SECONDS,
        graceSeconds: GRACE_SECONDS,
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
    const placed = await mapLimited(
      Array.from({ length: ORDERS }, (_, n) => n),
      IN_FLIGHT,
      async (n) => {
        const sku = skus[n % SKUS] ?? '';
        const quantity = 1 + (n % 3);
        // Amazon seller SKUs default to our codes (no explicit mapping).
        const items = [{ sellerSku: sku, quantity }];
        return { notice: await sim<Notice>('order', seller, { items }), sku, quantity };
      },
    );
    for (const p of placed) expected.set(p.sku, (expected.get(p.sku) ?? 0) + p.quantity);
    // Every fourth notification is lost; the others arrive twice, shuffled, IN_FLIGHT at once.
    const sent = placed.filter((_, n) => n % 4 !== 3).flatMap((p) => [p.notice, p.notice]);
    const statuses = await mapLimited(shuffle(sent, 7), IN_FLIGHT, async (notice) => {
      const res = await deliver(channel, 'amazon', JSON.stringify(notice.notification), {
        'x-stockmesh-secret': AMAZON_SECRET,
      });
      return res.status;
    });
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Polls so far found every order younger than the grace and left it to its
    // notification. Past the grace, the alarm polls searchOrders and takes the lost ones.
    await processAll(channel);
    expect((await ordersOf(channel)).length).toBe(ORDERS - ORDERS / 4);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (INTERVAL_SECONDS + 1) * 1000);
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
    const answers = await mapLimited([...cancelled.entries()], IN_FLIGHT, async ([n, p]) => {
      const notice = structuredClone(p.notice.notification) as {
        detail: {
          Payload: { OrderChangeNotification: { Summary: { OrderStatus: string } } };
          NotificationMetadata: { NotificationId: string; PublishTime: string };
        };
      };
      notice.detail.Payload.OrderChangeNotification.Summary.OrderStatus = 'Canceled';
      notice.detail.NotificationMetadata.NotificationId = `cancel-${n}`;
      notice.detail.NotificationMetadata.PublishTime = new Date().toISOString();
      const duplicate: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await deliver(channel, 'amazon', JSON.stringify(notice), {
          'x-stockmesh-secret': AMAZON_SECRET,
        });
        duplicate.push(res.body.duplicate);
      }
      return duplicate;
    });
    expect(answers).toEqual(cancelled.map(() => [false, true]));
    for (const p of cancelled) expected.set(p.sku, (expected.get(p.sku) ?? 0) - p.quantity);
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

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChannelOrders } from '../../objects/ChannelOrders';
import type { Ports } from '../../objects/channel-orders/process';
import type { OrderHold } from '../../protocol/orders';
import { mapLimited } from '../../shared/concurrency';
import { makeShop } from '../connectors/sync-support/world';
import { uniq } from '../support/client';
import {
  AMAZON_SECRET,
  deliver,
  ordersOf,
  ordersStub,
  processAll,
  setInbound,
  stockOf,
} from './support';

// Amazon orders, every notification delivered twice, in shuffled order and 16 at a time as
// EventBridge sends them, a quarter lost and caught by polling searchOrders once they are older
// than its grace (the others keep `source: notification`), then a quarter cancelled, each
// cancellation told twice. Each order is reserved exactly once and each cancellation gives back
// exactly its units.
//
// At the size (500 orders) the channel's stock calls are counted instead of made: every
// real order is a cart (a Checkout object, SkuStock holds and commits, hub and ledger writes),
// 50-130 ms each in one local runtime depending on the machine's load, so 500 real carts added
// 25-75 s to this file. Counting them is the sharper proof of ChannelOrders' part: a second
// reserve of an order would be hidden by the Checkout's idempotent reservation id, never by the
// count. 40 orders go the whole way, to the committed units of each SkuStock.

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

/** Deliveries in flight at once, as a marketplace's senders have them. */
const IN_FLIGHT = 16;
/**
 * The poll's interval and grace: far longer than the deliveries take, however loaded the
 * machine. searchOrders' quota is a burst of 20 pages refilled at 0.0056/s, and each poll pages
 * through every order the grace holds back: one poll before the orders and one after.
 */
const INTERVAL_SECONDS = 300;
const GRACE_SECONDS = 120;

type Placed = { notice: Notice; sku: string; quantity: number };

/**
 * Places `orders` Amazon orders over `skus` (one line each), delivers and polls them as above,
 * then cancels a quarter; checks what ChannelOrders recorded and answers the orders placed and
 * the cancelled ones.
 */
const scenario = async (channel: string, skus: readonly string[], orders: number) => {
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
  const placed: Placed[] = await mapLimited(
    Array.from({ length: orders }, (_, n) => n),
    IN_FLIGHT,
    async (n) => {
      const sku = skus[n % skus.length] ?? '';
      const quantity = 1 + (n % 3);
      // Amazon seller SKUs default to our codes (no explicit mapping).
      const items = [{ sellerSku: sku, quantity }];
      return { notice: await sim<Notice>('order', seller, { items }), sku, quantity };
    },
  );
  // Every fourth notification is lost; the others arrive twice, shuffled, IN_FLIGHT at once.
  const sent = placed.filter((_, n) => n % 4 !== 3).flatMap((p) => [p.notice, p.notice]);
  const statuses = await mapLimited(shuffle(sent, 7), IN_FLIGHT, async (notice) => {
    const res = await deliver(channel, 'amazon', JSON.stringify(notice.notification), {
      'x-stockmesh-secret': AMAZON_SECRET,
    });
    return res.status;
  });
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  // Polls so far found every order younger than the grace and left it to its notification.
  // Past the poll's interval, the alarm polls searchOrders and takes the lost ones.
  await processAll(channel);
  expect((await ordersOf(channel)).length).toBe(orders - orders / 4);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + (INTERVAL_SECONDS + 1) * 1000);
  await processAll(channel);
  const recorded = await ordersOf(channel);
  expect(recorded.length).toBe(orders);
  expect(recorded.filter((o) => o.status === 'committed').length).toBe(orders);
  // Each order says how it really came: the lost notifications' orders by the poll, only them.
  const lost = new Set(placed.filter((_, n) => n % 4 === 3).map((p) => p.notice.orderId));
  const polled = recorded.filter((o) => o.source === 'poll').map((o) => o.orderId);
  expect(polled.sort()).toEqual([...lost].sort());
  expect(recorded.filter((o) => o.source === 'notification').length).toBe(orders - lost.size);

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
  await processAll(channel);
  clearInterval(alive);
  expect((await ordersOf(channel, '&status=cancelled')).length).toBe(orders / 4);
  return { placed, cancelled };
};

/** Stock ports that count each call per order instead of reserving: one location, no limit. */
const countingPorts = () => {
  const reserves = new Map<string, number>();
  const cancels = new Map<string, number>();
  const states = new Map<string, 'committed' | 'cancelled'>();
  const ports: Ports = {
    now: () => Date.now(),
    map: async (lines) => lines.map((l) => ({ ...l, sku: l.ref, unmapped: null })),
    reserve: async (orderId, lines) => {
      reserves.set(orderId, (reserves.get(orderId) ?? 0) + 1);
      const holds: OrderHold[] = lines.map((l) => ({
        sku: l.sku,
        holdId: `${orderId}:${l.sku}`,
        location: 'WH',
        quantity: l.quantity,
        restocked: 0,
      }));
      for (const h of holds) states.set(h.holdId, 'committed');
      return { kind: 'committed', reservationId: `r_${orderId}`, holds };
    },
    expectSold: async () => undefined,
    expectRestocked: async () => undefined,
    holdState: async (hold) => (states.get(hold.holdId) === 'committed' ? 'committed' : 'other'),
    cancel: async (hold) => {
      const orderId = hold.holdId.slice(0, hold.holdId.lastIndexOf(':'));
      cancels.set(orderId, (cancels.get(orderId) ?? 0) + 1);
      states.set(hold.holdId, 'cancelled');
      return null;
    },
    restock: async () => null,
  };
  return { ports, reserves, cancels };
};

describe('Amazon orders in', () => {
  it('reserves each of 40 orders exactly once across duplicate, reordered and polled deliveries, to the committed units', async () => {
    const { channel, skus } = await makeShop([1000, 1000, 1000, 1000]);
    const { placed, cancelled } = await scenario(channel, skus, 40);
    const expected = new Map<string, number>();
    for (const p of placed) expected.set(p.sku, (expected.get(p.sku) ?? 0) + p.quantity);
    for (const p of cancelled) expected.set(p.sku, (expected.get(p.sku) ?? 0) - p.quantity);
    for (const sku of skus) {
      const stock = await stockOf(sku);
      expect([sku, stock.totals.committed, stock.totals.onHand]).toEqual([
        sku,
        expected.get(sku),
        1000,
      ]);
    }
  });

  it('asks for the reservation of each of 500 orders exactly once, and cancels each cancelled one once', async () => {
    const { channel } = await makeShop([]);
    const counted = countingPorts();
    await runInDurableObject(ordersStub(channel), (o: ChannelOrders) => {
      o.portsOf = () => counted.ports;
    });
    const skus = Array.from({ length: 8 }, (_, n) => `CNT-${n}`);
    const { placed, cancelled } = await scenario(channel, skus, 500);
    const once = (ids: readonly Placed[]) => new Map(ids.map((p) => [p.notice.orderId, 1]));
    expect(counted.reserves).toEqual(once(placed));
    expect(counted.cancels).toEqual(once(cancelled));
  });
});

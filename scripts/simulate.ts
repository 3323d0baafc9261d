// The traffic simulator of `npm start` (also runnable alone: `npx tsx scripts/simulate.ts
// --url http://127.0.0.1:8787 --key <admin key> [--speed 300]`). It replays the real order stream
// (data/online-retail-2010-12.csv) in time order, compressed: every invoice becomes a cart
// reserved whole through its storefront or marketplace channel, committed a moment later (one
// in ten is abandoned and released) and shipped by the warehouse; cancellations come back as
// returns. Warehouses order and receive replenishment when a SKU's cover runs low, and the
// marketplace connectors follow the stream and acknowledge at their own pace.
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createStockmeshClient, StockmeshError } from '../client/index.ts';
import type { LocationStock } from '../protocol/stock.ts';
import { ORDER_DAYS, openingStock, skusFromOrders } from './demo-catalog.ts';
import { simulatorApi } from './simulate-api.ts';
import { simulateConnector } from './simulate-connector.ts';
import { type ActorKeys, actorKeys, SIMULATED_CONNECTORS } from './simulate-keys.ts';
import { type OrderEvent, timeline } from './simulate-orders.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Demo minutes per real minute when none is given: 5 minutes of orders every second. */
export const DEFAULT_SPEED = 300;
const MAX_CARTS_IN_FLIGHT = 12;
const MAX_ORDERS_IN_FLIGHT = 16;
/** Reorder when a SKU has fewer days of cover than this, up to ORDER_UP_TO_DAYS. */
const REORDER_DAYS = 4;
const ORDER_UP_TO_DAYS = 20;
const STATS_EVERY_MS = 60_000;

export type TrafficOptions = {
  baseUrl: string;
  adminKey: string;
  /** Where the actors' keys are kept between runs. */
  keysFile: string;
  speed?: number;
  log?: (message: string) => void;
};

export type Traffic = { keys: ActorKeys; stop: () => void };

/** A stable pseudo-random number in [0, 1) for a string (so a replay makes the same choices). */
const chance = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

const errorText = (error: unknown) =>
  error instanceof StockmeshError ? `${error.code}: ${error.message}` : String(error);

/** Starts the traffic; it runs (looping over the order stream) until `stop()`. */
export const startTraffic = async (options: TrafficOptions): Promise<Traffic> => {
  const speed = options.speed ?? DEFAULT_SPEED;
  const log = options.log ?? ((m: string) => console.log(`[traffic] ${m}`));
  const { baseUrl } = options;
  const keys = await actorKeys(baseUrl, options.adminKey, options.keysFile);
  const csv = readFileSync(path.join(root, 'data', 'online-retail-2010-12.csv'), 'utf8');
  const events = timeline(csv);
  const catalog = skusFromOrders(csv);
  const dailySales = new Map(catalog.map((s) => [s.code, s.sold / ORDER_DAYS]));
  // Each SKU's warehouses, in the seed's order (its main one first); the shop is not restocked.
  const homes = new Map<string, string[]>();
  for (const line of openingStock(catalog)) {
    if (line.location === 'LON-SHOP') continue;
    homes.set(line.sku, [...(homes.get(line.sku) ?? []), line.location]);
  }

  const stop = new AbortController();
  const { signal } = stop;
  // Every cart, order and pause waits on it: far more than Node's default of 10 listeners.
  setMaxListeners(0, signal);
  const client = (apiKey: string) => createStockmeshClient({ baseUrl, apiKey, WebSocket });
  const storefront = simulatorApi(baseUrl, keys.storefront);
  const warehouseBatch = simulatorApi(baseUrl, keys.warehouse);
  const warehouse = client(keys.warehouse);
  const runId = Date.now().toString(36);
  /** Demo minutes as real milliseconds, kept between `min` and `max`. */
  const real = (minutes: number, min: number, max: number) =>
    Math.min(max, Math.max(min, (minutes * 60_000) / speed));

  const stats = {
    carts: 0,
    placed: 0,
    abandoned: 0,
    short: 0,
    returns: 0,
    ordered: 0,
    received: 0,
  };
  const errors = new Map<string, number>();
  const fail = (what: string, error: unknown) => {
    const n = (errors.get(what) ?? 0) + 1;
    errors.set(what, n);
    if (n <= 3 && !signal.aborted) log(`${what} failed: ${errorText(error)}`);
  };

  // Replenishment: the warehouses watch the stream and reorder a SKU whose cover runs low.
  const stock = new Map<string, LocationStock[]>();
  const ordering = new Set<string>();
  const reorder = async (sku: string) => {
    const perDay = dailySales.get(sku) ?? 0;
    const levels = stock.get(sku) ?? [];
    const available = levels.reduce((s, l) => s + Math.max(0, l.available), 0);
    const incoming = levels.reduce((s, l) => s + l.incoming, 0);
    if (perDay <= 0 || ordering.has(sku) || incoming > 0) return;
    if (available >= perDay * REORDER_DAYS || ordering.size >= MAX_ORDERS_IN_FLIGHT) return;
    const where = homes.get(sku) ?? ['MAN-1'];
    const location =
      [...where].sort(
        (a, b) =>
          (levels.find((l) => l.location === a)?.available ?? 0) -
          (levels.find((l) => l.location === b)?.available ?? 0),
      )[0] ?? 'MAN-1';
    const quantity = Math.max(12, Math.ceil(perDay * ORDER_UP_TO_DAYS - available));
    const ref = `PO-${runId}-${stats.ordered + 1}`;
    ordering.add(sku);
    try {
      await warehouse.expect(
        sku,
        { location, quantity, reason: 'purchase_order', ref },
        {
          idempotencyKey: `${ref}-expect`,
        },
      );
      stats.ordered++;
      // Lead time: half a demo day, at least 8 s so the incoming units can be seen.
      await sleep(real(12 * 60, 8_000, 120_000), signal);
      if (signal.aborted) return;
      await warehouse.receive(
        sku,
        { location, quantity, fromIncoming: true, reason: 'po_receipt', ref },
        { idempotencyKey: `${ref}-receive` },
      );
      stats.received++;
    } catch (error) {
      fail('replenishment', error);
    } finally {
      ordering.delete(sku);
    }
  };
  const watch = client(keys.viewer).stream({});
  void watch
    .forEach((event) => {
      if (event.type !== 'update') return;
      stock.set(event.sku, event.locations);
      if (!event.replay || watch.isCaughtUp) void reorder(event.sku);
    })
    .catch((error: unknown) => fail('stock watch', error));

  const connectors = SIMULATED_CONNECTORS.flatMap((channel) => {
    const key = keys.connectors[channel];
    return key === undefined
      ? []
      : [simulateConnector(client(key), channel, channel === 'ebay-uk' ? 100 : 400, fail)];
  });

  const cart = async (event: Extract<OrderEvent, { kind: 'cart' }>, loop: number) => {
    stats.carts++;
    const id = `sim-${runId}-${loop}-${event.invoice}`;
    let lines = event.lines;
    const request = () =>
      storefront.reserve(
        {
          channel: event.channel,
          lines,
          ...(event.country !== undefined && { shipTo: { country: event.country } }),
          ttlSeconds: 900,
        },
        `${id}-${lines.length}`,
      );
    let view: Awaited<ReturnType<typeof request>>;
    try {
      view = await request();
    } catch (error) {
      const short = error instanceof StockmeshError ? shortSkus(error) : undefined;
      if (short === undefined) throw error;
      // The shopper buys what is there; the warehouses hear about the rest.
      stats.short++;
      for (const sku of short) void reorder(sku);
      lines = lines.filter((l) => !short.has(l.sku));
      if (lines.length === 0) return;
      view = await request();
    }
    await sleep(real(3, 400, 5_000) * (0.5 + chance(`${id}:pay`)), signal);
    if (signal.aborted) return;
    if (chance(`${id}:abandon`) < 0.1) {
      await storefront.release(view.reservationId);
      stats.abandoned++;
      return;
    }
    await storefront.commit(view.reservationId, event.invoice);
    stats.placed++;
    // The warehouse ships later; the replay does not wait for it.
    const shipments = view.lines.flatMap((l) =>
      l.fulfilment.map((f) => ({ sku: f.sku, op: 'ship', holdId: f.holdId, ref: event.invoice })),
    );
    void sleep(real(120, 4_000, 60_000) * (0.5 + chance(`${id}:ship`)), signal)
      .then(() => {
        if (!signal.aborted && shipments.length > 0) {
          return warehouseBatch.batch(shipments, `${id}-ship`);
        }
      })
      .catch((error: unknown) => fail('shipment', error));
  };

  const returned = async (event: Extract<OrderEvent, { kind: 'return' }>, loop: number) => {
    stats.returns++;
    for (const [i, line] of event.lines.entries()) {
      const inspect = chance(`${event.invoice}:${line.sku}`) < 0.2;
      await warehouse.returnUnits(
        line.sku,
        {
          location: homes.get(line.sku)?.[0] ?? 'MAN-1',
          quantity: Math.min(line.quantity, 24),
          disposition: inspect ? 'inspect' : 'restock',
          reason: 'customer_return',
          ref: event.invoice,
        },
        { idempotencyKey: `sim-${runId}-${loop}-${event.invoice}-${i}` },
      );
    }
  };

  const replay = async () => {
    for (let loop = 0; !signal.aborted; loop++) {
      const started = Date.now();
      const inFlight = new Set<Promise<void>>();
      for (const event of events) {
        const due = started + (event.minute * 60_000) / speed;
        if (due > Date.now()) await sleep(due - Date.now(), signal);
        while (inFlight.size >= MAX_CARTS_IN_FLIGHT && !signal.aborted)
          await Promise.race(inFlight);
        if (signal.aborted) break;
        const work = (event.kind === 'cart' ? cart(event, loop) : returned(event, loop)).catch(
          (error: unknown) => fail(event.kind, error),
        );
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
      await Promise.all(inFlight);
      if (!signal.aborted) log(`the order stream is over: replaying it again (loop ${loop + 2})`);
    }
  };
  void replay();

  const report = setInterval(() => {
    const failed = [...errors].map(([what, n]) => `${what} ${n}`).join(', ');
    log(
      `${stats.carts} carts (${stats.placed} placed, ${stats.abandoned} abandoned, ${stats.short} short), ` +
        `${stats.returns} returns, ${stats.ordered} replenishment orders (${stats.received} received)` +
        (failed === '' ? '' : `; failures: ${failed}`),
    );
  }, STATS_EVERY_MS);

  log(
    `replaying ${events.length.toLocaleString('en-GB')} invoices at ${speed}x ` +
      `(${(speed / 60).toFixed(1)} minutes of orders a second); --speed N or STOCKMESH_TRAFFIC_SPEED`,
  );
  return {
    keys,
    stop: () => {
      stop.abort();
      clearInterval(report);
      watch.close();
      for (const c of connectors) c.close();
    },
  };
};

/** The SKUs an insufficient_stock refusal names as short. */
const shortSkus = (error: StockmeshError): Set<string> | undefined => {
  if (error.code !== 'insufficient_stock') return undefined;
  const lines = error.error.details?.lines;
  if (!Array.isArray(lines)) return undefined;
  const skus = new Set<string>();
  for (const line of lines) {
    if (
      typeof line === 'object' &&
      line !== null &&
      'sku' in line &&
      typeof line.sku === 'string'
    ) {
      skus.add(line.sku);
    }
  }
  return skus.size > 0 ? skus : undefined;
};

/** The speed asked for by `--speed N` or STOCKMESH_TRAFFIC_SPEED (demo minutes per minute). */
export const speedFrom = (argv: string[], env: NodeJS.ProcessEnv): number => {
  const i = argv.indexOf('--speed');
  const text = (i >= 0 ? argv[i + 1] : undefined) ?? env.STOCKMESH_TRAFFIC_SPEED;
  if (text === undefined) return DEFAULT_SPEED;
  const speed = Number(text);
  if (!(speed > 0 && speed <= 100_000))
    throw new Error(`--speed: expected 1 to 100000, got ${text}`);
  return speed;
};

/** Is the traffic switched off (`--no-traffic` or STOCKMESH_TRAFFIC=off)? */
export const trafficOff = (argv: string[], env: NodeJS.ProcessEnv): boolean =>
  argv.includes('--no-traffic') ||
  ['off', '0', 'false', 'no'].includes(env.STOCKMESH_TRAFFIC ?? '');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    strict: false,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8787' },
      key: { type: 'string' },
      'keys-file': { type: 'string' },
    },
  });
  const baseUrl = typeof values.url === 'string' ? values.url : 'http://127.0.0.1:8787';
  const adminKey = typeof values.key === 'string' ? values.key : process.env.STOCKMESH_ADMIN_KEY;
  if (adminKey === undefined)
    throw new Error('--key <admin key> (or STOCKMESH_ADMIN_KEY) is needed');
  const keysFile =
    typeof values['keys-file'] === 'string'
      ? values['keys-file']
      : path.join(root, '.wrangler', 'state', 'stockmesh-demo-keys.json');
  const say = (m: string) => console.log(`[stockmesh] ${m}`);
  try {
    if (trafficOff(process.argv, process.env)) {
      const keys = await actorKeys(baseUrl, adminKey, keysFile);
      say('traffic simulator off (--no-traffic or STOCKMESH_TRAFFIC=off)');
      say(`stock wall: ${baseUrl}/#key=${keys.viewer}  <- open this link: it signs in as a viewer`);
    } else {
      const traffic = await startTraffic({
        baseUrl,
        adminKey,
        keysFile,
        speed: speedFrom(process.argv, process.env),
      });
      say(
        `stock wall: ${baseUrl}/#key=${traffic.keys.viewer}  <- open this link: it signs in as a viewer`,
      );
      process.once('SIGINT', () => {
        traffic.stop();
        process.exit(0);
      });
    }
  } catch (error) {
    say(`the stock wall's demo could not start: ${errorText(error)}`);
    say(`the wall is still at ${baseUrl}/ (sign in with a viewer key)`);
    process.exitCode = 1;
  }
}

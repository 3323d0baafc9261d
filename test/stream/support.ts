import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  createStockmeshClient,
  fetchWebSocket,
  type StockStream,
  type StreamEvent,
} from '../../client';
import { shardOf } from '../../protocol/shard';
import type { SkuUpdate } from '../../protocol/sku-update';
import type { LocationStock } from '../../protocol/stock';
import {
  PONG,
  type ServerMessage,
  ServerMessage as ServerMessageSchema,
} from '../../protocol/stream';
import { streamHub } from '../../shared/stubs';
import worker from '../../workers/index';
import { ADMIN_KEY } from '../support/client';

export const SHARDS = Number(env.STREAM_SHARDS);

/** The Worker's own fetch, as a client's transport (REST and WebSocket upgrades alike). */
export const workerFetch = async (request: Request): Promise<Response> =>
  worker.fetch(request, env, createExecutionContext());

/** The typed client against the Worker in this test pool; reconnects fast. */
export const testClient = (apiKey = ADMIN_KEY) =>
  createStockmeshClient({
    baseUrl: 'http://stockmesh.test',
    apiKey,
    fetch: workerFetch,
    WebSocket: fetchWebSocket(workerFetch),
    reconnect: { minDelayMs: 5, maxDelayMs: 50, growFactor: 1.5 },
  });

/** One location's stock with `available` units sellable (all on hand). */
export const stockAt = (location: string, available: number): LocationStock => ({
  location,
  onHand: available,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
});

/** The update SkuStock would publish for a SKU at `seq` with these available units. */
export const skuUpdate = (
  sku: string,
  seq: number,
  available: Record<string, number>,
  at = new Date().toISOString(),
): SkuUpdate => ({
  sku,
  seq,
  policy: 'deny',
  at,
  locations: Object.entries(available).map(([l, n]) => stockAt(l, n)),
  ledger: { flushedSeq: seq, oldestUnflushedAt: null },
});

/** Publishes as SkuStock does: to the SKU's shard. */
export const publish = (update: SkuUpdate) =>
  streamHub(env, shardOf(update.sku, SHARDS)).publish(update);

/** Bounded wait, so a missing message fails the test with a message instead of a timeout. */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms),
    ),
  ]);

/** A raw stream socket opened through the gateway, with its messages parsed as they come. */
export type RawSocket = {
  ws: WebSocket;
  protocol: string | null;
  /** Every message so far, in order. */
  messages: ServerMessage[];
  /** Heartbeat answers received. */
  pongs: () => number;
  /** Resolves once `check` returns a value (checked on every message). */
  until: <T>(check: () => T | undefined, what: string) => Promise<T>;
  /** Resolves with the first message (from the start) matching, once it has arrived. */
  waitFor: <T extends ServerMessage>(
    match: (m: ServerMessage) => m is T,
    what?: string,
  ) => Promise<T>;
  closed: Promise<{ code: number; reason: string }>;
  send: (message: unknown) => void;
};

export const openSocket = async (
  query: string,
  auth: {
    key?: string | null;
    protocols?: string[];
    /**
     * Follow the flow-control rule as a plain client would: `received` after every snapshot page
     * and `caught-up`, and after every `confirmEvery` messages.
     */
    confirm?: boolean;
  } = {},
): Promise<RawSocket> => {
  const headers = new Headers({ upgrade: 'websocket' });
  const key = auth.key === undefined ? ADMIN_KEY : auth.key;
  if (key !== null) headers.set('authorization', `Bearer ${key}`);
  if (auth.protocols) headers.set('sec-websocket-protocol', auth.protocols.join(', '));
  const res = await workerFetch(
    new Request(`http://stockmesh.test/v1/stream?${query}`, { headers }),
  );
  const ws = res.webSocket;
  if (ws === null) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const messages: ServerMessage[] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener('close', (e) => {
      resolve({ code: e.code, reason: e.reason });
      changed();
    });
  });
  let pongs = 0;
  let count = 0;
  let reported = 0;
  let confirmEvery = Number.POSITIVE_INFINITY;
  let cursor = 0;
  const confirm = (m: ServerMessage) => {
    count++;
    if (m.type === 'hello') confirmEvery = m.confirmEvery;
    if ('cursor' in m && m.type !== 'resync') cursor = Math.max(cursor, m.cursor);
    const pageEnd = m.type === 'snapshot' || m.type === 'caught-up';
    if (pageEnd || count - reported >= confirmEvery) {
      ws.send(JSON.stringify({ type: 'received', count, cursor }));
      reported = count;
    }
  };
  ws.addEventListener('message', (e) => {
    if (e.data === PONG) pongs++;
    else {
      const m = ServerMessageSchema.parse(JSON.parse(String(e.data)));
      if (auth.confirm) confirm(m);
      // Tests look at rows: a batch a busy hub sent is taken apart into its updates.
      if (m.type === 'updates') {
        for (const row of m.rows) messages.push({ type: 'update', shard: m.shard, ...row });
      } else messages.push(m);
    }
    changed();
  });
  /** Resolves once `check` returns a value, re-checking on every message and on close. */
  const until = <T>(check: () => T | undefined, what: string) =>
    within(
      new Promise<T>((resolve) => {
        const listener = () => {
          const found = check();
          if (found === undefined) return;
          listeners.delete(listener);
          resolve(found);
        };
        listeners.add(listener);
        listener();
      }),
      5_000,
      `${what}; got ${JSON.stringify(messages.map((m) => m.type))}`,
    );
  const waitFor = <T extends ServerMessage>(
    match: (m: ServerMessage) => m is T,
    what = 'a message',
  ) => until(() => messages.find(match), what);
  return {
    ws,
    protocol: res.headers.get('sec-websocket-protocol'),
    messages,
    pongs: () => pongs,
    until,
    waitFor,
    closed,
    send: (m) => ws.send(JSON.stringify(m)),
  };
};

export const is =
  <K extends ServerMessage['type']>(
    type: K,
    where: (m: Extract<ServerMessage, { type: K }>) => boolean = () => true,
  ) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: K }> =>
    m.type === type && where(m as Extract<ServerMessage, { type: K }>);

/** Takes events from a stream until `done` says so; fails after a few seconds. */
export const collect = (
  stream: StockStream,
  done: (events: StreamEvent[]) => boolean,
  ms = 10_000,
): Promise<StreamEvent[]> => {
  const events: StreamEvent[] = [];
  // next(), not for-await: leaving a for-await loop closes the stream.
  const run = async () => {
    while (!done(events)) {
      const r = await stream.next();
      if (r.done) break;
      events.push(r.value);
    }
    return events;
  };
  return within(run(), ms, 'stream events');
};

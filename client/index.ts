import { adminClient } from './admin';
import { createCall } from './call';
import { restClient } from './rest';
import type { ReconnectOptions } from './shard-socket';
import { StockStream, type StreamOptions } from './stream';

export type { BatchLine, BatchResult } from '../protocol/batch';
export type { ReservationView } from '../protocol/reservations';
export type { StockView } from '../protocol/stock';
export type { AdminClient, ImportFormat } from './admin';
export { type Call, createCall, type Fetch, type RawBody } from './call';
export { StockmeshError } from './errors';
export type { StreamEvent, UpdateEvent } from './events';
export { type FetchWebSocket, type FetchWebSocketClass, fetchWebSocket } from './fetch-websocket';
export type { MoveOptions, RestClient } from './rest';
export type { StockStream, StreamOptions } from './stream';

export type ClientOptions = {
  /** The gateway, e.g. https://stockmesh.example.com or http://127.0.0.1:8787 */
  baseUrl: string;
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * A WebSocket constructor: the global one by default (browsers, Node 22+); `ws` in Node 20; in
   * a Worker, `fetchWebSocket(fetch)` (or over a service binding's fetch).
   */
  WebSocket?: unknown;
  /** Shard count, when known; otherwise read once from GET /v1/stream/info. */
  shards?: number;
  reconnect?: Partial<ReconnectOptions>;
  /** Acknowledgements kept while a socket is down (the newest matter; default 64). */
  maxEnqueuedMessages?: number;
  /** Ping interval; no answer for twice this long reconnects (default 25 s). */
  heartbeatMs?: number;
  /**
   * How stream sockets authenticate: `ticket` (default) asks POST /v1/stream/tickets for a
   * single-use ticket before each connection, so the key never travels in a WebSocket handshake
   * (which platform logs keep); `subprotocol` offers the key itself, for gateways without tickets.
   */
  streamAuth?: 'ticket' | 'subprotocol';
};

/**
 * The typed Stockmesh client: REST helpers for stock, carts, batches and the operator's routes,
 * and `stream()` over every shard on partysocket (reconnect with backoff, per-shard cursor resume, bounded send buffer).
 */
export const createStockmeshClient = (options: ClientOptions) => {
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const rest = restClient(options.baseUrl, options.apiKey, fetch);
  let shards: Promise<number> | undefined =
    options.shards === undefined ? undefined : Promise.resolve(options.shards);
  const shardCount = () => {
    shards ??= rest.streamInfo().then((info) => info.shards);
    // A failed lookup is tried again by the next stream.
    shards.catch(() => {
      shards = undefined;
    });
    return shards;
  };
  return {
    ...rest,
    ...adminClient(createCall(options.baseUrl, options.apiKey, fetch)),
    /** Opens the stream on every shard the filter touches; iterate it with `for await`. */
    stream: (filter: StreamOptions = {}) =>
      new StockStream(
        {
          baseUrl: options.baseUrl,
          apiKey: options.apiKey,
          ...(options.streamAuth !== 'subprotocol' && {
            ticket: (channel: string | undefined) => rest.streamTicket({ channel }),
          }),
          WebSocket: options.WebSocket ?? globalThis.WebSocket,
          shards: shardCount,
          reconnect: { minDelayMs: 500, maxDelayMs: 10_000, growFactor: 1.5, ...options.reconnect },
          maxEnqueuedMessages: options.maxEnqueuedMessages ?? 64,
          heartbeatMs: options.heartbeatMs ?? 25_000,
        },
        filter,
      ),
  };
};
export type StockmeshClient = ReturnType<typeof createStockmeshClient>;

import type { AppError, ErrorCode } from '../protocol/errors';
import { shardOf } from '../protocol/shard';
import {
  CloseCode,
  formatCursors,
  type ShardCursors,
  STREAM_SUBPROTOCOL,
  type StreamTicket,
} from '../protocol/stream';
import { StockmeshError } from './errors';
import type { Queued, StreamEnd, StreamEvent } from './events';
import { SeenRows } from './seen-rows';
import { type ReconnectOptions, ShardSocket } from './shard-socket';

export type StreamOptions = {
  /** Adds the channel's listed quantity to every row (a connector key must name its channel). */
  channel?: string;
  locations?: string[];
  skus?: string[];
  prefix?: string;
  /** Where to resume, per shard (from `cursors()` of an earlier stream); a snapshot otherwise. */
  cursor?: ShardCursors;
  /** Only these shards (e.g. one connector process per shard); all the filter touches otherwise. */
  shards?: number[];
};

export type StreamConfig = {
  baseUrl: string;
  apiKey: string;
  /**
   * Asks for a single-use ticket (POST /v1/stream/tickets) before each connection, so the key
   * never travels in a WebSocket handshake; without it the key goes as a subprotocol (older gateways).
   */
  ticket?: (channel: string | undefined) => Promise<StreamTicket>;
  WebSocket: unknown;
  shards: () => Promise<number>;
  reconnect: ReconnectOptions;
  maxEnqueuedMessages: number;
  heartbeatMs: number;
};

const BEARER_SUBPROTOCOL_PREFIX = 'stockmesh.bearer.';

/** Ticket refusals that would recur on every retry, as the close code a refused socket gets. */
const fatalTicketErrors: Partial<Record<ErrorCode, number>> = {
  validation_failed: CloseCode.invalid,
  unauthorized: CloseCode.unauthorized,
  forbidden: CloseCode.forbidden,
  unknown_channel: CloseCode.notFound,
};

/**
 * The stream of every shard a filter touches, merged into one async iterator. Each shard resumes
 * after its own cursor across reconnects; a SKU's seq never goes backwards; `cursors()` is what
 * to persist and `ack()` what a connector acknowledges once it has pushed what it read.
 */
export class StockStream implements AsyncIterable<StreamEvent> {
  private readonly queue: Queued[] = [];
  private wake: (() => void) | undefined;
  private sockets: ShardSocket[] = [];
  private shards: number[] = [];
  private shardCount = 1;
  private readonly caughtUp = new Set<number>();
  private readonly seen = new SeenRows();
  private end: StreamEnd | undefined;

  constructor(
    private readonly config: StreamConfig,
    private readonly options: StreamOptions,
  ) {
    config.shards().then(
      (n) => this.open(n),
      (error: unknown) => {
        const e = error instanceof StockmeshError ? error.error : undefined;
        this.finish({
          error: { ...(e ?? { code: 'internal', message: String(error) }), closeCode: 0 },
        });
      },
    );
  }

  /** The resume point of each shard: every event up to it has been taken from this stream. */
  cursors(): ShardCursors {
    return Object.fromEntries(this.sockets.map((s, i) => [this.shardAt(i), s.delivered]));
  }

  /** Acknowledges, on every shard, what has been taken (or the given cursors). */
  ack(cursors: ShardCursors = this.cursors()): void {
    this.sockets.forEach((s, i) => {
      const cursor = cursors[this.shardAt(i)];
      if (cursor !== undefined) s.ack(cursor);
    });
  }

  /** Whether every shard has finished its replay at least once. */
  get isCaughtUp(): boolean {
    return this.sockets.length > 0 && this.caughtUp.size === this.sockets.length;
  }

  close(): void {
    this.finish({});
  }

  /** Calls `listener` with every event until the stream ends; rejects if it is refused. */
  async forEach(listener: (event: StreamEvent) => void | Promise<void>): Promise<void> {
    for await (const event of this) await listener(event);
  }

  async next(): Promise<IteratorResult<StreamEvent, undefined>> {
    for (;;) {
      const item = this.queue.shift();
      if (item !== undefined) {
        item.consumed();
        if (item.event !== undefined) return { value: item.event, done: false };
        continue;
      }
      if (this.end !== undefined) {
        const { error } = this.end;
        if (error !== undefined) {
          const { closeCode, ...appError } = error;
          throw new StockmeshError(appError, closeCode);
        }
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent, undefined> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private shardAt(i: number): number {
    return this.shards[i] ?? i;
  }

  private open(count: number): void {
    if (this.end !== undefined) return;
    const { skus, shards } = this.options;
    this.shardCount = count;
    const touched =
      skus === undefined
        ? Array.from({ length: count }, (_, i) => i)
        : [...new Set(skus.map((sku) => shardOf(sku, count)))].sort((a, b) => a - b);
    this.shards = shards === undefined ? touched : touched.filter((s) => shards.includes(s));
    const base = this.config.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '');
    const { ticket } = this.config;
    const protocols =
      ticket === undefined
        ? [STREAM_SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${this.config.apiKey}`]
        : [STREAM_SUBPROTOCOL];
    this.sockets = this.shards.map(
      (shard) =>
        new ShardSocket({
          shard,
          url: async (cursor) => {
            const url = `${base}/v1/stream?${this.query(shard, cursor)}`;
            if (ticket === undefined) return url;
            return `${url}&ticket=${encodeURIComponent(await this.ticket(ticket))}`;
          },
          protocols,
          cursor: this.options.cursor?.[shard] ?? 0,
          WebSocket: this.config.WebSocket,
          reconnect: this.config.reconnect,
          maxEnqueuedMessages: this.config.maxEnqueuedMessages,
          heartbeatMs: this.config.heartbeatMs,
          isNew: (row) => this.seen.isNew(row),
          emit: (item) => this.push(item),
          caughtUp: (s) => {
            this.caughtUp.add(s);
            return this.isCaughtUp;
          },
          fail: (error: AppError, closeCode: number) =>
            this.finish({ error: { ...error, closeCode } }),
        }),
    );
  }

  /** A fresh ticket; a refusal that would recur ends the stream (the socket then stops retrying). */
  private async ticket(ask: NonNullable<StreamConfig['ticket']>): Promise<string> {
    try {
      return (await ask(this.options.channel)).ticket;
    } catch (error) {
      const refused = error instanceof StockmeshError ? fatalTicketErrors[error.code] : undefined;
      if (refused !== undefined && error instanceof StockmeshError) {
        this.finish({ error: { ...error.error, closeCode: refused } });
      }
      throw error;
    }
  }

  private query(shard: number, cursor: number): string {
    const { channel, locations, skus, prefix } = this.options;
    const params = new URLSearchParams({ shard: String(shard) });
    if (channel !== undefined) params.set('channel', channel);
    if (locations !== undefined) params.set('locations', locations.join(','));
    if (skus !== undefined) {
      params.set('skus', skus.filter((s) => shardOf(s, this.shardCount) === shard).join(','));
    }
    if (prefix !== undefined) params.set('prefix', prefix);
    if (cursor > 0) params.set('cursor', formatCursors({ [shard]: cursor }));
    return params.toString();
  }

  private push(item: Queued): void {
    if (this.end !== undefined) return;
    this.queue.push(item);
    this.wake?.();
    this.wake = undefined;
  }

  private finish(end: StreamEnd): void {
    if (this.end !== undefined) return;
    this.end = end;
    for (const socket of this.sockets) socket.close();
    this.wake?.();
    this.wake = undefined;
  }
}

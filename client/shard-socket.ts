import ReconnectingWebSocket from 'partysocket/ws';
import type { AppError } from '../protocol/errors';
import {
  type ClientMessage,
  CloseCode,
  FATAL_CLOSE_CODES,
  PING,
  PONG,
  ServerMessage,
  type StreamRow,
} from '../protocol/stream';
import type { Queued, StreamEvent } from './events';

export type ReconnectOptions = { minDelayMs: number; maxDelayMs: number; growFactor: number };

export type ShardSocketOptions = {
  shard: number;
  /** The socket URL resuming after `cursor` (with a fresh ticket when the stream uses tickets). */
  url: (cursor: number) => Promise<string>;
  protocols: string[];
  cursor: number;
  /** A WebSocket constructor (the global one, `ws` in Node, fetchWebSocket in Workers). */
  WebSocket: unknown;
  reconnect: ReconnectOptions;
  /** Messages (acknowledgements) kept while disconnected; older ones beyond it are dropped. */
  maxEnqueuedMessages: number;
  heartbeatMs: number;
  /** Is this row news to the subscriber (a newer seq, or a changed view of the same)? */
  isNew: (row: StreamRow) => boolean;
  emit: (item: Queued) => void;
  caughtUp: (shard: number) => boolean;
  fail: (error: AppError, closeCode: number) => void;
};

/** Acknowledgements within this long of each other go out as one (the newest cursor). */
const ACK_EVERY_MS = 100;

const closeCodeErrors: Record<number, AppError['code']> = {
  [CloseCode.invalid]: 'validation_failed',
  [CloseCode.unauthorized]: 'unauthorized',
  [CloseCode.forbidden]: 'forbidden',
  [CloseCode.notFound]: 'not_found',
};

/**
 * One shard's socket: reconnects with backoff and resumes after the last cursor it received;
 * confirms what the consumer has taken (flow control) and answers for the shard's cursor.
 */
export class ShardSocket {
  /** Resume point: the last cursor received, including events still queued. */
  private received: number;
  /** The cursor of the last event the consumer took: what to persist and acknowledge. */
  delivered: number;
  private generation = 0;
  private consumed = 0;
  private reported = 0;
  private confirmEvery = 1;
  private lastError: AppError | undefined;
  private lastHeard = Date.now();
  /** The newest cursor the consumer acknowledged, and the newest the hub was sent. */
  private ackWanted = 0;
  private ackSent = 0;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly ws: ReconnectingWebSocket;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(private readonly o: ShardSocketOptions) {
    this.received = o.cursor;
    this.delivered = o.cursor;
    this.ws = new ReconnectingWebSocket(() => o.url(this.received), o.protocols, {
      WebSocket: o.WebSocket,
      minReconnectionDelay: o.reconnect.minDelayMs,
      maxReconnectionDelay: o.reconnect.maxDelayMs,
      reconnectionDelayGrowFactor: o.reconnect.growFactor,
      maxEnqueuedMessages: o.maxEnqueuedMessages,
      connectionTimeout: 10_000,
      shouldReconnectOnClose: (e) => !FATAL_CLOSE_CODES.includes(e.code),
    });
    this.ws.addEventListener('open', () => {
      this.generation++;
      this.consumed = 0;
      this.reported = 0;
      this.lastHeard = Date.now();
      // An acknowledgement made while the socket was down goes out on the new one.
      this.scheduleAck();
    });
    this.ws.addEventListener('message', (e) => this.onMessage(e.data));
    this.ws.addEventListener('close', (e) => this.onClose(e.code, e.reason));
    // The hub's runtime answers pings while it hibernates; silence means a dead connection.
    this.heartbeat = setInterval(() => {
      if (this.ws.readyState !== this.ws.OPEN) return;
      if (Date.now() - this.lastHeard > 2 * o.heartbeatMs) this.ws.reconnect(3000, 'no heartbeat');
      else this.ws.send(PING);
    }, o.heartbeatMs);
  }

  /**
   * Tells the hub the connector has durably handled everything up to `cursor`. Coalesced: the
   * newest cursor goes out at most once per ACK_EVERY_MS, and an ack that moves nothing is not
   * sent at all, so acknowledging after every event costs the hub almost nothing.
   */
  ack(cursor = this.delivered): void {
    if (this.closed || cursor <= this.ackWanted) return;
    this.ackWanted = cursor;
    this.scheduleAck();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ws.close(1000, 'closed by the client');
  }

  private scheduleAck(): void {
    if (this.closed || this.ackTimer !== undefined || this.ackWanted <= this.ackSent) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      // Sent when the socket is open; otherwise the next 'open' sends the newest.
      if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
      this.ackSent = this.ackWanted;
      this.ws.send(JSON.stringify({ type: 'ack', cursor: this.ackSent } satisfies ClientMessage));
    }, ACK_EVERY_MS);
  }

  private onMessage(data: unknown): void {
    this.lastHeard = Date.now();
    if (data === PONG) return;
    const generation = this.generation;
    let json: unknown;
    try {
      json = typeof data === 'string' ? JSON.parse(data) : undefined;
    } catch {
      json = undefined;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      this.consume(generation, undefined, false);
      return;
    }
    const m = parsed.data;
    const { shard } = this.o;
    switch (m.type) {
      case 'hello':
        this.confirmEvery = m.confirmEvery;
        // `from` is below the cursor asked for when the hub's storage started over.
        this.received = m.from;
        this.consume(generation, undefined, false);
        return;
      case 'snapshot': {
        this.received = m.cursor;
        const rows = m.rows.filter(this.o.isNew);
        rows.forEach((row, i) => {
          const last = i === rows.length - 1;
          this.queue({ type: 'update', shard, replay: true, ...row }, () => {
            if (last) this.consume(generation, m.cursor, true);
          });
        });
        if (rows.length === 0)
          this.queue(undefined, () => this.consume(generation, m.cursor, true));
        return;
      }
      case 'caught-up': {
        this.received = m.cursor;
        const event = { type: 'caught-up' as const, shard, cursor: m.cursor, all: false };
        this.queue(event, () => {
          event.all = this.o.caughtUp(shard);
          this.consume(generation, m.cursor, true);
        });
        return;
      }
      case 'update': {
        this.received = m.cursor;
        const { type: _t, shard: _s, ...row } = m;
        const event = this.o.isNew(row)
          ? { type: 'update' as const, shard, replay: false, ...row }
          : undefined;
        this.queue(event, () => this.consume(generation, m.cursor, false));
        return;
      }
      case 'updates': {
        this.received = m.cursor;
        const rows = m.rows.filter(this.o.isNew);
        rows.forEach((row, i) => {
          const last = i === rows.length - 1;
          this.queue({ type: 'update', shard, replay: false, ...row }, () => {
            if (last) this.consume(generation, m.cursor, false);
          });
        });
        if (rows.length === 0)
          this.queue(undefined, () => this.consume(generation, m.cursor, false));
        return;
      }
      case 'lag':
        this.queue({ ...m }, () => this.consume(generation, undefined, false));
        return;
      case 'error':
        this.lastError = { code: m.code, message: m.message };
        this.consume(generation, undefined, false);
        return;
      case 'resync':
        // The close that follows (4008) reconnects after the last cursor received.
        return;
    }
  }

  private queue(event: StreamEvent | undefined, consumed: () => void): void {
    this.o.emit({ event, consumed });
  }

  /** The consumer took a message of socket `generation`: confirm now and then. */
  private consume(generation: number, cursor: number | undefined, pageEnd: boolean): void {
    if (cursor !== undefined) this.delivered = cursor;
    if (generation !== this.generation) return;
    this.consumed++;
    if (pageEnd || this.consumed - this.reported >= this.confirmEvery) {
      // Never queued: a count belongs to the socket it was made on.
      if (this.ws.readyState !== this.ws.OPEN) return;
      this.ws.send(
        JSON.stringify({
          type: 'received',
          count: this.consumed,
          cursor: this.delivered,
        } satisfies ClientMessage),
      );
      this.reported = this.consumed;
    }
  }

  private onClose(code: number, reason: string): void {
    if (FATAL_CLOSE_CODES.includes(code)) {
      clearInterval(this.heartbeat);
      const error = this.lastError ?? {
        code: closeCodeErrors[code] ?? 'internal',
        message: reason,
      };
      this.o.fail(error, code);
      return;
    }
    if (code !== 1000 || this.ws.shouldReconnect) {
      this.queue({ type: 'reconnecting', shard: this.o.shard, code, reason }, () => {});
    }
  }
}

import { ServerMessage, type StreamRow } from '../../protocol/stream';
import { ADMIN_KEY } from '../support/client';
import { workerFetch } from './support';

/** What a subscriber believes of one SKU: the newest seq it saw, and that row. */
export type Belief = { seq: number; row: StreamRow };

/**
 * A plain WebSocket subscriber of one shard, written from docs/stream.md alone: it confirms after
 * every snapshot page and every `confirmEvery` messages, keeps the newest row per SKU, and
 * resumes from its last cursor whenever its socket closes (or `drop()` closes it).
 */
export class Follower {
  readonly beliefs = new Map<string, Belief>();
  cursor = 0;
  reconnects = 0;
  private ws: WebSocket | undefined;
  private stopped = false;
  private count = 0;
  private reported = 0;
  private confirmEvery = Number.POSITIVE_INFINITY;
  private opening: Promise<void> | undefined;

  constructor(
    readonly shard: number,
    private readonly query: string,
  ) {}

  start(): Promise<void> {
    this.opening = this.open();
    return this.opening;
  }

  /** Drops the socket as a network would; the follower resumes from its cursor. */
  drop(): void {
    this.ws?.close(1000, 'dropped by the test');
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close(1000, 'done');
  }

  private async open(): Promise<void> {
    const cursor = this.cursor > 0 ? `&cursor=${this.cursor}` : '';
    const res = await workerFetch(
      new Request(`http://stockmesh.test/v1/stream?shard=${this.shard}&${this.query}${cursor}`, {
        headers: { upgrade: 'websocket', authorization: `Bearer ${ADMIN_KEY}` },
      }),
    );
    const ws = res.webSocket;
    if (ws === null) throw new Error(`no WebSocket: ${res.status}`);
    ws.accept();
    this.ws = ws;
    this.count = 0;
    this.reported = 0;
    ws.addEventListener('message', (e) => this.onMessage(ws, String(e.data)));
    ws.addEventListener('close', () => {
      if (this.stopped || this.ws !== ws) return;
      this.reconnects++;
      this.opening = this.open().catch(() => this.retry());
    });
  }

  private retry(): Promise<void> {
    return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() =>
      this.stopped ? undefined : this.open().catch(() => this.retry()),
    );
  }

  private onMessage(ws: WebSocket, data: string): void {
    if (data === 'pong') return;
    const m = ServerMessage.parse(JSON.parse(data));
    this.count++;
    switch (m.type) {
      case 'hello':
        this.confirmEvery = m.confirmEvery;
        this.cursor = m.from;
        break;
      case 'snapshot':
      case 'updates':
        for (const row of m.rows) this.see(row);
        this.cursor = m.cursor;
        break;
      case 'update': {
        const { type: _t, shard: _s, ...row } = m;
        this.see(row);
        this.cursor = m.cursor;
        break;
      }
      case 'caught-up':
        this.cursor = m.cursor;
        break;
      default:
        break;
    }
    const pageEnd = m.type === 'snapshot' || m.type === 'caught-up';
    if (pageEnd || this.count - this.reported >= this.confirmEvery) {
      try {
        ws.send(JSON.stringify({ type: 'received', count: this.count, cursor: this.cursor }));
        this.reported = this.count;
      } catch {
        // Closing: the close handler resumes.
      }
    }
  }

  private see(row: StreamRow): void {
    const known = this.beliefs.get(row.sku);
    if (known === undefined || row.seq >= known.seq)
      this.beliefs.set(row.sku, { seq: row.seq, row });
  }
}

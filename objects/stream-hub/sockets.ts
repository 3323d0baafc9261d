import type { Connection } from 'partyserver';
import { CloseCode, type ListingRules, type RecommendationChanges } from '../../protocol/stream';
import type { Refusal } from './admission';
import { type ConnState, readClientMessage } from './connection-state';
import type { SkuExposure } from './exposure';
import { type FanOutContext, messageFor, newFanOutCache, viewNow } from './fan-out';
import { type Change, PendingChanges } from './pending';
import { seesRecommendation } from './recommendations';
import { type Replay, replayAfterRulesChange, rowsToSend } from './replay';
import { type Outgoing, Subscriber } from './subscriber';
import { type HubRow, matchesSku, project, sameView } from './view';

// A hub's live sockets (docs/stream.md): the registry (rebuilt from the runtime's list after
// hibernation), replay pages at the pace each subscriber confirms, the fan-out of live changes,
// and the resync or close of a socket that cannot keep up.

const PAGE_ROWS = 100;
/**
 * After a fan-out of n messages the next waits n × this (at most MAX_FAN_OUT_GAP_MS): a hub with
 * many subscribers batches more and spends a bounded share of its thread sending, while one with
 * a few sends every change at once.
 */
const FAN_OUT_GAP_PER_MESSAGE_MS = 0.02;
const MAX_FAN_OUT_GAP_MS = 50;

/** What the sockets need of their hub. */
export type SocketPorts = {
  shard: () => number;
  /** Messages a subscriber may leave unconfirmed before it is called slow. */
  window: number;
  head: () => number;
  connections: () => Iterable<Connection>;
  rowsAfter: (cursor: number, limit: number) => HubRow[];
  /** Does this hub still publish the SKU (a change of STREAM_SHARDS leaves others behind)? */
  owns: (sku: string) => boolean;
  view: Omit<FanOutContext, 'shard'>;
  /** A channel's rules in force at a cursor. */
  rulesAt: (channel: string | undefined, cursor: number) => ListingRules | undefined;
};

export class HubSockets {
  /** Live sockets by connection id; undefined until first needed after a wake. */
  private entries: Map<string, Subscriber> | undefined;
  private readonly pending = new PendingChanges();
  private flushScheduled = false;
  private nextFanOutAt = 0;

  constructor(
    private readonly hub: SocketPorts,
    /** Called with each batch before it is sent (the hub pokes the channels' syncs). */
    private readonly beforeFanOut: (changes: readonly Change[]) => void = () => undefined,
  ) {}

  /** Queues a changed row for the next fan-out (pending.ts), which it schedules. */
  changed(
    row: HubRow,
    previous: HubRow | undefined,
    exposure?: SkuExposure,
    exposedBefore?: Record<string, number>,
  ): void {
    this.pending.add(row, previous, exposure, exposedBefore);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Fan out once the changes already queued are stored: alone, a change goes out at once; in a
    // burst, each subscriber gets one message with the newest state of every SKU. Capped as well
    // as floored: a clock that steps back (corrected, or faked by a test) must never hold every
    // later change of this hub for as long as it stepped.
    const wait = Math.min(MAX_FAN_OUT_GAP_MS, Math.max(0, this.nextFanOutAt - Date.now()));
    setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.flushScheduled = false;
    const changes = this.pending.take();
    if (changes.length === 0) return;
    this.beforeFanOut(changes);
    this.nextFanOutAt = Date.now() + this.fanOut(changes);
  }

  /** Refuses a socket before it is registered: an `error` message, then the close code. */
  refuse(conn: Connection, { error, closeCode }: Refusal): void {
    conn.send(JSON.stringify({ type: 'error', code: error.code, message: error.message }));
    conn.close(closeCode, error.message.slice(0, 123));
  }

  /** Sockets save their message count to their attachment every this many messages. */
  get checkpointEvery(): number {
    return Math.max(1, this.hub.window >> 3);
  }

  private get ctx(): FanOutContext {
    return { ...this.hub.view, shard: this.hub.shard() };
  }

  all(): Map<string, Subscriber> {
    if (this.entries !== undefined) return this.entries;
    const entries = new Map<string, Subscriber>();
    for (const conn of this.hub.connections()) {
      if (conn.state === null) continue; // accepted a moment ago, onConnect not run yet
      const subscriber = Subscriber.restore(conn, this.checkpointEvery);
      if (subscriber === undefined) {
        conn.close(CloseCode.restart, 'The hub was upgraded: resume from your cursor');
      } else {
        entries.set(conn.id, subscriber);
      }
    }
    this.entries = entries;
    return entries;
  }

  /** Registers a socket that just connected; undefined when its state cannot be kept with it. */
  add(conn: Connection, state: ConnState): Subscriber | undefined {
    try {
      conn.setState(state);
    } catch {
      conn.close(CloseCode.invalid, 'Filter too large to keep with the socket: list fewer SKUs');
      return undefined;
    }
    const entry = new Subscriber(conn, state, 0, this.checkpointEvery);
    this.all().set(conn.id, entry);
    return entry;
  }

  forget(id: string): void {
    this.entries?.delete(id);
  }

  /** Live sockets of one key on this hub. */
  countOf(keyId: string): number {
    let open = 0;
    for (const entry of this.all().values()) if (entry.state.principal.keyId === keyId) open++;
    return open;
  }

  /** Keys with a socket of this channel open. */
  keysOf(channel: string): Set<string> {
    const keys = [...this.all().values()].filter((e) => e.state.filter.channel === channel);
    return new Set(keys.map((e) => e.state.principal.keyId));
  }

  /** Closes a key's sockets for good with this error; answers how many. */
  shutKey(keyId: string, { error, closeCode }: Refusal): number {
    let closed = 0;
    for (const entry of [...this.all().values()]) {
      if (entry.state.principal.keyId !== keyId) continue;
      this.forget(entry.conn.id);
      entry.shut(error, closeCode);
      closed++;
    }
    return closed;
  }

  /**
   * A client's message (docs/stream.md): `received` confirms messages (and lets a replay go on),
   * `ack` records a channel subscriber's progress, answered with what `acked` returns.
   */
  receive(
    conn: Connection,
    raw: unknown,
    acked: (entry: Subscriber, channel: string, cursor: number) => Outgoing,
  ): void {
    const entry = this.all().get(conn.id);
    if (entry === undefined) return;
    const read = readClientMessage(raw);
    if (!read.ok) {
      this.send(entry, { type: 'error', code: read.code, message: read.message });
      return;
    }
    const m = read.message;
    if (m.type === 'received') {
      const lie = entry.confirm(m.count, m.cursor);
      if (lie !== undefined) {
        this.forget(conn.id);
        entry.shut({ code: 'validation_failed', message: lie }, CloseCode.invalid);
      } else if (entry.state.replay !== null) this.pump(entry);
      else this.keep(entry);
      return;
    }
    const { channel } = entry.state.filter;
    if (channel === undefined) {
      const message = 'Only a channel subscription acknowledges';
      this.send(entry, { type: 'error', code: 'validation_failed', message });
      return;
    }
    const cursor = Math.min(m.cursor, this.hub.head());
    // An ack that moves nothing gets no answer, so a client that acks every message (this
    // answer included) cannot loop with the hub.
    if (!entry.acknowledge(cursor) || !this.keep(entry)) return;
    this.send(entry, acked(entry, channel, cursor));
  }

  /** A channel's rules changed: its subscribers replay the rows whose view it altered. */
  rulesChanged(channel: string, fromCursor: number, previousFrom: number): void {
    for (const entry of this.all().values()) {
      if (entry.state.filter.channel !== channel) continue;
      const { replay } = entry.state;
      entry.state.replay = replayAfterRulesChange(replay, fromCursor - 1, previousFrom);
      this.pump(entry);
    }
  }

  /**
   * Sends the changes to every live subscriber whose view they change (fan-out.ts); answers how
   * long the next fan-out should wait.
   */
  private fanOut(changes: readonly Change[]): number {
    const cache = newFanOutCache();
    const ctx = this.ctx;
    const { window } = this.hub;
    let sent = 0;
    for (const entry of [...this.all().values()]) {
      // One subscriber's failure must never cost the others this batch.
      try {
        const target = { ...entry.state, key: entry.key, filterKey: entry.filterKey };
        const message = messageFor(target, changes, ctx, cache);
        if (message === null) continue;
        sent++;
        if (entry.unconfirmed < window) this.send(entry, message);
        else this.drop(entry, `slow consumer: ${window} messages unconfirmed`);
      } catch (error) {
        console.error(`StreamHub ${ctx.shard}: fan-out to ${entry.conn.id} failed`, error);
        this.drop(entry, 'the hub could not send an update', CloseCode.restart);
      }
    }
    return Math.min(MAX_FAN_OUT_GAP_MS, sent * FAN_OUT_GAP_PER_MESSAGE_MS);
  }

  /**
   * Sends each changed recommendation to the subscribers that asked for them and see its SKU and
   * locations (recommendations.ts); a subscriber past its window is dropped as for a row.
   */
  recommend(changes: RecommendationChanges): void {
    const shard = this.hub.shard();
    for (const entry of [...this.all().values()]) {
      const { filter } = entry.state;
      const rules = filter.channel === undefined ? undefined : this.hub.view.rules(filter.channel);
      for (const { change, recommendation } of changes) {
        if (!this.hub.owns(recommendation.sku)) continue;
        if (!seesRecommendation(filter, rules, recommendation)) continue;
        if (entry.unconfirmed >= this.hub.window) {
          this.drop(entry, `slow consumer: ${this.hub.window} messages unconfirmed`);
          break;
        }
        this.send(entry, { type: 'recommendation', shard, change, recommendation });
      }
    }
  }

  /** Sends replay pages while the subscriber keeps up; the last one is followed by caught-up. */
  pump(entry: Subscriber): void {
    const { filter } = entry.state;
    const { channel } = filter;
    const ctx = this.ctx;
    const exposed = (row: HubRow) => (channel === undefined ? 0 : ctx.exposed(row.sku, channel));
    let replay: Replay | null = entry.state.replay;
    while (replay !== null && entry.mayPage) {
      const r: Replay = replay;
      const batch = this.hub.rowsAfter(r.at, PAGE_ROWS);
      const before = r.rulesFrom === null ? undefined : this.hub.rulesAt(channel, r.rulesFrom);
      const rows = rowsToSend(
        batch,
        r,
        (row) => matchesSku(filter, row.sku) && this.hub.owns(row.sku),
        (row) => !sameView(project(row, filter, before, exposed(row)), viewNow(row, filter, ctx)),
      );
      const at = batch.at(-1)?.cursor ?? r.at;
      const { shard } = ctx;
      const pages: Outgoing[] = [];
      if (rows.length > 0) {
        const views = rows.map((row) => ({ ...row, ...viewNow(row, filter, ctx) }));
        pages.push({ type: 'snapshot', shard, cursor: Math.max(r.from, at), rows: views });
      }
      const done = batch.length < PAGE_ROWS;
      if (done) {
        entry.state.since = this.hub.head();
        pages.push({ type: 'caught-up', shard, cursor: this.hub.head() });
      }
      if (!pages.every((p) => entry.sendPage(p))) {
        this.drop(entry, 'the hub could not send', CloseCode.restart);
        return;
      }
      replay = done ? null : { ...r, at };
    }
    entry.state.replay = replay;
    this.keep(entry);
  }

  /** Saves a socket's state with it; a socket whose state cannot be kept is sent to resume. */
  keep(entry: Subscriber): boolean {
    if (entry.save()) return true;
    this.drop(entry, "the hub could not keep this socket's state", CloseCode.restart);
    return false;
  }

  /** Closes a socket with a resync notice (it resumes from its cursor) and forgets it. */
  drop(entry: Subscriber, reason: string, code: number = CloseCode.slowConsumer): void {
    this.forget(entry.conn.id);
    entry.resync(this.hub.shard(), `${reason}; resume from your cursor`, code);
  }

  send(entry: Subscriber, message: Outgoing | string): void {
    if (!entry.send(message)) this.drop(entry, 'the hub could not send', CloseCode.restart);
  }
}

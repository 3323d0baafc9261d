import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { type Connection, type ConnectionContext, Server, type WSMessage } from 'partyserver';
import { z } from 'zod';
import { ChannelCode } from '../protocol/catalog';
import type { ErrorCode } from '../protocol/errors';
import { shardOf } from '../protocol/shard';
import { SkuUpdate } from '../protocol/sku-update';
import {
  ClientMessage,
  CloseCode,
  type HubChannelLag,
  type LedgerLag,
  ListingRules,
  PING,
  PONG,
  type StreamFilter,
  type StreamRow,
  Subscription,
} from '../protocol/stream';
import type { SignalEvent } from '../protocol/webhooks';
import { deliverSignals } from '../shared/signals/deliver';
import { channelSync } from '../shared/stubs';
import { AdmissionStore, admit, type Refusal, revoked } from './stream-hub/admission';
import {
  type ChannelRows,
  ChannelRowsInput,
  readChannelRows,
  syncAck,
} from './stream-hub/channel-rows';
import { ChannelSignals, publishChannelSignals, retryDelayMs } from './stream-hub/channel-signals';
import type { ConnState } from './stream-hub/connection-state';
import { ExposureEntries, Exposures } from './stream-hub/exposure';
import migrations from './stream-hub/migrations/migrations.js';
import { type Change, PendingChanges } from './stream-hub/pending';
import { beginReplay, type Replay, replayAfterRulesChange, rowsToSend } from './stream-hub/replay';
import * as schema from './stream-hub/schema';
import { HubStore, type RulesVersion } from './stream-hub/store';
import { type Outgoing, Subscriber } from './stream-hub/subscriber';
import { SyncLags } from './stream-hub/sync-lag';
import { SyncPokes, sqlSyncRegistry } from './stream-hub/sync-pokes';
import { isNarrow, matchesSku, project, sameView } from './stream-hub/view';

/** The gateway passes the authorized subscription to the hub in this header. */
export const SUBSCRIPTION_HEADER = 'x-stockmesh-subscription';

const DEFAULT_WINDOW = 1000;
/** A channel-signal publish in flight is retried this long after it started if the hub dies. */
const SIGNAL_LEASE_MS = 15_000;
const PAGE_ROWS = 100;
/**
 * After a fan-out of n messages the next waits n × this (at most MAX_FAN_OUT_GAP_MS): a hub with
 * many subscribers batches more and spends a bounded share of its thread sending, while one with
 * a few sends every change at once.
 */
const FAN_OUT_GAP_PER_MESSAGE_MS = 0.02;
const MAX_FAN_OUT_GAP_MS = 50;

const sameListing = (a: ListingRules, b: ListingRules) =>
  JSON.stringify({ ...a, updatedAt: '' }) === JSON.stringify({ ...b, updatedAt: '' });

/**
 * The latest state of a slice of SKUs (name = shard number) and the WebSocket fan-out of its
 * changes. Each change gets the next cursor; a subscriber resumes after the last cursor it saw
 * and receives every row changed since (rows are latest state, so replay is exact and bounded).
 */
export class StreamHub extends Server<Env> {
  static override options = { hibernate: true };

  private readonly store: HubStore;
  private readonly admission: AdmissionStore;
  private readonly window: number;
  private head = 0;
  private rules = new Map<string, RulesVersion[]>();
  /** Live sockets by connection id; rebuilt from the runtime's list after hibernation. */
  private entries: Map<string, Subscriber> | undefined;
  private readonly pending = new PendingChanges();
  private flushScheduled = false;
  private nextFanOutAt = 0;
  /** Each connected channel's marketplace lag, as its ChannelSync last reported it. */
  private readonly syncLags = new SyncLags(this.ctx.storage.kv);
  /** Degraded channels' exposure per SKU, taken off the other channels' listings. */
  private readonly exposures = new Exposures(this.ctx.storage.kv);
  /** Channel-level out / back_in_stock, judged as rows are stored (docs/signals.md). */
  private readonly signals = new ChannelSignals(this.ctx.storage.kv);
  private signalFailures = 0;
  /** Where channel signals go; tests swap it. */
  signalSink = (events: SignalEvent[]) => deliverSignals(this.env, events);
  /** ChannelSync objects woken when their channel's listed quantities change. */
  private readonly pokes = new SyncPokes(sqlSyncRegistry(drizzle(this.ctx.storage)), (channel) =>
    channelSync(this.env, channel).poke(this.shard),
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new HubStore(drizzle(ctx.storage, { schema }), ctx.storage.sql);
    this.admission = new AdmissionStore(drizzle(ctx.storage, { schema }));
    const window = Number(env.STREAM_WINDOW ?? DEFAULT_WINDOW);
    this.window = Number.isInteger(window) && window >= 8 ? window : DEFAULT_WINDOW;
    // Heartbeats are answered by the runtime: a ping never wakes a hibernating hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
      this.head = this.store.head();
      this.rules = this.store.loadRules();
    });
  }

  /**
   * Stores a SKU's latest state and sends it to every live subscriber whose view it changes.
   * An update whose seq is not newer than the stored one is ignored (SkuStock retries).
   */
  async publish(update: SkuUpdate): Promise<void> {
    const u = SkuUpdate.parse(update);
    const previous = this.store.row(u.sku);
    if (previous !== undefined && previous.seq > u.seq) return;
    if (previous !== undefined && previous.seq === u.seq) {
      // Same state, but the ledger may have caught up: keep the lag current, send nothing.
      this.store.putLedger(u.sku, u.ledger);
      return;
    }
    const cursor = ++this.head;
    this.store.putRow(u, cursor, Date.now());
    const rules = [...this.rules.values()].flatMap((v) => v.at(-1)?.rules ?? []);
    const exposedOf = (channel: string) => this.exposures.of(u.sku, channel);
    if (this.signals.record(u, previous?.locations, rules, exposedOf) > 0) {
      void this.armSignals(Date.now());
    }
    this.pending.add(
      { sku: u.sku, seq: u.seq, at: u.at, cursor, locations: u.locations },
      previous,
    );
    // Fan out once the publishes already queued are stored: alone, a change goes out at once;
    // in a burst, each subscriber gets one message with the newest state of every SKU.
    this.scheduleFanOut();
  }

  /** Stores a channel's signal thresholds (pushed by the catalog on change). */
  async setChannelThresholds(channel: string, thresholds: unknown): Promise<void> {
    this.signals.setThresholds(channel, thresholds);
  }

  /** Publishes the channel signals' outbox; a failure retries with backoff, a crash by the lease. */
  override async onAlarm(): Promise<void> {
    await this.armSignals(Date.now() + SIGNAL_LEASE_MS, true);
    const result = await publishChannelSignals(this.signals, this.signalSink);
    if (typeof result === 'object') {
      this.signalFailures++;
      console.warn(`StreamHub ${this.shard}: channel signals not published`, result.error);
      await this.armSignals(Date.now() + retryDelayMs(this.signalFailures), true);
      return;
    }
    this.signalFailures = 0;
    if (result === 'more') await this.armSignals(Date.now(), true);
    else await this.ctx.storage.deleteAlarm();
  }

  /** Sets the alarm to `at` unless one is due sooner (`force`: to `at` regardless). */
  private async armSignals(at: number, force = false): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (force || current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private scheduleFanOut(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Capped as well as floored: a clock that steps back (corrected, or faked by a test) must
    // never hold every later change of this hub for as long as it stepped.
    const wait = Math.min(MAX_FAN_OUT_GAP_MS, Math.max(0, this.nextFanOutAt - Date.now()));
    setTimeout(() => this.fanOut(), wait);
  }

  /** A channel's rules changed: re-send the listed quantities they alter to its subscribers. */
  async updateRules(rules: ListingRules): Promise<void> {
    this.applyRules(ListingRules.parse(rules), 'push');
    this.pokes.poke(rules.code);
  }

  /** A page of the channel's rows after a ChannelSync's cursor, with listed quantities (channel-rows.ts). */
  async channelRows(input: unknown): Promise<ChannelRows> {
    const q = ChannelRowsInput.parse(input);
    if (q.listing !== undefined) this.applyRules(q.listing, 'subscribe');
    this.pokes.register(q.channel);
    const source = {
      head: this.head,
      rules: this.rulesNow(q.channel),
      owns: (s: string) => this.owns(s),
      exposed: (s: string) => this.exposures.of(s, q.channel),
    };
    return readChannelRows(q, { ...source, rowsAfter: (c, n) => this.store.rowsAfter(c, n) });
  }

  /**
   * A degraded channel's exposure on this shard (SKU → units its marketplace still shows), or null
   * when it recovered (stream-hub/exposure.ts). The SKUs whose exposure moved get new cursors, so
   * every other channel's ChannelSync reads them again with the new listed quantity; nothing else.
   */
  async setExposure(channel: string, entries: unknown): Promise<number> {
    const code = ChannelCode.parse(channel);
    const parsed = entries === null ? null : ExposureEntries.parse(entries);
    const moved = this.exposures.put(code, parsed);
    const now = Date.now();
    let restamped = 0;
    for (const sku of moved) {
      if (this.store.row(sku) === undefined) continue;
      this.store.restamp(sku, ++this.head, now);
      restamped++;
    }
    if (restamped > 0) {
      for (const other of this.rules.keys()) if (other !== code) this.pokes.poke(other);
    }
    return restamped;
  }

  /** Units of the SKU other channels' degraded marketplaces expose, for `channel`'s listing. */
  async exposureOf(sku: string, channel: string): Promise<number> {
    return this.exposures.of(sku, channel);
  }

  /**
   * A ChannelSync's progress: the marketplace shows every change up to `cursor`; `sync` is its
   * queue and marketplace lag, which the channel's `lag` messages carry (stream-hub/sync-lag.ts).
   */
  async syncAck(channel: string, cursor: number, sync?: unknown): Promise<void> {
    this.store.saveAck(syncAck(channel, cursor, this.head, Date.now()));
    if (sync !== undefined) this.syncLags.put(channel, sync);
  }

  /** Every subscriber of the channel that ever connected here, and how far behind it is. */
  async channelLag(channel: string): Promise<HubChannelLag> {
    const connected = new Set(
      [...this.registry().values()]
        .filter((e) => e.state.filter.channel === channel)
        .map((e) => e.state.principal.keyId),
    );
    const subscribers = this.store.acksOf(channel).map((a) => ({
      connector: a.connector,
      role: a.role,
      shard: this.shard,
      head: this.head,
      acked: a.cursor,
      ackedAt: a.ackedAt === null ? null : new Date(a.ackedAt).toISOString(),
      ...this.lagAfter(a.cursor),
      connected: connected.has(a.connector),
    }));
    return { shard: this.shard, head: this.head, subscribers };
  }

  /** How far the D1 ledger is behind, over this hub's SKUs (for SkuStock's health check). */
  async ledgerLag(): Promise<LedgerLag> {
    return this.store.ledgerLag();
  }

  /**
   * A key was revoked: close its sockets here (4001, with an error message) and refuse its
   * sockets and tickets from now on, whatever a gateway's cache still says. Returns how many closed.
   */
  async revokeKey(keyId: string): Promise<number> {
    const id = z.string().min(1).parse(keyId);
    this.admission.revoke(id, Date.now());
    const { error, closeCode } = revoked(id);
    let closed = 0;
    for (const entry of [...this.registry().values()]) {
      if (entry.state.principal.keyId !== id) continue;
      this.entries?.delete(entry.conn.id);
      entry.shut(error, closeCode);
      closed++;
    }
    return closed;
  }

  /** Records a stream ticket's use; false when it was used before (on any shard: this is its home). */
  async claimTicket(nonce: string, expiresAt: number): Promise<boolean> {
    const claim = z.object({ nonce: z.string().min(16).max(64), expiresAt: z.number().int() });
    const c = claim.parse({ nonce, expiresAt });
    return this.admission.claimTicket(c.nonce, c.expiresAt, Date.now());
  }

  override onConnect(conn: Connection, ctx: ConnectionContext): void {
    const sub = this.subscriptionOf(ctx.request);
    if (sub === undefined) {
      conn.close(CloseCode.invalid, 'Connect through GET /v1/stream');
      return;
    }
    const { filter, principal } = sub;
    const refusal = admit(principal, {
      revoked: this.admission.isRevoked(principal.keyId),
      openSockets: this.socketsOf(principal.keyId),
    });
    if (refusal !== undefined) {
      this.refuse(conn, refusal);
      return;
    }
    if (sub.rules !== undefined) this.applyRules(sub.rules, 'subscribe');
    // A cursor past the head comes from another life of this hub's storage: start over.
    const from = sub.from > this.head ? 0 : sub.from;
    const replay = beginReplay(
      from,
      this.rulesNow(filter.channel)?.fromCursor ?? null,
      this.rulesAt(filter.channel, from)?.fromCursor ?? null,
    );
    const state: ConnState = {
      principal,
      filter,
      replay,
      since: 0,
      sent: 0,
      confirmed: 0,
      confirmedCursor: from,
      pages: [],
      acked: -1,
    };
    try {
      conn.setState(state);
    } catch {
      conn.close(CloseCode.invalid, 'Filter too large to keep with the socket: list fewer SKUs');
      return;
    }
    const entry = new Subscriber(conn, state, 0, this.checkpointEvery);
    this.registry().set(conn.id, entry);
    if (filter.channel !== undefined && principal.role === 'connector') {
      const known = this.store.ack(principal.keyId, filter.channel);
      this.store.saveAck({
        connector: principal.keyId,
        channel: filter.channel,
        role: principal.role,
        cursor: from,
        ackedAt: from > 0 ? Date.now() : (known?.ackedAt ?? null),
      });
    }
    this.send(entry, {
      type: 'hello',
      shard: this.shard,
      head: this.head,
      from,
      window: this.window,
      confirmEvery: Math.max(1, Math.floor(this.window / 4)),
    });
    this.pump(entry);
  }

  override onMessage(conn: Connection, message: WSMessage): void {
    const entry = this.registry().get(conn.id);
    if (entry === undefined) return;
    let json: unknown;
    try {
      json = typeof message === 'string' ? JSON.parse(message) : undefined;
    } catch {
      this.sendError(entry, 'invalid_json', 'Messages are JSON text');
      return;
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      this.sendError(
        entry,
        'validation_failed',
        'Expected {type:"ack",cursor} or {type:"received",count,cursor}',
      );
      return;
    }
    const m = parsed.data;
    if (m.type === 'received') {
      const lie = entry.confirm(m.count, m.cursor);
      if (lie !== undefined) {
        this.entries?.delete(conn.id);
        entry.shut({ code: 'validation_failed', message: lie }, CloseCode.invalid);
        return;
      }
      if (entry.state.replay !== null) this.pump(entry);
      else this.keep(entry);
      return;
    }
    const { channel } = entry.state.filter;
    if (channel === undefined) {
      this.sendError(entry, 'validation_failed', 'Only a channel subscription acknowledges');
      return;
    }
    const acked = Math.min(m.cursor, this.head);
    // An ack that moves nothing gets no answer, so a client that acks every message (this
    // answer included) cannot loop with the hub.
    if (!entry.acknowledge(acked)) return;
    if (!this.keep(entry)) return;
    const { keyId, role } = entry.state.principal;
    this.store.saveAck({ connector: keyId, channel, role, cursor: acked, ackedAt: Date.now() });
    const { behind, lagSeconds } = this.lagAfter(acked);
    this.send(entry, {
      type: 'lag',
      shard: this.shard,
      acked,
      head: this.head,
      behind,
      lagSeconds,
      ...this.syncLags.field(channel, Date.now()),
    });
  }

  override onClose(conn: Connection): void {
    this.entries?.delete(conn.id);
  }

  override onError(conn: Connection): void {
    this.entries?.delete(conn.id);
  }

  override onRequest(): Response {
    return new Response('StreamHub: connect through GET /v1/stream', { status: 400 });
  }

  /** Sockets save their message count to their attachment every this many messages. */
  private get checkpointEvery(): number {
    return Math.max(1, this.window >> 3);
  }

  private get shard(): number {
    return Number(this.name);
  }

  /** Live sockets of one key on this hub. */
  private socketsOf(keyId: string): number {
    let open = 0;
    for (const entry of this.registry().values()) {
      if (entry.state.principal.keyId === keyId) open++;
    }
    return open;
  }

  /** Refuses a socket before it is registered: an `error` message, then the close code. */
  private refuse(conn: Connection, { error, closeCode }: Refusal): void {
    conn.send(JSON.stringify({ type: 'error', code: error.code, message: error.message }));
    conn.close(closeCode, error.message.slice(0, 123));
  }

  private subscriptionOf(request: Request) {
    try {
      const header = request.headers.get(SUBSCRIPTION_HEADER);
      const parsed = Subscription.safeParse(header === null ? undefined : JSON.parse(header));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private registry(): Map<string, Subscriber> {
    if (this.entries !== undefined) return this.entries;
    const entries = new Map<string, Subscriber>();
    for (const conn of this.getConnections()) {
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

  /** Sends the pending changes to every live subscriber whose view they change. */
  private fanOut(): void {
    this.flushScheduled = false;
    const changes = this.pending.take();
    const first = changes[0]?.row.cursor;
    if (first === undefined) return;
    this.pokes.changed(changes, (channel) => this.rulesNow(channel)?.rules);
    const views = new Map<string, (StreamRow | null)[]>();
    const messages = new Map<string, string | null>();
    let sent = 0;
    for (const entry of [...this.registry().values()]) {
      // One subscriber's failure must never cost the others this batch.
      try {
        const message = this.messageFor(entry, changes, first, views, messages);
        if (message === null) continue;
        sent++;
        if (entry.unconfirmed < this.window) this.send(entry, message);
        else this.drop(entry, `slow consumer: ${this.window} messages unconfirmed`);
      } catch (error) {
        console.error(`StreamHub ${this.shard}: fan-out to ${entry.conn.id} failed`, error);
        this.drop(entry, 'the hub could not send an update', CloseCode.restart);
      }
    }
    const gap = Math.min(MAX_FAN_OUT_GAP_MS, sent * FAN_OUT_GAP_PER_MESSAGE_MS);
    this.nextFanOutAt = Date.now() + gap;
  }

  /** The message one live subscriber gets for these changes, or null when it needs none. */
  private messageFor(
    entry: Subscriber,
    changes: Change[],
    first: number,
    views: Map<string, (StreamRow | null)[]>,
    messages: Map<string, string | null>,
  ): string | null {
    const { filter, replay, since } = entry.state;
    // A replaying socket gets the rows when its scan reaches their cursors.
    if (replay !== null) return null;
    // A socket that went live after some of these rows were stored had them in its replay, and
    // may hold a newer state than the one before the batch: it gets every row after `since`.
    if (since >= first) {
      const rows = changes
        .filter((c) => c.row.cursor > since && matchesSku(filter, c.row.sku))
        .map(({ row }) => this.render({ row, previous: undefined }, filter))
        .filter((r): r is StreamRow => r !== null);
      return this.updateMessage(rows);
    }
    const cached = messages.get(entry.filterKey);
    if (cached !== undefined) return cached;
    let rendered = views.get(entry.key);
    if (rendered === undefined) {
      rendered = changes.map((c) => this.render(c, filter));
      views.set(entry.key, rendered);
    }
    const message = this.updateMessage(
      rendered.filter((r): r is StreamRow => r !== null && matchesSku(filter, r.sku)),
    );
    messages.set(entry.filterKey, message);
    return message;
  }

  /** A change as a subscriber with this filter sees it, or null when its view did not change. */
  private render({ row, previous }: Change, filter: StreamFilter): StreamRow | null {
    const rules = this.rulesNow(filter.channel)?.rules;
    const view = project(row, filter, rules);
    // A narrowed view (some locations, a channel) skips changes it cannot see; a whole-SKU view
    // gets every new seq, even one whose quantities came back to where they were (a hold and
    // its release in one batch): its seq is what a compare-and-swap (`ifSeq`) needs.
    if (previous !== undefined && isNarrow(filter)) {
      if (sameView(view, project(previous, filter, rules))) return null;
    }
    return { ...row, ...view };
  }

  private updateMessage(rows: StreamRow[]): string | null {
    const [only] = rows;
    if (only === undefined) return null;
    const shard = this.shard;
    if (rows.length === 1)
      return JSON.stringify({ type: 'update', shard, ...only } satisfies Outgoing);
    const cursor = rows.reduce((max, r) => Math.max(max, r.cursor), 0);
    return JSON.stringify({ type: 'updates', shard, cursor, rows } satisfies Outgoing);
  }

  /** Sends replay pages while the subscriber keeps up; the last one is followed by caught-up. */
  private pump(entry: Subscriber): void {
    const { filter } = entry.state;
    let replay: Replay | null = entry.state.replay;
    while (replay !== null && entry.mayPage) {
      const r: Replay = replay;
      const batch = this.store.rowsAfter(r.at, PAGE_ROWS);
      const rules = this.rulesNow(filter.channel)?.rules;
      const before = r.rulesFrom === null ? undefined : this.rulesAt(filter.channel, r.rulesFrom);
      const rows = rowsToSend(
        batch,
        r,
        (row) => matchesSku(filter, row.sku) && this.owns(row.sku),
        (row) => !sameView(project(row, filter, before?.rules), project(row, filter, rules)),
      );
      const at = batch.at(-1)?.cursor ?? r.at;
      if (rows.length > 0) {
        const page: Outgoing = {
          type: 'snapshot',
          shard: this.shard,
          cursor: Math.max(r.from, at),
          rows: rows.map((row) => ({ ...row, ...project(row, filter, rules) })),
        };
        if (!entry.sendPage(page)) {
          this.drop(entry, 'the hub could not send', CloseCode.restart);
          return;
        }
      }
      if (batch.length < PAGE_ROWS) {
        replay = null;
        entry.state.since = this.head;
        const end: Outgoing = { type: 'caught-up', shard: this.shard, cursor: this.head };
        if (!entry.sendPage(end)) {
          this.drop(entry, 'the hub could not send', CloseCode.restart);
          return;
        }
      } else {
        replay = { ...r, at };
      }
    }
    entry.state.replay = replay;
    this.keep(entry);
  }

  /** Saves a socket's state with it; a socket whose state cannot be kept is sent to resume. */
  private keep(entry: Subscriber): boolean {
    if (entry.save()) return true;
    this.drop(entry, "the hub could not keep this socket's state", CloseCode.restart);
    return false;
  }

  /** Closes a socket with a resync notice (it resumes from its cursor) and forgets it. */
  private drop(entry: Subscriber, reason: string, code: number = CloseCode.slowConsumer): void {
    this.entries?.delete(entry.conn.id);
    entry.resync(this.shard, `${reason}; resume from your cursor`, code);
  }

  private applyRules(rules: ListingRules, source: 'push' | 'subscribe'): void {
    const versions = this.rules.get(rules.code) ?? [];
    const current = versions.at(-1);
    if (current !== undefined) {
      const newer =
        rules.updatedAt > current.rules.updatedAt ||
        (source === 'push' && rules.updatedAt === current.rules.updatedAt);
      if (!newer || sameListing(current.rules, rules)) return;
    }
    // The first version a hub sees is the only one its subscribers can have seen.
    const fromCursor = current === undefined ? 0 : ++this.head;
    this.store.addRules(rules, fromCursor);
    this.rules.set(rules.code, [...versions, { fromCursor, rules }]);
    if (current === undefined) return;
    for (const entry of this.registry().values()) {
      if (entry.state.filter.channel !== rules.code) continue;
      entry.state.replay = replayAfterRulesChange(
        entry.state.replay,
        fromCursor - 1,
        current.fromCursor,
      );
      this.pump(entry);
    }
  }

  private rulesNow(channel: string | undefined): RulesVersion | undefined {
    return channel === undefined ? undefined : this.rules.get(channel)?.at(-1);
  }

  /** The version of a channel's rules in force at a cursor. */
  private rulesAt(channel: string | undefined, cursor: number): RulesVersion | undefined {
    if (channel === undefined) return undefined;
    return this.rules.get(channel)?.findLast((v) => v.fromCursor <= cursor);
  }

  /** After a change of STREAM_SHARDS a hub still holds SKUs now published elsewhere. */
  private owns(sku: string): boolean {
    return shardOf(sku, Number(this.env.STREAM_SHARDS)) === this.shard;
  }

  private lagAfter(acked: number) {
    const behind = Math.max(0, this.head - acked);
    if (behind === 0) return { behind, pendingSkus: 0, lagSeconds: 0 };
    const pending = this.store.pendingAfter(acked);
    const age = pending.oldestChangedAt === null ? 0 : Date.now() - pending.oldestChangedAt;
    return { behind, pendingSkus: pending.skus, lagSeconds: Math.max(0, age) / 1000 };
  }

  private send(entry: Subscriber, message: Outgoing | string): void {
    if (!entry.send(message)) this.drop(entry, 'the hub could not send', CloseCode.restart);
  }

  private sendError(entry: Subscriber, code: ErrorCode, message: string): void {
    this.send(entry, { type: 'error', code, message });
  }
}

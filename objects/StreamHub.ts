import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { type Connection, type ConnectionContext, Server, type WSMessage } from 'partyserver';
import { z } from 'zod';
import { ChannelCode } from '../protocol/catalog';
import { shardOf } from '../protocol/shard';
import { SkuUpdate } from '../protocol/sku-update';
import {
  CloseCode,
  type HubChannelLag,
  type LedgerLag,
  ListingRules,
  PING,
  PONG,
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
import { newConnState, readClientMessage, subscriptionOf } from './stream-hub/connection-state';
import {
  ExposureEntries,
  Exposures,
  exposedFrom,
  type SkuExposure,
  sharesLocation,
} from './stream-hub/exposure';
import { type FanOutContext, messageFor, newFanOutCache, viewNow } from './stream-hub/fan-out';
import { channelLag, lagAfter } from './stream-hub/lag';
import migrations from './stream-hub/migrations/migrations.js';
import { PendingChanges } from './stream-hub/pending';
import { beginReplay, type Replay, replayAfterRulesChange, rowsToSend } from './stream-hub/replay';
import { RulesVersions } from './stream-hub/rules';
import * as schema from './stream-hub/schema';
import { HubStore } from './stream-hub/store';
import { type Outgoing, Subscriber } from './stream-hub/subscriber';
import { SyncLags } from './stream-hub/sync-lag';
import { SyncPokes, sqlSyncRegistry } from './stream-hub/sync-pokes';
import { type HubRow, matchesSku, project, sameView } from './stream-hub/view';

/** The gateway passes the authorized subscription to the hub in this header. */
export const SUBSCRIPTION_HEADER = 'x-stockmesh-subscription';

const DEFAULT_WINDOW = 1000;
/** A channel-signal publish in flight is retried this long after it started if the hub dies. */
const SIGNAL_LEASE_MS = 15_000;
const PAGE_ROWS = 100;
/** Rows read at a time when a rules change re-judges a channel's signals over the shard. */
const RULES_SCAN_ROWS = 1000;
/**
 * After a fan-out of n messages the next waits n × this (at most MAX_FAN_OUT_GAP_MS): a hub with
 * many subscribers batches more and spends a bounded share of its thread sending, while one with
 * a few sends every change at once.
 */
const FAN_OUT_GAP_PER_MESSAGE_MS = 0.02;
const MAX_FAN_OUT_GAP_MS = 50;

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
  private rules = new RulesVersions(new Map());
  /** Live sockets by connection id; rebuilt from the runtime's list after hibernation. */
  private entries: Map<string, Subscriber> | undefined;
  private readonly pending = new PendingChanges();
  private flushScheduled = false;
  private nextFanOutAt = 0;
  /** Each connected channel's marketplace lag, as its ChannelSync last reported it. */
  private readonly syncLags = new SyncLags(this.ctx.storage.kv);
  /** Degraded channels' exposure per SKU, taken off the other channels' listings. */
  private readonly exposures = new Exposures(this.ctx.storage.kv);
  /** Channel-level out / back_in_stock / low, judged as listings move (docs/signals.md). */
  private readonly signals = new ChannelSignals(this.ctx.storage.kv);
  private signalFailures = 0;
  /** Where channel signals go; tests swap it. */
  signalSink = (events: SignalEvent[]) => deliverSignals(this.env, events);
  /** ChannelSync objects woken when their channel's listed quantities change. */
  private readonly pokes = new SyncPokes(sqlSyncRegistry(drizzle(this.ctx.storage)), (channel) =>
    channelSync(this.env, channel).poke(this.shard),
  );
  /** What rendering a row for a subscriber needs: rules and exposure now (stream-hub/fan-out.ts). */
  private readonly view: FanOutContext = {
    shard: 0,
    rules: (channel) => this.rules.now(channel)?.rules,
    exposed: (sku, channel, exposure) => this.exposedOf(sku, channel, exposure),
  };

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
      this.rules = new RulesVersions(this.store.loadRules());
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
    const channels = this.rules
      .current()
      .map((r) => ({ rules: r, exposed: this.exposedOf(u.sku, r.code) }));
    this.judge(this.signals.record(u, previous?.locations, channels));
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

  /** Arms the signal alarm when a judgement raised any. */
  private judge(raised: number): void {
    if (raised > 0) void this.armSignals(Date.now());
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
    return readChannelRows(q, {
      head: this.head,
      rules: this.rules.now(q.channel),
      owns: (s: string) => this.owns(s),
      exposed: (s: string) => this.exposedOf(s, q.channel),
      rowsAfter: (c, n) => this.store.rowsAfter(c, n),
    });
  }

  /**
   * A degraded channel's exposure on this shard (SKU → units its marketplace still shows), or null
   * when it recovered (stream-hub/exposure.ts). The SKUs whose exposure moved get new cursors, so
   * every other channel's ChannelSync reads them again with the new listed quantity, their live
   * channel subscribers get the new quantity, and a listing it ends or restores raises its signal.
   */
  async setExposure(channel: string, entries: unknown): Promise<number> {
    const code = ChannelCode.parse(channel);
    const parsed = entries === null ? null : ExposureEntries.parse(entries);
    const before = new Map<string, SkuExposure>();
    const skus = [...new Set([...Object.keys(parsed ?? {}), ...this.exposures.skusOf(code)])];
    for (const sku of skus) before.set(sku, this.exposures.ofSku(sku));
    const moved = this.exposures.put(code, parsed);
    const now = Date.now();
    let restamped = 0;
    for (const sku of moved) {
      const row = this.store.row(sku);
      if (row === undefined) continue;
      const cursor = ++this.head;
      this.store.restamp(sku, cursor, now);
      restamped++;
      const exposure = before.get(sku) ?? {};
      const channels = this.rules.current().flatMap((r) => {
        const [exposed, exposedBefore] = [
          this.exposedOf(sku, r.code),
          this.exposedOf(sku, r.code, exposure),
        ];
        return exposed === exposedBefore ? [] : [{ rules: r, exposed, exposedBefore }];
      });
      const stamped = { ...row, cursor, at: new Date(now).toISOString() };
      this.judge(this.signals.record(stamped, row.locations, channels, `@${cursor}`));
      this.pending.add(stamped, row, exposure);
    }
    if (restamped > 0) {
      for (const other of this.rules.channels()) if (other !== code) this.pokes.poke(other);
      this.scheduleFanOut();
    }
    return restamped;
  }

  /** Units of the SKU other channels' degraded marketplaces expose, for `channel`'s listing. */
  async exposureOf(sku: string, channel: string): Promise<number> {
    return this.exposedOf(sku, channel);
  }

  /**
   * Units degraded channels that share a location with `channel` expose of the SKU, now or as
   * `exposure` had them (docs/connectors.md, "Degraded channels").
   */
  private exposedOf(sku: string, channel: string, exposure?: SkuExposure): number {
    const locations = (code: string) => this.rules.now(code)?.rules.locations;
    return exposedFrom(exposure ?? this.exposures.ofSku(sku), channel, (degraded, ch) =>
      sharesLocation(locations(degraded), locations(ch)),
    );
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
    const acks = this.store.acksOf(channel);
    const lag = (acked: number) => this.lagAfter(acked);
    return channelLag({ shard: this.shard, head: this.head, acks, connected, lag });
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
    const sub = subscriptionOf(ctx.request.headers.get(SUBSCRIPTION_HEADER));
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
      this.rules.now(filter.channel)?.fromCursor ?? null,
      this.rules.at(filter.channel, from)?.fromCursor ?? null,
    );
    const state = newConnState(sub, replay, from);
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
      const ackedAt = from > 0 ? Date.now() : (known?.ackedAt ?? null);
      const { keyId: connector, role } = principal;
      this.store.saveAck({ connector, channel: filter.channel, role, cursor: from, ackedAt });
    }
    const confirmEvery = Math.max(1, Math.floor(this.window / 4));
    const { shard, head, window } = this;
    this.send(entry, { type: 'hello', shard, head, from, window, confirmEvery });
    this.pump(entry);
  }

  override onMessage(conn: Connection, message: WSMessage): void {
    const entry = this.registry().get(conn.id);
    if (entry === undefined) return;
    const read = readClientMessage(message);
    if (!read.ok) {
      this.send(entry, { type: 'error', code: read.code, message: read.message });
      return;
    }
    const m = read.message;
    if (m.type === 'received') {
      const lie = entry.confirm(m.count, m.cursor);
      if (lie !== undefined) {
        this.entries?.delete(conn.id);
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
    const acked = Math.min(m.cursor, this.head);
    // An ack that moves nothing gets no answer, so a client that acks every message (this
    // answer included) cannot loop with the hub.
    if (!entry.acknowledge(acked) || !this.keep(entry)) return;
    const { keyId, role } = entry.state.principal;
    this.store.saveAck({ connector: keyId, channel, role, cursor: acked, ackedAt: Date.now() });
    const { behind, lagSeconds } = this.lagAfter(acked);
    const sync = this.syncLags.field(channel, Date.now());
    this.send(entry, {
      type: 'lag',
      shard: this.shard,
      acked,
      head: this.head,
      behind,
      lagSeconds,
      ...sync,
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

  /** Sends the pending changes to every live subscriber whose view they change (fan-out.ts). */
  private fanOut(): void {
    this.flushScheduled = false;
    const changes = this.pending.take();
    if (changes.length === 0) return;
    this.pokes.changed(changes, (channel) => this.rules.now(channel)?.rules);
    const cache = newFanOutCache();
    const ctx = { ...this.view, shard: this.shard };
    let sent = 0;
    for (const entry of [...this.registry().values()]) {
      // One subscriber's failure must never cost the others this batch.
      try {
        const target = { ...entry.state, key: entry.key, filterKey: entry.filterKey };
        const message = messageFor(target, changes, ctx, cache);
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

  /** Sends replay pages while the subscriber keeps up; the last one is followed by caught-up. */
  private pump(entry: Subscriber): void {
    const { filter } = entry.state;
    const ctx = { ...this.view, shard: this.shard };
    const { channel } = filter;
    let replay: Replay | null = entry.state.replay;
    while (replay !== null && entry.mayPage) {
      const r: Replay = replay;
      const batch = this.store.rowsAfter(r.at, PAGE_ROWS);
      const before = r.rulesFrom === null ? undefined : this.rules.at(channel, r.rulesFrom)?.rules;
      const exposed = (row: HubRow) =>
        channel === undefined ? 0 : this.exposedOf(row.sku, channel);
      const rows = rowsToSend(
        batch,
        r,
        (row) => matchesSku(filter, row.sku) && this.owns(row.sku),
        (row) => !sameView(project(row, filter, before, exposed(row)), viewNow(row, filter, ctx)),
      );
      const at = batch.at(-1)?.cursor ?? r.at;
      const cursor = Math.max(r.from, at);
      const views = rows.map((row) => ({ ...row, ...viewNow(row, filter, ctx) }));
      const page: Outgoing = { type: 'snapshot', shard: this.shard, cursor, rows: views };
      const done = batch.length < PAGE_ROWS;
      if (done) entry.state.since = this.head;
      const end: Outgoing = { type: 'caught-up', shard: this.shard, cursor: this.head };
      const pages = [...(rows.length > 0 ? [page] : []), ...(done ? [end] : [])];
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

  /**
   * Takes a channel's rules as a new version (stream-hub/rules.ts); on a change, its subscribers
   * replay what it altered and the listings it ends or restores raise their signals.
   */
  private applyRules(rules: ListingRules, source: 'push' | 'subscribe'): void {
    const change = this.rules.accept(rules, source, () => ++this.head);
    if (change === null) return;
    const { version, previous } = change;
    this.store.addRules(rules, version.fromCursor);
    if (previous === undefined) return;
    for (const entry of this.registry().values()) {
      if (entry.state.filter.channel !== rules.code) continue;
      const { replay } = entry.state;
      entry.state.replay = replayAfterRulesChange(
        replay,
        version.fromCursor - 1,
        previous.fromCursor,
      );
      this.pump(entry);
    }
    const tag = `@${version.fromCursor}`;
    let batch: HubRow[] = [];
    let after = 0;
    do {
      batch = this.store.rowsAfter(after, RULES_SCAN_ROWS);
      for (const row of batch) {
        if (!this.owns(row.sku)) continue;
        const judge = {
          rules,
          rulesBefore: previous.rules,
          exposed: this.exposedOf(row.sku, rules.code),
        };
        this.judge(this.signals.record(row, row.locations, [judge], tag));
      }
      after = batch.at(-1)?.cursor ?? after;
    } while (batch.length === RULES_SCAN_ROWS);
  }

  /** After a change of STREAM_SHARDS a hub still holds SKUs now published elsewhere. */
  private owns(sku: string): boolean {
    return shardOf(sku, Number(this.env.STREAM_SHARDS)) === this.shard;
  }

  private lagAfter(acked: number) {
    return lagAfter(this.head, acked, (c) => this.store.pendingAfter(c), Date.now());
  }

  private send(entry: Subscriber, message: Outgoing | string): void {
    if (!entry.send(message)) this.drop(entry, 'the hub could not send', CloseCode.restart);
  }
}

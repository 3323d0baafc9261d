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
  RecommendationChanges,
} from '../protocol/stream';
import type { ChannelThresholdsInput } from '../protocol/thresholds';
import type { SignalEvent } from '../protocol/webhooks';
import { deliverSignals } from '../shared/signals/deliver';
import { channelSync } from '../shared/stubs';
import { AdmissionStore, admit, revoked, TicketClaim } from './stream-hub/admission';
import {
  type ChannelRows,
  ChannelRowsInput,
  readChannelRows,
  syncAck,
} from './stream-hub/channel-rows';
import { helloOf, openState, subscriptionOf, windowOf } from './stream-hub/connection-state';
import { ExposureEntries } from './stream-hub/exposure';
import { channelLag, lagAfter, lagReply } from './stream-hub/lag';
import { HubListings } from './stream-hub/listings';
import migrations from './stream-hub/migrations/migrations.js';
import { RulesVersions } from './stream-hub/rules';
import * as schema from './stream-hub/schema';
import { HubSockets } from './stream-hub/sockets';
import { HubStore } from './stream-hub/store';
import { type SyncLagReport, SyncLags } from './stream-hub/sync-lag';
import { SyncPokes, sqlSyncRegistry } from './stream-hub/sync-pokes';

/** The gateway passes the authorized subscription to the hub in this header. */
export const SUBSCRIPTION_HEADER = 'x-stockmesh-subscription';

/**
 * The latest state of a slice of SKUs (name = shard number) and the WebSocket fan-out of its
 * changes. Each change gets the next cursor; a subscriber resumes after the last cursor it saw
 * and receives every row changed since (rows are latest state, so replay is exact and bounded).
 */
export class StreamHub extends Server<Env> {
  static override options = { hibernate: true };

  private readonly store = new HubStore(
    drizzle(this.ctx.storage, { schema }),
    this.ctx.storage.sql,
  );
  private readonly admission = new AdmissionStore(drizzle(this.ctx.storage, { schema }));
  private readonly window = windowOf(this.env.STREAM_WINDOW);
  private head = 0;
  private rules = new RulesVersions(new Map());
  /** Each connected channel's marketplace lag, as its ChannelSync last reported it. */
  private readonly syncLags = new SyncLags(this.ctx.storage.kv);
  /** Exposure, rules changes and the channel signals they raise (stream-hub/listings.ts). */
  private readonly listings = new HubListings({
    kv: this.ctx.storage.kv,
    storage: this.ctx.storage,
    label: () => `StreamHub ${this.shard}`,
    rules: () => this.rules,
    row: (sku) => this.store.row(sku),
    rowsAfter: (cursor, limit) => this.store.rowsAfter(cursor, limit),
    owns: (sku) => this.owns(sku),
    restamp: (sku, now) => this.store.restamp(sku, ++this.head, now),
    changed: (row, previous, ...seen) => this.sockets.changed(row, previous, ...seen),
    poke: (channel) => this.pokes.poke(channel),
  });
  /** Where channel signals go; tests swap it. */
  signalSink = (events: SignalEvent[]) => deliverSignals(this.env, events);
  /** ChannelSync objects woken when their channel's listed quantities change. */
  private readonly pokes = new SyncPokes(sqlSyncRegistry(drizzle(this.ctx.storage)), (channel) =>
    channelSync(this.env, channel).poke(this.shard),
  );
  private readonly sockets = new HubSockets(
    {
      shard: () => this.shard,
      window: this.window,
      head: () => this.head,
      connections: () => this.getConnections(),
      rowsAfter: (cursor, limit) => this.store.rowsAfter(cursor, limit),
      owns: (sku) => this.owns(sku),
      view: {
        rules: (channel) => this.rules.now(channel)?.rules,
        exposed: (sku, channel, exposure) => this.listings.exposedOf(sku, channel, exposure),
      },
      rulesAt: (channel, cursor) => this.rules.at(channel, cursor)?.rules,
    },
    (changes) => this.pokes.changed(changes, (channel) => this.rules.now(channel)?.rules),
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
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
    this.listings.stored(u, previous);
    this.sockets.changed(
      { sku: u.sku, seq: u.seq, at: u.at, cursor, locations: u.locations },
      previous,
    );
  }

  /**
   * Recommendations of this shard's SKUs that were opened, changed, applied, dismissed or expired:
   * sent at once to the live subscribers that asked for them (stream-hub/recommendations.ts);
   * nothing is stored, the D1 table is their record.
   */
  async publishRecommendations(changes: z.input<typeof RecommendationChanges>): Promise<void> {
    this.sockets.recommend(RecommendationChanges.parse(changes));
  }

  /** Stores a channel's signal thresholds (pushed by the catalog on change). */
  async setChannelThresholds(channel: string, input: ChannelThresholdsInput): Promise<void> {
    this.listings.signals.setThresholds(channel, input);
  }

  /** Publishes the channel signals' outbox (stream-hub/signal-alarm.ts). */
  override async onAlarm(): Promise<void> {
    await this.listings.alarm.run(this.signalSink);
  }

  /** A channel's rules changed: re-send the listed quantities they alter to its subscribers. */
  async updateRules(rules: ListingRules): Promise<void> {
    this.applyRules(ListingRules.parse(rules), 'push');
    this.pokes.poke(rules.code);
  }

  /** A page of the channel's rows after a ChannelSync's cursor, with listed quantities (channel-rows.ts). */
  async channelRows(input: z.input<typeof ChannelRowsInput>): Promise<ChannelRows> {
    const q = ChannelRowsInput.parse(input);
    if (q.listing !== undefined) this.applyRules(q.listing, 'subscribe');
    this.pokes.register(q.channel);
    return readChannelRows(q, {
      head: this.head,
      rules: this.rules.now(q.channel),
      owns: (s: string) => this.owns(s),
      exposed: (s: string) => this.listings.exposedOf(s, q.channel),
      rowsAfter: (c, n) => this.store.rowsAfter(c, n),
    });
  }

  /**
   * A degraded channel's exposure on this shard (SKU → units its marketplace still shows), or null
   * when it recovered (stream-hub/exposure.ts). The SKUs whose exposure moved get new cursors, so
   * every other channel's ChannelSync reads them again with the new listed quantity, their live
   * channel subscribers get the new quantity, and a listing it ends or restores raises its signal.
   */
  async setExposure(channel: string, entries: ExposureEntries | null): Promise<number> {
    const code = ChannelCode.parse(channel);
    const parsed = entries === null ? null : ExposureEntries.parse(entries);
    return this.listings.expose(code, parsed);
  }

  /** Units of the SKU other channels' degraded marketplaces expose, for `channel`'s listing. */
  async exposureOf(sku: string, channel: string): Promise<number> {
    return this.listings.exposedOf(sku, channel);
  }

  /**
   * A ChannelSync's progress: the marketplace shows every change up to `cursor`; `sync` is its
   * queue and marketplace lag, which the channel's `lag` messages carry (stream-hub/sync-lag.ts).
   */
  async syncAck(channel: string, cursor: number, sync?: SyncLagReport | null): Promise<void> {
    this.store.saveAck(syncAck(channel, cursor, this.head, Date.now()));
    if (sync !== undefined) this.syncLags.put(channel, sync);
  }

  /** Every subscriber of the channel that ever connected here, and how far behind it is (lag.ts). */
  async channelLag(channel: string): Promise<HubChannelLag> {
    const { shard, head } = this;
    const acks = this.store.acksOf(channel);
    const connected = this.sockets.keysOf(channel);
    return channelLag({ shard, head, acks, connected, lag: (acked) => this.lagAfter(acked) });
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
    return this.sockets.shutKey(id, revoked(id));
  }

  /** Records a stream ticket's use; false when it was used before (on any shard: this is its home). */
  async claimTicket(nonce: string, expiresAt: number): Promise<boolean> {
    const c = TicketClaim.parse({ nonce, expiresAt });
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
      openSockets: this.sockets.countOf(principal.keyId),
    });
    if (refusal !== undefined) {
      this.sockets.refuse(conn, refusal);
      return;
    }
    if (sub.rules !== undefined) this.applyRules(sub.rules, 'subscribe');
    const { from, state } = openState(sub, this.head, this.rules);
    const entry = this.sockets.add(conn, state);
    if (entry === undefined) return;
    if (filter.channel !== undefined && principal.role === 'connector') {
      this.store.resumeAck(principal.keyId, filter.channel, from, Date.now());
    }
    this.sockets.send(entry, helloOf(this.shard, this.head, from, this.window));
    this.sockets.pump(entry);
  }

  override onMessage(conn: Connection, message: WSMessage): void {
    this.sockets.receive(conn, message, (entry, channel, acked) => {
      const { keyId, role } = entry.state.principal;
      this.store.saveAck({ connector: keyId, channel, role, cursor: acked, ackedAt: Date.now() });
      const sync = this.syncLags.field(channel, Date.now());
      return lagReply(this.shard, this.head, acked, this.lagAfter(acked), sync);
    });
  }

  override onClose(conn: Connection): void {
    this.sockets.forget(conn.id);
  }

  override onError(conn: Connection): void {
    this.onClose(conn);
  }

  override onRequest(): Response {
    return new Response('StreamHub: connect through GET /v1/stream', { status: 400 });
  }

  private get shard(): number {
    return Number(this.name);
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
    this.sockets.rulesChanged(rules.code, version.fromCursor, previous.fromCursor);
    this.listings.rulesChanged(rules, previous.rules, version.fromCursor);
    // A degraded channel's new locations move the other channels' share of its exposure.
    this.listings.relocated(rules.code, previous.rules.locations);
  }

  /** After a change of STREAM_SHARDS a hub still holds SKUs now published elsewhere. */
  private owns(sku: string): boolean {
    return shardOf(sku, Number(this.env.STREAM_SHARDS)) === this.shard;
  }

  private lagAfter(acked: number) {
    return lagAfter(this.head, acked, (c) => this.store.pendingAfter(c), Date.now());
  }
}

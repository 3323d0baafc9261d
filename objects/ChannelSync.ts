import { DurableObject } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { z } from 'zod';
import { SkuCode } from '../protocol/catalog';
import {
  type Connection,
  ConnectionKind,
  ConnectionPatch,
  ConnectionPut,
  type ConnectionTest,
  type Mapping,
  type MappingImportResult,
  type MappingLine,
  MappingListQuery,
  type MappingPage,
  type SyncStatus,
} from '../protocol/connections';
import { err, ok, type Result } from '../protocol/errors';
import { shardOf } from '../protocol/shard';
import type { ListingRules } from '../protocol/stream';
import type { SignalEvent } from '../protocol/webhooks';
import { getChannel } from '../shared/catalog/cache';
import { listingRules } from '../shared/stream/rules';
import { streamHub, webhooks } from '../shared/stubs';
import type { AnyAdapter, HttpRequest, HttpResponse } from './channel-sync/adapter';
import {
  connectionView,
  credentialFields,
  mergeSettings,
  startsOver,
  stateOf,
} from './channel-sync/connection';
import { channelKey, open, seal } from './channel-sync/crypto';
import {
  DEFAULT_DEGRADED_AFTER_SECONDS,
  DegradedState,
  degradedSignal,
  judgeDegraded,
} from './channel-sync/degraded';
import { type Session, SyncEngine } from './channel-sync/engine';
import { sendRequest } from './channel-sync/http';
import { invalid } from './channel-sync/issues';
import { validateMappings } from './channel-sync/mappings';
import migrations from './channel-sync/migrations/migrations.js';
import { adapterOf, testSenderOf } from './channel-sync/registry';
import * as schema from './channel-sync/schema';
import { makeSession } from './channel-sync/session';
import type { SkuSyncState } from './channel-sync/sku-detail';
import { statusView } from './channel-sync/status';
import { type ConnectionRow, SyncStore } from './channel-sync/store';
import { AlarmScheduler } from './sku-stock/alarm-scheduler';
import type { PokeAnswer } from './stream-hub/sync-pokes';

/** The sync's work: pokes, pushes, bulk steps; set to when the engine next has something to do. */
const SYNC = 'sync';
/** A slow read of every hub, making up for pokes lost while a hub or this object was down. */
const POLL = 'poll';
const POLL_MS = 60_000;
/** Timers the alarm awaits work for: dying mid-run leaves them set this far ahead, to redo it. */
const LEASE_MS = 30_000;
/** The channel's listing rules are read from the catalog at most this often. */
const LISTING_TTL_MS = 30_000;
/** The channel code, kept for wake-ups that come without the object's name. */
const CHANNEL_KEY = 'channel';
/** The channel's lag threshold (seconds), and its degraded episode while one lasts. */
const DEGRADED_AFTER_KEY = 'degradedAfterSeconds';
const DEGRADED_KEY = 'degraded';
/** An episode as stored: whether the hubs hold its exposure and the signal went out. */
const Episode = DegradedState.extend({
  exposedSkus: z.number().int().min(0),
  told: z.boolean(),
  signalled: z.boolean(),
});
type Episode = z.infer<typeof Episode>;

const SkuList = z.array(SkuCode).max(20_000);
const Expectation = z.object({
  orderId: z.string().min(1).max(200),
  lines: z
    .array(z.object({ sku: SkuCode, quantity: z.number().int().min(1) }))
    .min(1)
    .max(500),
});
/** A mapping's fields as they arrive; the connection's adapter checks them with its Mapping. */
const MappingFields = z.record(z.string(), z.unknown());
const Lines = z.array(z.object({ line: z.number().int(), sku: SkuCode, fields: MappingFields }));

const notConnected = (channel: string) =>
  err(
    'not_connected',
    `Channel ${channel} has no connection: PUT /v1/channels/${channel}/connection`,
    {
      channel,
    },
  );
const notConfigured = () =>
  err(
    'not_configured',
    'Connections need the CONNECTOR_SECRET Worker secret (32 characters or more) to encrypt credentials: wrangler secret put CONNECTOR_SECRET',
  );

/**
 * The sync of one channel's listed quantities to its marketplace (name = channel code): the
 * connection and its credentials (sealed), the SKU mappings, and the sync engine
 * (channel-sync/engine.ts), which the alarm runs: every marketplace request goes from there.
 */
export class ChannelSync extends DurableObject<Env> {
  private readonly store: SyncStore;
  // Assigned in blockConcurrencyWhile, before any request or alarm is delivered.
  private engine!: SyncEngine;
  private scheduler!: AlarmScheduler;
  private row: ConnectionRow | undefined;
  private listing: { rules: ListingRules | undefined; at: number } | undefined;
  /** Test seam: awaited around each marketplace request (crash tests stop the object there). */
  readonly seam: {
    beforeSend?: (req: HttpRequest) => Promise<void>;
    afterSend?: (req: HttpRequest) => Promise<void>;
  } = {};

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SyncStore(drizzle(ctx.storage, { schema }), ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
      if (ctx.id.name !== undefined && ctx.storage.kv.get(CHANNEL_KEY) !== ctx.id.name) {
        ctx.storage.kv.put(CHANNEL_KEY, ctx.id.name);
      }
      this.row = this.store.connection();
      this.engine = this.newEngine(this.row?.createdAt ?? Date.now());
      this.scheduler = new AlarmScheduler(
        this.store.timers(),
        (at) => void (at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at)),
        await ctx.storage.getAlarm(),
      );
    });
  }

  /** Creates or replaces the connection; another kind or other settings start the sync over. */
  async putConnection(input: z.input<typeof ConnectionPut>): Promise<Result<Connection>> {
    const body = ConnectionPut.parse(input);
    const key = await channelKey(this.env.CONNECTOR_SECRET, this.channel);
    if (key === null) return notConfigured();
    const checked = this.check(body.kind, body.settings, body.credentials);
    if (!checked.ok) return checked;
    const { settings, credentials } = checked.value;
    const now = Date.now();
    const old = this.row;
    const over = startsOver(old, body.kind, settings);
    const sealed = await seal(key, this.channel, 'credentials', credentials);
    const row = {
      kind: body.kind,
      settings: JSON.stringify(settings),
      credentials: sealed,
      credentialFields: JSON.stringify(credentialFields(credentials)),
      credentialsChangedAt: now,
      token: null,
      tokenExpiresAt: null,
      state: body.paused ? 'paused' : 'active',
      generation: (old?.generation ?? 0) + (over ? 1 : 0),
      createdAt: old === undefined || over ? now : old.createdAt,
      updatedAt: now,
    };
    if (old?.kind !== body.kind) this.store.clearMappings();
    if (body.degradedAfterSeconds !== undefined) {
      this.ctx.storage.kv.put(DEGRADED_AFTER_KEY, body.degradedAfterSeconds);
    }
    this.store.saveConnection(row);
    this.row = { id: 1, ...row };
    if (old === undefined || over) this.engine.reset(now);
    else this.engine.retryNow();
    this.engine.remapped();
    this.wake();
    return ok(this.view(this.row));
  }

  /** The connection, without its credentials. */
  async connection(): Promise<Result<Connection>> {
    return this.row === undefined ? notConnected(this.channel) : ok(this.view(this.row));
  }

  /** Changes some settings, or replaces the credentials; what was pushed stays valid. */
  async patchConnection(input: z.input<typeof ConnectionPatch>): Promise<Result<Connection>> {
    const patch = ConnectionPatch.parse(input);
    const row = this.row;
    if (row === undefined) return notConnected(this.channel);
    const key = await channelKey(this.env.CONNECTOR_SECRET, this.channel);
    if (key === null) return notConfigured();
    const kind = ConnectionKind.parse(row.kind);
    const settings =
      patch.settings === undefined
        ? JSON.parse(row.settings)
        : mergeSettings(JSON.parse(row.settings), patch.settings);
    const credentials =
      patch.credentials ?? (await open(key, this.channel, 'credentials', row.credentials));
    const checked = this.check(kind, settings, credentials);
    if (!checked.ok) return checked;
    const now = Date.now();
    const set: Partial<ConnectionRow> = {
      settings: JSON.stringify(checked.value.settings),
      updatedAt: now,
    };
    if (patch.credentials !== undefined) {
      Object.assign(set, {
        credentials: await seal(key, this.channel, 'credentials', checked.value.credentials),
        credentialFields: JSON.stringify(credentialFields(checked.value.credentials)),
        credentialsChangedAt: now,
        token: null,
        tokenExpiresAt: null,
      });
    }
    if (this.row === undefined) return notConnected(this.channel);
    if (patch.degradedAfterSeconds !== undefined) {
      this.ctx.storage.kv.put(DEGRADED_AFTER_KEY, patch.degradedAfterSeconds);
    }
    this.store.updateConnection(set);
    this.row = { ...this.row, ...set };
    this.engine.retryNow();
    this.wake();
    return ok(this.view(this.row));
  }

  /** Stops pushing (the hubs are still read, so the status stays true). */
  async pause(): Promise<Result<Connection>> {
    return this.setState('paused');
  }

  async resume(): Promise<Result<Connection>> {
    const done = this.setState('active');
    if (done.ok) {
      this.engine.retryNow();
      this.wake();
    }
    return done;
  }

  /** Asks the marketplace whether the settings and credentials work, changing nothing there. */
  async probe(): Promise<Result<ConnectionTest>> {
    const opened = await this.session();
    if (!opened.ok) return opened;
    const session = opened.value;
    const token = await session.token();
    if (!token.ok) return ok({ ok: false, code: token.code, message: token.message });
    const started = Date.now();
    const ctx = {
      settings: session.settings,
      credentials: session.credentials,
      channel: this.channel,
      ...(token.token === undefined ? {} : { accessToken: token.token }),
    };
    try {
      const { adapter } = session;
      const probe = adapter.buildProbe(ctx);
      const request = adapter.authorize
        ? await adapter.authorize(probe, { ...ctx, now: started })
        : probe;
      const res = await this.send(request);
      const answer = adapter.parseProbe(res);
      if (!answer.ok) return ok({ ok: false, code: answer.code, message: answer.message });
      // A connection that works gets a fresh try now rather than after its backoff.
      this.engine.retryNow();
      this.wake();
      return ok({ ok: true, latencyMs: Date.now() - started });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return ok({
        ok: false,
        code: 'unreachable',
        message: `no answer from the marketplace: ${message}`,
      });
    }
  }

  /** Forgets the connection, its credentials, its mappings and what was pushed. */
  async deleteConnection(): Promise<Result<{ deleted: true }>> {
    if (this.row === undefined) return notConnected(this.channel);
    // Gone from the marketplace: nothing it shows counts as exposed any longer.
    if (this.episode() !== null && (await this.tellHubs(null))) {
      this.ctx.storage.kv.delete(DEGRADED_KEY);
    }
    this.store.deleteAll();
    this.row = undefined;
    this.engine.reset(Date.now());
    this.scheduler.cancel(SYNC);
    this.scheduler.cancel(POLL);
    return ok({ deleted: true });
  }

  /** Sets one SKU's mapping, checked with the adapter's Mapping schema. */
  async putMapping(
    sku: z.input<typeof SkuCode>,
    external: z.input<typeof MappingFields>,
  ): Promise<Result<Mapping>> {
    const code = SkuCode.parse(sku);
    const adapter = this.adapter();
    if (!adapter.ok) return adapter;
    const parsed = adapter.value.Mapping.safeParse(external);
    if (!parsed.success) return invalid(parsed.error, 'json');
    const now = Date.now();
    this.store.putMappings([{ sku: code, external: parsed.data }], now);
    this.remapped([code]);
    return ok(this.mappingView(code, parsed.data, now));
  }

  /** Mappings by SKU code, a page at a time. */
  async mappings(query: z.input<typeof MappingListQuery>): Promise<Result<MappingPage>> {
    const { cursor, limit } = MappingListQuery.parse(query);
    if (this.row === undefined) return notConnected(this.channel);
    const rows = this.store.mappingsAfter(cursor, limit + 1);
    const page = rows.slice(0, limit);
    const items = page.map((r) => this.mappingView(r.sku, JSON.parse(r.external), r.updatedAt));
    const nextCursor = rows.length > limit ? (page.at(-1)?.sku ?? null) : null;
    return ok({ items, nextCursor });
  }

  /** Sets many mappings at once, all or nothing, each line checked with the Mapping schema. */
  async importMappings(input: z.input<typeof Lines>): Promise<Result<MappingImportResult>> {
    const lines: MappingLine[] = Lines.parse(input);
    const adapter = this.adapter();
    if (!adapter.ok) return adapter;
    const valid = validateMappings(lines, adapter.value.Mapping);
    if (!valid.ok) return valid;
    const existing = this.store.mapped(valid.value.map((m) => m.sku));
    this.store.putMappings(valid.value, Date.now());
    this.remapped(valid.value.map((m) => m.sku));
    const total = valid.value.length;
    return ok({ created: total - existing.size, updated: existing.size, total });
  }

  /** Of these catalog SKUs, those with no mapping and no default mapping. */
  async unmappedOf(skus: z.input<typeof SkuList>): Promise<Result<string[]>> {
    const codes = SkuList.parse(skus);
    const opened = this.opened();
    if (!opened.ok) return opened;
    const { adapter, settings } = opened.value;
    const mapped = this.store.mapped(codes);
    return ok(codes.filter((c) => !mapped.has(c) && adapter.defaultMapping(c, settings) === null));
  }

  /** How the sync stands: state, queue, rates, throttle, last error, lag, counts, bulk job. */
  async status(): Promise<Result<SyncStatus>> {
    const row = this.row;
    if (row === undefined) return notConnected(this.channel);
    const now = Date.now();
    const figures = this.engine.figures(now);
    const rejected = this.store.rejected(20);
    return ok(
      statusView({
        channel: this.channel,
        kind: ConnectionKind.parse(row.kind),
        state: stateOf(row, figures.health),
        figures,
        rejected,
        degraded: this.episode(),
        degradedAfterSeconds: this.degradedAfter(),
        now,
      }),
    );
  }

  /** One SKU's sync: what was read and pushed, its last error, whether in flight, its mapping. */
  async skuSync(sku: z.input<typeof SkuCode>): Promise<Result<SkuSyncState>> {
    const code = SkuCode.parse(sku);
    const opened = this.opened();
    if (!opened.ok) return opened;
    const { adapter, settings } = opened.value;
    const stored = this.store.mappingRow(code);
    const fallback = stored === undefined ? adapter.defaultMapping(code, settings) : null;
    let mapping: SkuSyncState['mapping'] = null;
    if (stored !== undefined) {
      const view = this.mappingView(code, JSON.parse(stored.external), stored.updatedAt);
      mapping = { external: view.external, source: 'mapping', updatedAt: view.updatedAt };
    } else if (fallback !== null) {
      const { external } = this.mappingView(code, fallback, 0);
      mapping = { external, source: 'default', updatedAt: null };
    }
    return ok({ ...this.engine.detail(code), mapping, degraded: this.episode() !== null });
  }

  /**
   * A marketplace order came in (ChannelOrders): the marketplace already took its units off its
   * own count, so what it holds is what it last accepted less them (docs/orders.md, "Echo
   * suppression"). Once per order id; SKUs never pushed are left alone.
   */
  async expectSold(
    input: z.input<typeof Expectation>,
  ): Promise<Result<{ lowered: number; avoided: number }>> {
    const { orderId, lines } = Expectation.parse(input);
    const opened = this.opened();
    if (!opened.ok) return opened;
    // Compare-and-set adapters are the ones that re-read after a refused compare.
    const compares = opened.value.adapter.buildRead !== undefined;
    const done = this.engine.expectSold(orderId, lines, compares);
    this.wake();
    return ok(done);
  }

  /**
   * The marketplace cancelled an order whose sale was expected and put its units back on its own
   * count: what it holds rises by them (docs/orders.md, "Echo suppression"). Once per order id.
   */
  async expectRestocked(
    input: z.input<typeof Expectation>,
  ): Promise<Result<{ raised: number; avoided: number }>> {
    const { orderId, lines } = Expectation.parse(input);
    const opened = this.opened();
    if (!opened.ok) return opened;
    const compares = opened.value.adapter.buildRead !== undefined;
    const done = this.engine.expectRestocked(orderId, lines, compares);
    this.wake();
    return ok(done);
  }

  /** A hub saw the channel's listed quantities change on its shard. */
  async poke(shard: number): Promise<PokeAnswer> {
    if (this.row === undefined) return { wanted: false };
    this.engine.poked(z.number().int().min(0).parse(shard));
    this.scheduler.scheduleNoLaterThan(SYNC, Date.now());
    return { wanted: true };
  }

  /** Runs the sync: reads the hubs, pushes to the marketplace, acknowledges the hubs. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.scheduler.takeDue(now, { names: [SYNC, POLL], until: now + LEASE_MS });
    const row = this.row;
    if (row === undefined) {
      this.scheduler.cancel(SYNC);
      this.scheduler.cancel(POLL);
      return;
    }
    if (due.includes(POLL)) this.engine.pollAll();
    const opened = await this.session();
    if (this.row === undefined) return;
    if (!opened.ok) {
      console.error(`channel ${this.channel}: cannot sync: ${opened.error.message}`);
      this.scheduler.schedule(SYNC, Date.now() + POLL_MS);
      return;
    }
    const at = await this.engine.run(opened.value, { paused: this.row?.state === 'paused' });
    if (this.row === undefined) return;
    if (at === null) this.scheduler.cancel(SYNC);
    else this.scheduler.schedule(SYNC, at);
    if (due.includes(POLL) || this.scheduler.at(POLL) === undefined) {
      this.scheduler.schedule(POLL, Date.now() + POLL_MS);
    }
    await this.judgeDegraded();
  }

  /** The channel's lag threshold in seconds (docs/connectors.md, "Degraded channels"). */
  private degradedAfter(): number {
    const stored = z.number().int().min(1).safeParse(this.ctx.storage.kv.get(DEGRADED_AFTER_KEY));
    return stored.success ? stored.data : DEFAULT_DEGRADED_AFTER_SECONDS;
  }

  private episode(): Episode | null {
    const stored = Episode.safeParse(this.ctx.storage.kv.get(DEGRADED_KEY));
    return stored.success ? stored.data : null;
  }

  /**
   * After each run: degrades the channel when its lag passed the threshold or it is failing
   * (its pushed quantities go to the hubs as exposure, and `channel_degraded` is signalled once),
   * recovers it once it caught up (exposure cleared, the recovery signalled). A step that fails
   * is tried again on the next run.
   */
  private async judgeDegraded(): Promise<void> {
    const now = Date.now();
    const f = this.engine.figures(now);
    const threshold = this.degradedAfter();
    const was = this.episode();
    const next = judgeDegraded(
      was,
      { lagSeconds: f.lagSeconds, failing: f.health.failing, at: now },
      threshold,
    );
    const retry = () => this.scheduler.scheduleNoLaterThan(SYNC, now + 2_000);
    if (next === null && was === null) {
      // Run again when the oldest unpushed change would pass the threshold.
      if (f.lagSeconds > 0) {
        this.scheduler.scheduleNoLaterThan(
          SYNC,
          Math.ceil(now + (threshold - f.lagSeconds) * 1000 + 1),
        );
      }
      return;
    }
    const signal = (episode: Episode, recovered: boolean) =>
      degradedSignal(this.channel, episode, {
        recovered,
        at: now,
        exposedSkus: episode.exposedSkus,
        lagSeconds: Math.round(f.lagSeconds * 1000) / 1000,
      });
    if (next !== null) {
      let episode: Episode = was ?? { ...next, exposedSkus: 0, told: false, signalled: false };
      if (!episode.told) {
        const exposure = this.engine.exposure();
        const told = await this.tellHubs(exposure);
        episode = { ...episode, exposedSkus: exposure.length, told };
      }
      if (!episode.signalled)
        episode = { ...episode, signalled: await this.publish(signal(episode, false)) };
      this.ctx.storage.kv.put(DEGRADED_KEY, episode);
      if (!episode.told || !episode.signalled) retry();
      return;
    }
    if (was === null) return;
    if (!(await this.tellHubs(null))) return retry();
    this.ctx.storage.kv.delete(DEGRADED_KEY);
    // A recovery signal that cannot be published is logged; the exposure is cleared either way.
    await this.publish(signal(was, true));
  }

  /**
   * Sends each hub the exposure of its SKUs (null: clears it); false if a hub could not be told.
   * The hubs give those SKUs new cursors, this channel's rows included, and poke only the other
   * channels: the sync reads them again at once, or its ack (and the channel's lag) would stay
   * behind by them until the slow poll.
   */
  private async tellHubs(items: { sku: string; pushed: number }[] | null): Promise<boolean> {
    const shards = Number(this.env.STREAM_SHARDS) || 1;
    const byShard = new Map<number, Record<string, number>>();
    for (let shard = 0; shard < shards; shard++) byShard.set(shard, {});
    for (const i of items ?? []) {
      const entries = byShard.get(shardOf(i.sku, shards));
      if (entries !== undefined) entries[i.sku] = i.pushed;
    }
    try {
      for (const [shard, entries] of byShard) {
        await streamHub(this.env, shard).setExposure(this.channel, items === null ? null : entries);
      }
      this.engine.pollAll();
      this.scheduler.scheduleNoLaterThan(SYNC, Date.now());
      return true;
    } catch (e) {
      console.error(`channel ${this.channel}: exposure not sent to the hubs`, e);
      return false;
    }
  }

  private async publish(event: SignalEvent): Promise<boolean> {
    try {
      await webhooks(this.env).publish([event]);
      return true;
    } catch (e) {
      console.error(`channel ${this.channel}: ${event.type} signal not published`, e);
      return false;
    }
  }

  private get channel(): string {
    // An alarm after a restart wakes the object without its name (wrangler dev): the stored one.
    const name =
      this.ctx.id.name ?? z.string().optional().parse(this.ctx.storage.kv.get(CHANNEL_KEY));
    if (name === undefined)
      throw new Error('ChannelSync is addressed by channel code (idFromName)');
    return name;
  }

  private newEngine(since: number): SyncEngine {
    const env = this.env;
    const channel = this.channel;
    return new SyncEngine(
      this.store,
      {
        channel,
        shards: () => Number(env.STREAM_SHARDS) || 1,
        now: () => Date.now(),
        random: () => Math.random(),
        newId: () => crypto.randomUUID(),
        listing: () => this.listingRules(),
        pull: (shard, q) => streamHub(env, shard).channelRows({ channel, ...q }),
        ack: (shard, cursor, sync) => streamHub(env, shard).syncAck(channel, cursor, sync),
        send: (req) => this.send(req),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      since,
    );
  }

  /** Sends a marketplace request: to a test's marketplace, the simulators (dev), or the network. */
  private async send(req: HttpRequest): Promise<HttpResponse> {
    await this.seam.beforeSend?.(req);
    const test = testSenderOf(this.channel);
    const bound = this.env.MARKETPLACES;
    const fetcher = bound ? (url: string, init: RequestInit) => bound.fetch(url, init) : fetch;
    const res = test === undefined ? await sendRequest(fetcher, req) : await test(req);
    await this.seam.afterSend?.(req);
    return res;
  }

  private async listingRules(): Promise<ListingRules | undefined> {
    const now = Date.now();
    if (this.listing !== undefined && now - this.listing.at < LISTING_TTL_MS) {
      return this.listing.rules;
    }
    const channel = await getChannel(this.env, this.channel);
    const rules = channel === undefined ? undefined : listingRules(channel);
    this.listing = { rules, at: now };
    return rules;
  }

  /** Parses settings and credentials with the kind's adapter. */
  private check(kind: string, settings: unknown, credentials: unknown) {
    const adapter = adapterOf(this.channel, kind);
    if (adapter === null) {
      return err('validation_failed', `json.kind: no adapter for ${kind} in this build`);
    }
    const s = adapter.Settings.safeParse(settings);
    if (!s.success) return invalid(s.error, 'json.settings');
    const c = adapter.Credentials.safeParse(credentials);
    if (!c.success) return invalid(c.error, 'json.credentials');
    return ok({ adapter, settings: s.data, credentials: c.data });
  }

  private adapter(): Result<AnyAdapter> {
    const opened = this.opened();
    return opened.ok ? ok(opened.value.adapter) : opened;
  }

  /** The connection's adapter and its settings, parsed again from storage. */
  private opened(): Result<{ adapter: AnyAdapter; settings: unknown }> {
    const row = this.row;
    if (row === undefined) return notConnected(this.channel);
    const adapter = adapterOf(this.channel, row.kind);
    if (adapter === null) return err('not_configured', `No adapter for ${row.kind} in this build`);
    const settings = adapter.Settings.safeParse(JSON.parse(row.settings));
    if (!settings.success) return invalid(settings.error, 'settings');
    return ok({ adapter, settings: settings.data });
  }

  /** The connection opened for one run: credentials and token decrypted, nothing logged. */
  private async session(): Promise<Result<Session>> {
    const row = this.row;
    if (row === undefined) return notConnected(this.channel);
    const key = await channelKey(this.env.CONNECTOR_SECRET, this.channel);
    if (key === null) return notConfigured();
    const opened = this.opened();
    if (!opened.ok) return opened;
    const { adapter, settings } = opened.value;
    const credentials = adapter.Credentials.safeParse(
      await open(key, this.channel, 'credentials', row.credentials),
    );
    if (!credentials.success) {
      return err(
        'validation_failed',
        'The stored credentials no longer suit the adapter: PATCH new ones',
      );
    }
    const token =
      row.token === null || row.tokenExpiresAt === null
        ? null
        : {
            token: z.string().parse(await open(key, this.channel, 'token', row.token)),
            expiresAt: row.tokenExpiresAt,
          };
    const generation = row.generation;
    return ok(
      makeSession({
        adapter,
        settings,
        credentials: credentials.data,
        token,
        saveToken: async (t) => {
          const sealed = t === null ? null : await seal(key, this.channel, 'token', t.token);
          // A connection replaced meanwhile keeps its own token.
          if (this.row === undefined || this.row.generation !== generation) return;
          const set = { token: sealed, tokenExpiresAt: t?.expiresAt ?? null };
          this.store.updateConnection(set);
          this.row = { ...this.row, ...set };
        },
        send: (req) => this.send(req),
        now: () => Date.now(),
      }),
    );
  }

  private setState(state: 'active' | 'paused'): Result<Connection> {
    if (this.row === undefined) return notConnected(this.channel);
    const set = { state, updatedAt: Date.now() };
    this.store.updateConnection(set);
    this.row = { ...this.row, ...set };
    return ok(this.view(this.row));
  }

  private remapped(skus: readonly string[]): void {
    this.engine.remapped(skus);
    this.wake();
  }

  /** Runs the sync now (after the current run, if one is under way). */
  private wake(): void {
    this.scheduler.scheduleNoLaterThan(SYNC, Date.now());
    if (this.scheduler.at(POLL) === undefined) this.scheduler.schedule(POLL, Date.now() + POLL_MS);
  }

  private view(row: ConnectionRow): Connection {
    return connectionView(
      this.channel,
      ConnectionKind.parse(row.kind),
      row,
      this.engine.syncHealth,
    );
  }

  private mappingView(sku: string, external: unknown, updatedAt: number): Mapping {
    const fields = MappingFields.safeParse(external);
    return {
      sku,
      external: fields.success ? fields.data : {},
      updatedAt: new Date(updatedAt).toISOString(),
    };
  }
}

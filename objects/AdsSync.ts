import { DurableObject } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { z } from 'zod';
import {
  type AdsActionPage,
  AdsActionQuery,
  type AdsConnection,
  AdsConnectionPatch,
  AdsConnectionPut,
  type AdsImportResult,
  type AdsMapping,
  type AdsMappingPage,
  AdsMappingPut,
  AdsMappingQuery,
  AdsRules,
  type AdsStatus,
} from '../protocol/ads';
import { SkuCode } from '../protocol/catalog';
import type { MappingLine } from '../protocol/connections';
import { err, ok, type Result } from '../protocol/errors';
import { SignalEvent } from '../protocol/webhooks';
import type { AnyAdsAdapter, HttpRequest, HttpResponse } from './ads/adapter';
import { adsAdapterFor } from './ads/adapters';
import { connectionView, credentialFields, rulesOf, stateOf } from './ads/connection';
import { applySignals, reconsider, SEEN_TTL_MS } from './ads/decide';
import { validateAdsMappings } from './ads/mappings';
import migrations from './ads/migrations/migrations.js';
import { AdsPusher, type AdsSession } from './ads/pusher';
import * as schema from './ads/schema';
import { AdsStore, type ConnectionRow } from './ads/store';
import { actionView, mappingView } from './ads/views';
import { channelKey, open, seal } from './channel-sync/crypto';
import { sendRequest } from './channel-sync/http';
import { invalid } from './channel-sync/issues';
import { AlarmScheduler } from './sku-stock/alarm-scheduler';

/** The pushes: set to when the pusher next has something to do. */
const PUSH = 'push';
/** Dying mid-run leaves the push timer this far ahead, to redo it. */
const LEASE_MS = 30_000;
/** Where the connection's name is kept: an alarm after a restart may wake the object without it. */
const NAME_KEY = 'stockmesh:ads-name';
/** Once a day, signal ids older than SEEN_TTL_MS are forgotten. */
const PRUNE = 'prune';
const DAY_MS = 24 * 3_600_000;

const Events = z.array(SignalEvent).max(10_000);
const Lines = z.array(
  z.object({ line: z.number().int(), sku: SkuCode, fields: z.record(z.string(), z.unknown()) }),
);

const notConfigured = () =>
  err(
    'not_configured',
    'Ads connections need the CONNECTOR_SECRET Worker secret (32 characters or more): wrangler secret put CONNECTOR_SECRET',
  );

/**
 * Ads that follow stock for one ads connection (name = the connection's name): the connection and
 * its sealed credentials, SKU → entity mappings, what the signals told of each SKU, the action
 * queue and log. Signals come in by RPC; the alarm pushes the actions (ads/pusher.ts).
 */
export class AdsSync extends DurableObject<Env> {
  private readonly store: AdsStore;
  private readonly pusher: AdsPusher;
  private scheduler!: AlarmScheduler;
  private row: ConnectionRow | undefined;
  /**
   * Test seams: awaited around each ads API request (crash tests stop the object there), and
   * before signals are taken in (a refusing connection throws there).
   */
  readonly seam: {
    beforeSignal?: () => Promise<void>;
    beforeSend?: (req: HttpRequest) => Promise<void>;
    afterSend?: (req: HttpRequest) => Promise<void>;
  } = {};
  private tally = { received: 0, duplicates: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const name = ctx.id.name;
    if (name !== undefined && ctx.storage.kv.get(NAME_KEY) !== name)
      ctx.storage.kv.put(NAME_KEY, name);
    this.store = new AdsStore(drizzle(ctx.storage, { schema }));
    this.pusher = new AdsPusher({
      store: this.store,
      send: (req) => this.send(req),
      now: () => Date.now(),
      random: () => Math.random(),
    });
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
      this.row = this.store.connection();
      this.tally = {
        received: 0,
        duplicates: 0,
        ...z
          .object({ received: z.number(), duplicates: z.number() })
          .partial()
          .parse(this.store.getMeta('tally') ?? {}),
      };
      this.scheduler = new AlarmScheduler(
        this.store.timers(),
        (at) => void (at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at)),
        await ctx.storage.getAlarm(),
      );
    });
  }

  /** Creates or replaces the connection; another kind forgets the mappings and the log. */
  async putConnection(input: z.input<typeof AdsConnectionPut>): Promise<Result<AdsConnection>> {
    const body = AdsConnectionPut.parse(input);
    const key = await this.key();
    if (key === null) return notConfigured();
    const checked = this.check(body.kind, body.settings, body.credentials);
    if (!checked.ok) return checked;
    const now = Date.now();
    const old = this.row;
    if (old !== undefined && old.kind !== body.kind) {
      this.store.deleteAll();
      this.pusher.reset();
    }
    const rules = AdsRules.parse(body.rules ?? {});
    const row = {
      kind: body.kind,
      channel: body.channel,
      rules: JSON.stringify(rules),
      settings: JSON.stringify(checked.value.settings),
      credentials: await seal(key, this.sealName, 'credentials', checked.value.credentials),
      credentialFields: JSON.stringify(credentialFields(checked.value.credentials)),
      credentialsChangedAt: now,
      token: null,
      tokenExpiresAt: null,
      state: body.paused ? 'paused' : 'active',
      createdAt: old === undefined || old.kind !== body.kind ? now : old.createdAt,
      updatedAt: now,
    };
    this.store.saveConnection(row);
    this.row = { id: 1, ...row };
    this.pusher.retryNow();
    this.wake();
    return ok(this.view(this.row));
  }

  /** The connection, without its credentials. */
  async connection(): Promise<Result<AdsConnection>> {
    return this.row === undefined ? this.notConnected() : ok(this.view(this.row));
  }

  /** Changes some settings, the followed channel, the rules or the state, or replaces the credentials. */
  async patchConnection(input: z.input<typeof AdsConnectionPatch>): Promise<Result<AdsConnection>> {
    const patch = AdsConnectionPatch.parse(input);
    const row = this.row;
    if (row === undefined) return this.notConnected();
    const key = await this.key();
    if (key === null) return notConfigured();
    const settings =
      patch.settings === undefined
        ? JSON.parse(row.settings)
        : { ...JSON.parse(row.settings), ...patch.settings };
    const credentials =
      patch.credentials ?? (await open(key, this.sealName, 'credentials', row.credentials));
    const checked = this.check(row.kind, settings, credentials);
    if (!checked.ok) return checked;
    const now = Date.now();
    const set: Partial<ConnectionRow> = {
      settings: JSON.stringify(checked.value.settings),
      updatedAt: now,
    };
    if (patch.channel !== undefined) set.channel = patch.channel;
    if (patch.rules !== undefined) set.rules = JSON.stringify(patch.rules);
    if (patch.paused !== undefined) set.state = patch.paused ? 'paused' : 'active';
    if (patch.credentials !== undefined) {
      Object.assign(set, {
        credentials: await seal(key, this.sealName, 'credentials', checked.value.credentials),
        credentialFields: JSON.stringify(credentialFields(checked.value.credentials)),
        credentialsChangedAt: now,
        token: null,
        tokenExpiresAt: null,
      });
    }
    if (this.row === undefined) return this.notConnected();
    this.store.updateConnection(set);
    this.row = { ...this.row, ...set };
    this.pusher.retryNow();
    this.wake();
    return ok(this.view(this.row));
  }

  /** Forgets the connection, its credentials, mappings, what signals told and the action log. */
  async deleteConnection(): Promise<Result<{ deleted: true }>> {
    if (this.row === undefined) return this.notConnected();
    this.store.deleteAll();
    this.pusher.reset();
    this.row = undefined;
    this.scheduler.cancel(PUSH);
    this.scheduler.cancel(PRUNE);
    return ok({ deleted: true });
  }

  /** Replaces one SKU's entities. */
  async putMapping(sku: string, input: z.input<typeof AdsMappingPut>): Promise<Result<AdsMapping>> {
    const code = SkuCode.parse(sku);
    const { entities } = AdsMappingPut.parse(input);
    const lines: MappingLine[] = entities.map((fields, i) => ({ line: i + 1, sku: code, fields }));
    const done = this.importLines(lines);
    if (!done.ok) return done;
    return ok(mappingView(code, this.store.mappingsOf(code)));
  }

  /** Forgets a SKU's entities (an entity it paused alone is resumed). */
  async deleteMapping(sku: string): Promise<Result<{ deleted: true }>> {
    const code = SkuCode.parse(sku);
    if (this.row === undefined) return this.notConnected();
    const entities = this.store.mappingsOf(code).map((m) => m.entity);
    if (entities.length === 0)
      return err('not_found', `SKU ${code} has no ads mapping on ${this.name}`, { sku: code });
    this.store.replaceMappings([code], [], Date.now());
    this.reconsiderAll(entities, code, 'mapping removed');
    return ok({ deleted: true });
  }

  async mappings(query: z.input<typeof AdsMappingQuery>): Promise<Result<AdsMappingPage>> {
    const { cursor, limit } = AdsMappingQuery.parse(query);
    if (this.row === undefined) return this.notConnected();
    const skus = this.store.mappedSkusAfter(cursor, limit + 1);
    const page = skus.slice(0, limit);
    const items = page.map((s) => mappingView(s, this.store.mappingsOf(s)));
    return ok({ items, nextCursor: skus.length > limit ? (page.at(-1) ?? null) : null });
  }

  /** Sets the entities of many SKUs at once, all or nothing. */
  async importMappings(input: z.input<typeof Lines>): Promise<Result<AdsImportResult>> {
    return this.importLines(Lines.parse(input));
  }

  /** Stock signals in: folded once per id, rules applied, actions queued and pushed by the alarm. */
  async signal(events: SignalEvent[]): Promise<void> {
    await this.seam.beforeSignal?.();
    const parsed = Events.parse(events);
    const row = this.row;
    if (row === undefined || parsed.length === 0) return;
    const now = Date.now();
    const tally = applySignals(this.store, parsed, {
      channel: row.channel,
      rules: rulesOf(row),
      now,
    });
    this.tally = {
      received: this.tally.received + tally.received,
      duplicates: this.tally.duplicates + tally.duplicates,
    };
    this.store.setMeta('tally', this.tally);
    if (tally.queued > 0) this.wake();
    if (this.scheduler.at(PRUNE) === undefined) this.scheduler.schedule(PRUNE, now + DAY_MS);
  }

  /** The action log, newest first. */
  async actions(query: z.input<typeof AdsActionQuery>): Promise<Result<AdsActionPage>> {
    const { before, limit, sku } = AdsActionQuery.parse(query);
    if (this.row === undefined) return this.notConnected();
    const rows = this.store.actionsPage(before, limit + 1, sku);
    const page = rows.slice(0, limit);
    return ok({
      items: page.map(actionView),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    });
  }

  /** How the connection stands: entities paused, actions waiting, throttle, last error. */
  async state(): Promise<Result<AdsStatus>> {
    const row = this.row;
    if (row === undefined) return this.notConnected();
    const c = this.store.counts();
    const gate = this.pusher.gate;
    const view = this.view(row);
    return ok({
      name: this.name,
      kind: view.kind,
      channel: row.channel,
      state: stateOf(row, this.pusher.health),
      entities: { total: c.entities, paused: c.paused, queued: c.open },
      skus: { known: c.skus, soldOut: c.soldOut },
      signals: this.tally,
      throttle: {
        describe: gate.describe,
        notBefore: gate.notBefore === null ? null : new Date(gate.notBefore).toISOString(),
        failures: gate.failures,
      },
      lastError: view.lastError,
    });
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.scheduler.takeDue(now, { names: [PUSH], until: now + LEASE_MS });
    if (due.includes(PRUNE)) {
      this.store.forgetSeenBefore(now - SEEN_TTL_MS);
      if (this.row !== undefined) this.scheduler.schedule(PRUNE, now + DAY_MS);
    }
    const row = this.row;
    if (row === undefined) {
      this.scheduler.cancel(PUSH);
      return;
    }
    if (!due.includes(PUSH)) return;
    const session = await this.session();
    if (!session.ok) {
      console.error(`ads ${this.name}: cannot push: ${session.error.message}`);
      this.scheduler.schedule(PUSH, Date.now() + 60_000);
      return;
    }
    const at = await this.pusher.run(session.value, this.row?.state === 'paused');
    if (this.row === undefined) return;
    if (at === null) this.scheduler.cancel(PUSH);
    else this.scheduler.schedule(PUSH, Math.ceil(at));
  }

  private get name(): string {
    const stored = this.ctx.storage.kv.get(NAME_KEY);
    const name = this.ctx.id.name ?? (typeof stored === 'string' ? stored : undefined);
    if (name === undefined) throw new Error('AdsSync is addressed by connection name (idFromName)');
    return name;
  }

  /** Credentials are sealed under a key of their own per ads connection. */
  private get sealName(): string {
    return `ads:${this.name}`;
  }

  private key() {
    return channelKey(this.env.CONNECTOR_SECRET, this.sealName);
  }

  private notConnected() {
    return err('not_connected', `No ads connection ${this.name}: PUT /v1/ads/${this.name}`, {
      name: this.name,
    });
  }

  private importLines(lines: MappingLine[]): Result<AdsImportResult> {
    const opened = this.opened();
    if (!opened.ok) return opened;
    const valid = validateAdsMappings(lines, opened.value.adapter, opened.value.settings);
    if (!valid.ok) return valid;
    const skus = [...new Set(valid.value.map((r) => r.sku))];
    const before = new Set(skus.flatMap((s) => this.store.mappingsOf(s).map((m) => m.entity)));
    this.store.replaceMappings(skus, valid.value, Date.now());
    const touched = new Set([...before, ...valid.value.map((r) => r.entity)]);
    this.reconsiderAll([...touched], skus[0] ?? '', 'mapping changed');
    return ok({
      skus: skus.length,
      entities: new Set(valid.value.map((r) => r.entity)).size,
      lines: lines.length,
    });
  }

  /** After a mapping change, entities go to what their SKUs' verdicts now call for. */
  private reconsiderAll(entities: string[], sku: string, rule: string): void {
    const now = Date.now();
    let queued = false;
    for (const entity of entities) {
      const reason = { rule, sku, eventId: null, listed: null, coverDays: null, threshold: null };
      if (reconsider(this.store, entity, reason, now)) queued = true;
    }
    if (queued) this.wake();
  }

  private check(kind: string, settings: unknown, credentials: unknown) {
    const adapter = adsAdapterFor(kind);
    if (adapter === null)
      return err('validation_failed', `json.kind: no ads adapter for ${kind} in this build`);
    const s = adapter.Settings.safeParse(settings);
    if (!s.success) return invalid(s.error, 'json.settings');
    const c = adapter.Credentials.safeParse(credentials);
    if (!c.success) return invalid(c.error, 'json.credentials');
    return ok({ adapter, settings: s.data, credentials: c.data });
  }

  private opened(): Result<{ adapter: AnyAdsAdapter; settings: unknown }> {
    const row = this.row;
    if (row === undefined) return this.notConnected();
    const adapter = adsAdapterFor(row.kind);
    if (adapter === null)
      return err('not_configured', `No ads adapter for ${row.kind} in this build`);
    const settings = adapter.Settings.safeParse(JSON.parse(row.settings));
    if (!settings.success) return invalid(settings.error, 'settings');
    return ok({ adapter, settings: settings.data });
  }

  /** The connection opened for one alarm run: credentials and token decrypted, nothing logged. */
  private async session(): Promise<Result<AdsSession>> {
    const row = this.row;
    if (row === undefined) return this.notConnected();
    const key = await this.key();
    if (key === null) return notConfigured();
    const opened = this.opened();
    if (!opened.ok) return opened;
    const { adapter, settings } = opened.value;
    const credentials = adapter.Credentials.safeParse(
      await open(key, this.sealName, 'credentials', row.credentials),
    );
    if (!credentials.success)
      return err(
        'validation_failed',
        'The stored credentials no longer suit the adapter: PATCH new ones',
      );
    let current =
      row.token === null || row.tokenExpiresAt === null
        ? null
        : {
            token: z.string().parse(await open(key, this.sealName, 'token', row.token)),
            expiresAt: row.tokenExpiresAt,
          };
    const save = async (t: { token: string; expiresAt: number } | null) => {
      const set = {
        token: t === null ? null : await seal(key, this.sealName, 'token', t.token),
        tokenExpiresAt: t?.expiresAt ?? null,
      };
      if (this.row === undefined) return;
      this.store.updateConnection(set);
      this.row = { ...this.row, ...set };
    };
    return ok({
      adapter,
      settings,
      credentials: credentials.data,
      dropToken: () => {
        current = null;
        void save(null);
      },
      token: async () => {
        const now = Date.now();
        if (adapter.token === undefined) return { ok: true, token: undefined };
        if (current !== null && current.expiresAt > now) return { ok: true, token: current.token };
        const refresh = adapter.token({ settings, credentials: credentials.data, now });
        let res: HttpResponse;
        try {
          res = await this.send(refresh.request);
        } catch (e) {
          const message = `no answer from the token endpoint: ${e instanceof Error ? e.message : String(e)}`;
          return { ok: false, code: 'unreachable', message, retryable: true };
        }
        const parsed = refresh.parse(res);
        if ('error' in parsed) return { ok: false, ...parsed.error };
        current = parsed;
        await save(parsed);
        return { ok: true, token: parsed.token };
      },
    });
  }

  /** Sends an ads API request: to the simulators when bound (tests, dev), else the network. */
  private async send(req: HttpRequest): Promise<HttpResponse> {
    await this.seam.beforeSend?.(req);
    const bound = this.env.MARKETPLACES;
    const fetcher = bound ? (url: string, init: RequestInit) => bound.fetch(url, init) : fetch;
    const res = await sendRequest(fetcher, req);
    await this.seam.afterSend?.(req);
    return res;
  }

  private wake(): void {
    this.scheduler.scheduleNoLaterThan(PUSH, Date.now());
  }

  private view(row: ConnectionRow): AdsConnection {
    return connectionView(this.name, row, this.pusher.health);
  }
}

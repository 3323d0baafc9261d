import { DurableObject } from 'cloudflare:workers';
import { asc } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { catalogDb } from '../db/client';
import { adsConnections } from '../db/schema';
import type { AdsRelayLag } from '../protocol/ads';
import { err, ok, type Result } from '../protocol/errors';
import type { ThresholdsRollout } from '../protocol/threshold-rollout';
import type {
  Delivery,
  DeliveryPage,
  ScopedSignalQuery,
  SignalEvent,
  SignalPage,
  WebhookCreate,
  WebhookCreated,
  WebhookPatch,
  WebhookView,
} from '../protocol/webhooks';
import { countSkus, pushSkuThresholds, skuPage } from '../shared/signals/threshold-push';
import { adsSync } from '../shared/stubs';
import { generateSecret, sign } from './channel-sync/adapters/standard-webhooks';
import { channelKey, open, seal } from './channel-sync/crypto';
import { nextAttemptAt, shouldDisable } from './signals/retry-schedule';
import { AdsRelay, type AdsTarget, RELAY_TYPES } from './webhooks/ads-relay';
import { Jobs } from './webhooks/jobs';
import { deliveryBody, messageId, wants } from './webhooks/match';
import migrations from './webhooks/migrations/migrations.js';
import * as schema from './webhooks/schema';
import { SignalLog } from './webhooks/signal-log';
import {
  type DeliveryRow,
  deliveryView,
  type SubscriptionRow,
  subscriptionView,
  WebhookStore,
} from './webhooks/store';
import { ROLLOUT_PAGE, ThresholdRollout } from './webhooks/threshold-rollout';

/** No receiver may hold a delivery longer than this; a slow answer counts as a failure. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** An attempt in flight is retried this long after it started if the object dies meanwhile. */
const LEASE_MS = 60_000;
/** Deliveries in flight at once, and taken in all by one alarm run. */
const PARALLEL = 16;
const PER_RUN = 200;
/**
 * How long an alarm run waits for its deliveries before it ends; attempts still in flight then
 * finish on their own (each is leased, so one the object dies in is sent again), and the next
 * run, with the ads relay, does not wait behind a slow receiver (bench/README.md, signals
 * replay: with the relay waiting for whole runs of deliveries, pauses lagged seconds).
 */
const DELIVERY_WAIT_MS = 1_000;
/** Subscriptions a mesh may have: each signal is matched against every one. */
const MAX_SUBSCRIPTIONS = 100;
/** The delivery log keeps finished deliveries this long. */
const KEEP_MS = 7 * 24 * 3600 * 1000;
/** Error text kept per delivery. */
const ERROR_CHARS = 300;

/** Something that sends a request and answers (fetch, or the simulators in tests and the demo). */
type Send = (url: string, init: RequestInit) => Promise<Response>;

const notFound = (id: string) =>
  err('not_found', `No webhook subscription ${id}: GET /v1/webhooks lists them`, { id });
const notConfigured = () =>
  err(
    'not_configured',
    'Webhook subscriptions need the CONNECTOR_SECRET Worker secret (32 characters or more) to encrypt their signing secrets: wrangler secret put CONNECTOR_SECRET',
  );

const randomId = (prefix: string) =>
  prefix +
  Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

/**
 * Every webhook subscription of the mesh and its deliveries (one object, name `webhooks`). Stock
 * signals arrive through `publish`; each becomes one delivery per subscription that wants it,
 * with a `webhook-id` stable across retries, signed per Standard Webhooks at each attempt and
 * retried with backoff for a day (signals/retry-schedule.ts) by the alarm. A subscription whose
 * deliveries have all failed for a day is disabled, which is itself a signal.
 */
export class Webhooks extends DurableObject<Env> {
  private readonly store: WebhookStore;
  /** Recent signals for GET /v1/signals. */
  private readonly log: SignalLog;
  /** Hands the log's stock signals to every ads connection, each from its own cursor. */
  private readonly relay: AdsRelay;
  private readonly jobs: Jobs;
  /** Pushes a location's thresholds to every SKU's object, a page per alarm run. */
  private readonly rollout: ThresholdRollout;
  /** Tests replace how a delivery is sent, and the rollout's page size. */
  readonly seam: { send?: Send; rolloutPage?: number } = {};

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const db = drizzle(ctx.storage, { schema });
    this.store = new WebhookStore(db);
    this.log = new SignalLog(db);
    this.jobs = new Jobs(db);
    this.relay = new AdsRelay(db, this.jobs, {
      connections: () => adsTargets(env),
      send: (name, events) => adsSync(env, name).signal(events),
      now: () => Date.now(),
    });
    this.rollout = new ThresholdRollout(this.jobs, {
      countSkus: () => countSkus(env),
      page: (after, limit) => skuPage(env, after, limit),
      push: (codes) => pushSkuThresholds(env, codes),
      now: () => Date.now(),
    });
    ctx.blockConcurrencyWhile(async () => {
      migrate(db, migrations);
    });
  }

  private key(id: string) {
    return channelKey(this.env.CONNECTOR_SECRET, `webhook:${id}`);
  }

  async create(body: WebhookCreate): Promise<Result<WebhookCreated>> {
    if (this.store.subscriptions().length >= MAX_SUBSCRIPTIONS) {
      return err(
        'invalid_state',
        `A mesh may have at most ${MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first`,
        { limit: MAX_SUBSCRIPTIONS },
      );
    }
    const id = randomId('wh_');
    const key = await this.key(id);
    if (key === null) return notConfigured();
    const secret = generateSecret();
    const now = Date.now();
    const row: SubscriptionRow = {
      id,
      url: body.url,
      events: JSON.stringify(body.events),
      filter: body.filter === undefined ? null : JSON.stringify(body.filter),
      description: body.description ?? null,
      secret: await seal(key, `webhook:${id}`, 'credentials', secret),
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    this.store.saveSubscription(row);
    return ok({ ...subscriptionView(row), secret });
  }

  async list(): Promise<WebhookView[]> {
    return this.store.subscriptions().map(subscriptionView);
  }

  async get(id: string): Promise<Result<WebhookView>> {
    const row = this.store.subscription(id);
    return row === undefined ? notFound(id) : ok(subscriptionView(row));
  }

  async update(id: string, patch: WebhookPatch): Promise<Result<WebhookView>> {
    const row = this.store.subscription(id);
    if (row === undefined) return notFound(id);
    const next: SubscriptionRow = { ...row, updatedAt: Date.now() };
    if (patch.url !== undefined) next.url = patch.url;
    if (patch.events !== undefined) next.events = JSON.stringify(patch.events);
    if (patch.filter !== undefined) {
      next.filter = patch.filter === null ? null : JSON.stringify(patch.filter);
    }
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.enabled !== undefined) {
      next.enabled = patch.enabled;
      if (patch.enabled) {
        next.disabledReason = null;
        next.failingSince = null;
      } else {
        next.disabledReason = 'disabled by an admin';
        this.store.failPending(id, 'subscription disabled');
      }
    }
    this.store.saveSubscription(next);
    return ok(subscriptionView(next));
  }

  async remove(id: string): Promise<Result<undefined>> {
    if (this.store.subscription(id) === undefined) return notFound(id);
    this.store.removeSubscription(id);
    return ok(undefined);
  }

  /** A new signing secret; the old one stops at once. */
  async rotateSecret(id: string): Promise<Result<WebhookCreated>> {
    const row = this.store.subscription(id);
    if (row === undefined) return notFound(id);
    const key = await this.key(id);
    if (key === null) return notConfigured();
    const secret = generateSecret();
    const next = {
      ...row,
      secret: await seal(key, `webhook:${id}`, 'credentials', secret),
      updatedAt: Date.now(),
    };
    this.store.saveSubscription(next);
    return ok({ ...subscriptionView(next), secret });
  }

  /**
   * Takes signals in: one delivery per enabled subscription that wants each, and the stock
   * signals relayed to every ads connection by the alarm. Idempotent: the same signal (same id)
   * published again adds nothing. Answers how many deliveries were added.
   */
  async publish(events: SignalEvent[]): Promise<number> {
    const now = Date.now();
    this.log.record(events, now);
    if (events.some((e) => RELAY_TYPES.includes(e.type))) {
      this.relay.wake(now);
      await this.armAt(now);
    }
    const subscriptions = this.store.subscriptions().filter((s) => s.enabled);
    let added = 0;
    for (const event of events) {
      for (const s of subscriptions) {
        const view = subscriptionView(s);
        if (!wants(view, event)) continue;
        const fresh = this.store.addDelivery({
          id: await messageId(s.id, event.id),
          subscription: s.id,
          eventId: event.id,
          type: event.type,
          body: deliveryBody(event),
          status: 'pending',
          attempts: 0,
          firstAttemptAt: null,
          nextAttemptAt: now,
          lastStatus: null,
          lastError: null,
          createdAt: now,
          deliveredAt: null,
        });
        if (fresh) added++;
      }
    }
    if (added > 0) await this.armAt(now);
    return added;
  }

  /** Recent signals, newest first (GET /v1/signals). */
  async signals(q: ScopedSignalQuery): Promise<SignalPage> {
    return this.log.recent(q);
  }

  async deliveries(
    id: string,
    q: { cursor?: string; limit: number; status?: Delivery['status'] },
  ): Promise<Result<DeliveryPage>> {
    if (this.store.subscription(id) === undefined) return notFound(id);
    const before = q.cursor === undefined ? null : parseCursor(q.cursor);
    if (q.cursor !== undefined && before === null) {
      return err('validation_failed', 'cursor: pass back the nextCursor of a previous page');
    }
    const rows = this.store.deliveriesOf(id, before, q.limit, q.status);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return ok({
      items: page.map(deliveryView),
      nextCursor:
        rows.length > q.limit && last !== undefined ? `${last.createdAt}:${last.id}` : null,
    });
  }

  /** Sends a delivery again now (delivered, failed or pending), with the same `webhook-id`. */
  async redeliver(id: string, deliveryId: string): Promise<Result<Delivery>> {
    const row = this.store.subscription(id);
    if (row === undefined) return notFound(id);
    const d = this.store.delivery(deliveryId);
    if (d === undefined || d.subscription !== id) {
      return err('not_found', `No delivery ${deliveryId} for webhook ${id}`, { id: deliveryId });
    }
    if (!row.enabled) {
      return err(
        'invalid_state',
        `Webhook ${id} is disabled: PATCH it with {"enabled":true} first`,
      );
    }
    const now = Date.now();
    const next: DeliveryRow = {
      ...d,
      status: 'pending',
      firstAttemptAt: null,
      nextAttemptAt: now,
      deliveredAt: null,
    };
    this.store.saveDelivery(next);
    await this.armAt(now);
    return ok(deliveryView(next));
  }

  /**
   * A location's thresholds changed in D1: every SKU's object gets them, a page per alarm run
   * from the first SKU (again from the first if a rollout was under way). Answers the plan.
   */
  async rolloutThresholds(): Promise<ThresholdsRollout> {
    const plan = await this.rollout.start(this.seam.rolloutPage ?? ROLLOUT_PAGE);
    await this.armAt(Date.now());
    return plan;
  }

  /** How the last threshold rollout stands (null: none ever ran). */
  async thresholdsRollout(): Promise<ThresholdsRollout | null> {
    return this.rollout.progress();
  }

  /** Each ads connection's relay cursor: how far it took the signal log, and whether it refuses. */
  async adsRelay(): Promise<ReturnType<AdsRelay['rows']>> {
    return this.relay.rows();
  }

  /**
   * How far the relay lags for one ads connection (GET /v1/ads/{name}/status): the signals it
   * has not accepted yet, the oldest one's age, its refusals. Null when D1 does not name it.
   */
  async adsRelayLag(name: string): Promise<AdsRelayLag | null> {
    let lag = this.relay.lag(name, undefined);
    if (lag === null) {
      const target = (await adsTargets(this.env)).find((c) => c.name === name);
      lag = this.relay.lag(name, target?.createdAt);
    }
    if (lag === null) return null;
    const now = Date.now();
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      behind: lag.behind,
      oldestAt: iso(lag.oldestAt),
      oldestAgeSeconds: lag.oldestAt === null ? null : Math.max(0, now - lag.oldestAt) / 1000,
      failures: lag.failures,
      retryAt: iso(lag.notBefore),
      lastError: lag.lastError,
    };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const relaying = this.relay.take(now, now + LEASE_MS);
    const rolling = this.rollout.take(now, now + LEASE_MS);
    await this.armAt(now + LEASE_MS);
    const delivering = this.deliver().catch((error: unknown) => {
      console.error('webhooks: delivery run failed', error);
    });
    // The relay does not wait for slow webhook receivers, nor they for a refusing connection;
    // the run waits for its deliveries only DELIVERY_WAIT_MS, so the next run comes soon.
    await Promise.all([
      Promise.race([delivering, sleep(DELIVERY_WAIT_MS)]),
      relaying ? this.relay.run() : undefined,
      rolling ? this.rollout.run() : undefined,
    ]);
    this.store.prune(now - KEEP_MS);
    await this.rearm();
  }

  /** Delivery lanes running, across alarm runs (a run may end before its lanes do). */
  private lanes = 0;

  /**
   * Sends the deliveries due as a pool of PARALLEL lanes (each takes the next due delivery as
   * soon as its last attempt ends, those published meanwhile included), PER_RUN in all. Each is
   * leased before it goes: an attempt the object dies in is sent again once the lease runs out.
   */
  private async deliver(): Promise<void> {
    const secrets = new Map<string, string | null>();
    let taken = 0;
    const lane = async (): Promise<void> => {
      this.lanes++;
      try {
        while (taken < PER_RUN) {
          const [d] = this.store.due(Date.now(), 1);
          if (d === undefined) return;
          this.store.saveDelivery({ ...d, nextAttemptAt: Date.now() + LEASE_MS });
          taken++;
          await this.attempt(d, secrets);
        }
      } finally {
        this.lanes--;
      }
    };
    await Promise.all(Array.from({ length: Math.max(0, PARALLEL - this.lanes) }, lane));
    // A run that ended before these lanes set its alarm without their retries.
    await this.rearm();
  }

  /**
   * Sets the alarm to the earliest due delivery or job, or deletes it. While lanes still run,
   * they take the due deliveries and re-arm when they end; the alarm then only covers their
   * leases (a death mid-send), so no run is started for work the lanes are about to take.
   */
  private async rearm(): Promise<void> {
    const due = this.store.nextDue();
    const deliveries = due !== null && this.lanes > 0 ? Math.max(due, Date.now() + LEASE_MS) : due;
    const next = earliest(deliveries, this.jobs.next());
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  /** One attempt of one delivery: signed now, recorded as delivered or scheduled again. */
  private async attempt(d: DeliveryRow, secrets: Map<string, string | null>): Promise<void> {
    const s = this.store.subscription(d.subscription);
    if (s === undefined || !s.enabled) return;
    if (!secrets.has(s.id)) secrets.set(s.id, await this.secretOf(s));
    const secret = secrets.get(s.id) ?? null;
    const started = Date.now();
    const first = d.firstAttemptAt ?? started;
    let status: number | null = null;
    let error: string | null = null;
    if (secret === null) {
      error = 'the signing secret cannot be opened (CONNECTOR_SECRET changed?)';
    } else {
      try {
        const headers = await sign(secret, d.id, Math.floor(started / 1000), d.body);
        const res = await this.send(s.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: d.body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        status = res.status;
        const text = await res.text().catch(() => '');
        if (!res.ok) error = `HTTP ${res.status}: ${text.slice(0, ERROR_CHARS)}`;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    const now = Date.now();
    const attempts = d.attempts + 1;
    const current = this.store.subscription(s.id);
    if (current === undefined) return;
    if (error === null) {
      this.store.saveDelivery({
        ...d,
        status: 'delivered',
        attempts,
        firstAttemptAt: first,
        nextAttemptAt: null,
        lastStatus: status,
        lastError: null,
        deliveredAt: now,
      });
      if (current.failingSince !== null) {
        this.store.saveSubscription({ ...current, failingSince: null, updatedAt: now });
      }
      return;
    }
    const retryAt = nextAttemptAt(first, attempts, now);
    this.store.saveDelivery({
      ...d,
      status: retryAt === null ? 'failed' : 'pending',
      attempts,
      firstAttemptAt: first,
      nextAttemptAt: retryAt,
      lastStatus: status,
      lastError: error.slice(0, ERROR_CHARS),
    });
    const failingSince = current.failingSince ?? first;
    // Given up after a day of attempts with no success since its first: the receiver is gone.
    const gaveUp = retryAt === null && failingSince <= first;
    if (gaveUp || shouldDisable(failingSince, now)) {
      await this.disable(current, failingSince, now);
    } else if (current.failingSince === null) {
      this.store.saveSubscription({ ...current, failingSince, updatedAt: now });
    }
  }

  /** A day of failures: the subscription stops, its pending deliveries fail, others are told. */
  private async disable(s: SubscriptionRow, failingSince: number, now: number): Promise<void> {
    const reason = `every delivery failed since ${new Date(failingSince).toISOString()}`;
    this.store.saveSubscription({
      ...s,
      enabled: false,
      disabledReason: reason,
      failingSince,
      updatedAt: now,
    });
    this.store.failPending(s.id, 'subscription disabled after a day of failures');
    await this.publish([
      {
        id: `webhook_disabled:${s.id}:${failingSince}`,
        type: 'webhook_disabled',
        at: new Date(now).toISOString(),
        data: { webhook: s.id, url: s.url, failingSince: new Date(failingSince).toISOString() },
      },
    ]);
  }

  private async secretOf(s: SubscriptionRow): Promise<string | null> {
    const key = await this.key(s.id);
    if (key === null) return null;
    try {
      const secret = await open(key, `webhook:${s.id}`, 'credentials', s.secret);
      return typeof secret === 'string' ? secret : null;
    } catch {
      return null;
    }
  }

  /** Sends through a test's seam, the simulators (tests, the demo) or the network. */
  private send(url: string, init: RequestInit): Promise<Response> {
    if (this.seam.send) return this.seam.send(url, init);
    const bound = this.env.MARKETPLACES;
    return bound ? bound.fetch(url, init) : fetch(url, init);
  }

  /** Sets the alarm to `at` unless it is already due sooner. */
  private async armAt(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const earliest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/** Every ads connection D1 names, with its creation time (where its relay cursor starts). */
const adsTargets = async (env: Env): Promise<AdsTarget[]> => {
  const rows = await catalogDb(env)
    .select({ name: adsConnections.name, createdAt: adsConnections.createdAt })
    .from(adsConnections)
    .orderBy(asc(adsConnections.name));
  // A createdAt that does not parse starts the cursor at the log's beginning: extra signals are
  // harmless (taken once by id), missing ones are not.
  return rows.map((r) => ({ name: r.name, createdAt: Date.parse(r.createdAt) || 0 }));
};

const parseCursor = (text: string): { at: number; id: string } | null => {
  const m = /^(\d{1,16}):(msg_[0-9a-f]{24})$/.exec(text);
  return m?.[1] && m[2] ? { at: Number(m[1]), id: m[2] } : null;
};

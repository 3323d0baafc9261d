import { DurableObject } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import { z } from 'zod';
import { err, ok, type Result } from '../protocol/errors';
import { shardOf } from '../protocol/shard';
import type { SkuUpdate } from '../protocol/sku-update';
import {
  BackorderPolicy,
  Command,
  type EventPage,
  type HoldView,
  type Levels,
  type LineOutcome,
  MAX_COMMANDS_PER_CALL,
  type MutationOutcome,
  SkuCode,
  type StockView,
} from '../protocol/stock';
import { StockThresholds } from '../protocol/thresholds';
import { deliverSignals } from '../shared/signals/deliver';
import { streamHub } from '../shared/stubs';
import { type DemandState, demandView, newDemand, record as recordDemand } from './signals/demand';
import { AlarmScheduler } from './sku-stock/alarm-scheduler';
import { availability, type CheckoutAnswer } from './sku-stock/checkout-answer';
import { refuseCheckoutNamespace } from './sku-stock/checkout-namespace';
import {
  type DecideContext,
  type Decision,
  decide,
  expireHold,
  type Scope,
} from './sku-stock/decide';
import { demandUnits } from './sku-stock/demand-units';
import { callerOf, type MutationResult, replay, toRecord } from './sku-stock/idempotency';
import { d1LedgerSink, type LedgerSink } from './sku-stock/ledger-sink';
import { applyDelta, emptyLevels, negate } from './sku-stock/levels';
import migrations from './sku-stock/migrations/migrations.js';
import { CoalescingPublisher } from './sku-stock/publisher';
import * as schema from './sku-stock/schema';
import { checkScope } from './sku-stock/scope';
import {
  publishOutbox,
  readingsOf,
  type SignalSink,
  SignalsOutbox,
} from './sku-stock/signals-outbox';
import { StockStore } from './sku-stock/store';
import { buildEvent, holdView, stockView, transferView } from './sku-stock/views';

/** Idempotency records are kept this long. */
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const HOLD_TIMER = 'expire-holds';
const PRUNE_TIMER = 'prune-idempotency';
const FLUSH_TIMER = 'flush-ledger';
const PUBLISH_TIMER = 'publish';
const SIGNALS_TIMER = 'publish-signals';
/** Changes are gathered this long before a flush, so a burst becomes one D1 batch. */
const LEDGER_FLUSH_DELAY_MS = 500;
/**
 * How far ahead the alarm moves a timer whose work it awaits (a D1 write, a hub publish): dying
 * mid-await then leaves an alarm that redoes it, this long after, instead of none at all.
 */
const LEASE_MS = 15_000;
/** Timers whose work the alarm awaits, and so holds a lease on. */
const LEASED = [FLUSH_TIMER, PUBLISH_TIMER, SIGNALS_TIMER];
/** Most events one flush sends to D1. */
const LEDGER_BATCH = 200;
/** Events the object keeps for its own reads after D1 has them. */
const RETAINED_EVENTS = 1000;
/** Retry delay after `failures` failed flushes or publishes: 0.5 s doubling to 60 s, with jitter. */
const backoffMs = (failures: number) =>
  Math.min(60_000, 500 * 2 ** Math.min(failures - 1, 7)) * (0.75 + Math.random() / 2);

export const ApplyMeta = z.object({
  /** Idempotency key; absent means the request is not replay-protected. */
  key: z.string().min(1).max(300).optional(),
  actor: z.string().min(1),
  scope: z
    .object({ channels: z.array(z.string()).nullable(), locations: z.array(z.string()).nullable() })
    .default({ channels: null, locations: null }),
  /** Who sends it: a client through the gateway, or a cart's Checkout (its namespace is its own). */
  origin: z.enum(['client', 'checkout']).default('client'),
});
export type ApplyMeta = z.input<typeof ApplyMeta>;

export const BatchItem = z.object({
  command: z.unknown(),
  key: z.string().min(1).max(300).optional(),
});
export type BatchItem = z.infer<typeof BatchItem>;

export type { MutationResult };

const Configure = z.object({ sku: SkuCode, policy: BackorderPolicy });

/** What reconciliation compares with the folded ledger. */
export type LedgerView = {
  seq: number;
  flushedSeq: number;
  /** The levels as they were at the ledger's last seq, or null if the object can no longer tell. */
  levelsAtLedgerSeq: Record<string, Levels> | null;
};

type State = { sku: string; policy: BackorderPolicy; seq: number; levels: Map<string, Levels> };

/**
 * The authoritative stock counter of one SKU (name = SKU code). Every check and its apply run
 * in one synchronous block, so no interleaving of requests can sell a unit twice.
 */
export class SkuStock extends DurableObject<Env> {
  private readonly store: StockStore;
  private state: State | undefined;
  // Assigned in blockConcurrencyWhile, before any request or alarm is delivered.
  private scheduler!: AlarmScheduler;
  /** The earliest deadline of a held hold, or null: what makes a hold due without the alarm. */
  private holdDeadline: number | null = null;
  /** Events up to this seq are in the D1 ledger. */
  private flushedSeq = 0;
  private ledgerFailures = 0;
  /** Where the outbox is flushed; tests swap in a failing sink to play a D1 outage. */
  ledger: LedgerSink;
  /** Where the state is published; tests swap in a hanging hub to play a crash mid-publish. */
  hub: (update: SkuUpdate) => Promise<void>;
  /** Stock signals (low, out, back_in_stock) and their outbox (docs/signals.md). */
  // Assigned in blockConcurrencyWhile, after the migrations.
  private signals!: SignalsOutbox;
  private signalFailures = 0;
  /** Where signals are published; tests swap in a failing or hanging one. */
  signalSink: SignalSink;
  /** Demand per location (TSB state), folded from committed units; read lazily as of now. */
  private demand = new Map<string, DemandState>();
  /** Demand and cover at a location as of this instant, for views and stream rows. */
  private readonly demandOf = (location: string, available: number) => {
    const d = this.demand.get(location);
    return d === undefined ? undefined : demandView(d, available, Date.now());
  };
  /** Time of the latest event, for the published state. */
  private lastEventAt = Date.now();
  /** Feeds the SKU's StreamHub shard: latest state wins, one send in flight, retried by alarm. */
  private readonly publisher = new CoalescingPublisher<() => SkuUpdate>(
    (build) => this.hub(build()),
    (failures, error) => {
      const delay = backoffMs(failures);
      console.warn(
        `SKU ${this.state?.sku}: publish failed (${failures}x), retry in ${Math.round(delay)} ms`,
        error,
      );
      this.scheduler.schedule(PUBLISH_TIMER, Date.now() + delay);
    },
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new StockStore(drizzle(ctx.storage, { schema }), ctx.storage.sql, (fn) =>
      ctx.storage.transactionSync(fn),
    );
    this.ledger = d1LedgerSink(env.DB);
    const shards = Number(env.STREAM_SHARDS) || 1;
    this.hub = (update) => streamHub(env, shardOf(update.sku, shards)).publish(update);
    this.signalSink = (events) => deliverSignals(env, events);
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
      const meta = this.store.loadMeta();
      if (meta) this.state = { ...meta, levels: this.store.loadLevels() };
      this.demand = this.store.loadDemand();
      this.signals = new SignalsOutbox(drizzle(ctx.storage, { schema }));
      this.flushedSeq = this.store.getCursor('ledger');
      this.holdDeadline = this.store.nextHoldExpiry();
      if (this.state) this.lastEventAt = this.store.eventTime(this.state.seq) ?? Date.now();
      this.scheduler = new AlarmScheduler(
        this.store.timers(),
        (at) => void (at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at)),
        await ctx.storage.getAlarm(),
      );
      // Whatever instant the last life ended at, events not yet in D1 get a flush.
      if (this.state && this.flushedSeq < this.state.seq) {
        this.scheduler.scheduleNoLaterThan(FLUSH_TIMER, Date.now());
      }
      // Signals written before a restart are published; receivers drop what they already have.
      if (this.signals.hasPending()) this.scheduler.scheduleNoLaterThan(SIGNALS_TIMER, Date.now());
      // A restart may have dropped a publish in flight; the hub ignores what it already has.
      this.publish();
    });
  }

  /** Creates the SKU's counter or changes its backorder policy; called by the catalog. */
  async configure(input: unknown): Promise<StockView> {
    const { sku, policy } = Configure.parse(input);
    if (this.state && this.state.sku !== sku) {
      throw new Error(`SkuStock for ${this.state.sku} cannot be configured as ${sku}`);
    }
    if (!this.state) {
      this.state = { sku, policy, seq: 0, levels: new Map() };
      this.store.saveMeta({ sku, policy, seq: 0 });
    } else if (this.state.policy !== policy) {
      const now = Date.now();
      this.record(
        { deltas: [], reason: 'policy_change' },
        'policy',
        { actor: 'catalog' },
        now,
        policy,
      );
    }
    return stockView(this.state, this.demandOf);
  }

  /** Replaces the signal thresholds of this SKU and its locations (pushed by the catalog). */
  async setThresholds(input: unknown): Promise<void> {
    this.signals.setThresholds(StockThresholds.parse(input));
  }

  /** Applies one stock command: receive, adjust, count, hold, commit, ship, transfer… */
  async apply(command: unknown, meta: ApplyMeta): Promise<MutationResult> {
    return this.applyOne(command, ApplyMeta.parse(meta), true);
  }

  /**
   * Applies up to MAX_COMMANDS_PER_CALL commands in order, each on its own, with one result per
   * command. A refused command leaves no idempotency record: it changed nothing, and a retry
   * of the batch may apply it once stock allows.
   */
  async applyBatch(items: unknown, meta: ApplyMeta): Promise<LineOutcome[]> {
    const parsedMeta = ApplyMeta.parse(meta);
    return z
      .array(BatchItem)
      .max(MAX_COMMANDS_PER_CALL)
      .parse(items)
      .map((item): LineOutcome => {
        const r = this.applyOne(item.command, { ...parsedMeta, key: item.key }, false);
        if (!r.ok) return { ok: false, replayed: r.replayed ?? false, error: r.error };
        const { event, replayed } = r.value;
        return {
          ok: true,
          replayed,
          seq: event.seq,
          ...(event.holdId !== null && { holdId: event.holdId }),
          ...(event.transferId !== null && { transferId: event.transferId }),
        };
      });
  }

  /** A Checkout's calls, as applyBatch, answered with the units left where (a cart plans with them). */
  async applyForCheckout(items: unknown, meta: ApplyMeta): Promise<CheckoutAnswer> {
    const outcomes = await this.applyBatch(items, meta);
    return { outcomes, stock: this.state ? availability(this.state) : null };
  }

  /** Quantities at every location, with available and backordered derived. */
  async getStock(): Promise<Result<StockView>> {
    const state = this.current(Date.now());
    if (!state.ok) return state;
    return ok(stockView(state.value, this.demandOf));
  }

  async getHold(holdId: string): Promise<Result<HoldView>> {
    const state = this.current(Date.now());
    if (!state.ok) return state;
    const hold = this.store.getHold(holdId);
    if (!hold) return err('unknown_hold', `SKU ${state.value.sku}: no hold ${holdId}`);
    return ok(holdView(state.value.sku, hold));
  }

  /** The event log after `after`, oldest first, at most `limit` events. */
  async getEvents(after: number, limit: number): Promise<Result<EventPage>> {
    const state = this.current(Date.now());
    if (!state.ok) return state;
    const events = this.store.events(state.value.sku, after, limit);
    const last = events.at(-1);
    const next = last && last.seq < state.value.seq ? last.seq : null;
    return ok({
      sku: state.value.sku,
      events,
      next,
      retainedFrom: this.store.oldestSeq() ?? state.value.seq + 1,
    });
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.scheduler.takeDue(now, { names: LEASED, until: now + LEASE_MS });
    // The synchronous work first: requests may run while the flush awaits D1.
    if (due.includes(HOLD_TIMER)) this.expireDueHolds(now, true);
    if (due.includes(PRUNE_TIMER)) this.pruneIdempotency(now);
    if (due.includes(PUBLISH_TIMER)) this.publish();
    if (due.includes(FLUSH_TIMER)) await this.flushLedger();
    if (due.includes(PUBLISH_TIMER)) await this.settlePublish();
    if (due.includes(SIGNALS_TIMER)) await this.publishSignals();
  }

  /** Publishes the signal outbox, a batch at a time, under the timer's lease; backs off on failure. */
  private async publishSignals(): Promise<void> {
    const result = await publishOutbox(this.signals, this.signalSink);
    if (typeof result === 'object') {
      this.signalFailures++;
      const delay = backoffMs(this.signalFailures);
      console.warn(
        `SKU ${this.state?.sku}: signals not published (${this.signalFailures}x), retry in ${Math.round(delay)} ms`,
        result.error,
      );
      this.scheduler.schedule(SIGNALS_TIMER, Date.now() + delay);
      return;
    }
    this.signalFailures = 0;
    if (result === 'more') this.scheduler.schedule(SIGNALS_TIMER, Date.now());
    else this.scheduler.cancel(SIGNALS_TIMER);
  }

  /** Resolves once the latest state reached the SKU's hub (true) or the last attempt failed (false). */
  async published(): Promise<boolean> {
    return this.publisher.settled();
  }

  /** Where the ledger stands for reconciliation: the levels as of `ledgerSeq`, from the live ones. */
  async ledgerView(ledgerSeq: number): Promise<Result<LedgerView>> {
    const state = this.requireState();
    if (!state.ok) return state;
    const { seq, levels } = state.value;
    const after = this.store.deltasAfter(ledgerSeq);
    // Every event after ledgerSeq must still be here to rewind to it; if not, say so.
    if (ledgerSeq > seq || after.count !== seq - ledgerSeq) {
      return ok({ seq, flushedSeq: this.flushedSeq, levelsAtLedgerSeq: null });
    }
    const rewound: Record<string, Levels> = {};
    for (const [location, l] of levels) {
      const d = after.byLocation.get(location);
      rewound[location] = d ? applyDelta(l, negate(d)) : l;
    }
    return ok({ seq, flushedSeq: this.flushedSeq, levelsAtLedgerSeq: rewound });
  }

  /**
   * Sends the next batch of the outbox to the ledger, then the new lag to the hub. Runs from the
   * alarm under the flush timer's lease, so a crash or a D1 outage only delays it: the events
   * stay here, and the timer stays set, until D1 and the hub have them.
   */
  private async flushLedger(): Promise<void> {
    const state = this.state;
    const batch = state ? this.store.events(state.sku, this.flushedSeq, LEDGER_BATCH) : [];
    const last = batch.at(-1);
    if (state && last) {
      try {
        await this.ledger.write(batch);
      } catch (e) {
        this.ledgerFailures++;
        const delay = backoffMs(this.ledgerFailures);
        console.warn(
          `SKU ${state.sku}: ledger flush failed (${this.ledgerFailures}x), retry in ${Math.round(delay)} ms`,
          e,
        );
        this.scheduler.schedule(FLUSH_TIMER, Date.now() + delay);
        return;
      }
      this.ledgerFailures = 0;
      this.flushedSeq = Math.max(this.flushedSeq, last.seq);
      this.store.setCursor('ledger', this.flushedSeq);
      this.store.pruneEvents(this.flushedSeq - RETAINED_EVENTS);
      this.publish();
    }
    // Still under the lease: a publish lost with the object (this one or a restart's) is redone.
    await this.settlePublish();
    if (this.flushedSeq < (this.state?.seq ?? 0)) this.scheduler.schedule(FLUSH_TIMER, Date.now());
    else this.scheduler.cancel(FLUSH_TIMER);
  }

  /** Waits until the hub has the newest state; a failed publish has set its own retry. */
  private async settlePublish(): Promise<void> {
    if (await this.publisher.settled()) this.scheduler.cancel(PUBLISH_TIMER);
  }

  /** Offers the current state to the hub; sends happen after the change is recorded. */
  private publish(): void {
    if (!this.state) return;
    this.publisher.offer(() => {
      const state = this.state;
      if (!state) throw new Error('publish before configure');
      const { sku, seq, policy, locations } = stockView(state, this.demandOf);
      const at = new Date(this.lastEventAt).toISOString();
      return { sku, seq, policy, locations, at, ledger: this.ledgerLag() };
    });
  }

  /** Ledger lag as this object sees it: events not yet in D1, and the oldest one's time. */
  private ledgerLag(): { flushedSeq: number; oldestUnflushedAt: string | null } {
    const oldest = this.store.eventTimeAfter(this.flushedSeq);
    return {
      flushedSeq: this.flushedSeq,
      oldestUnflushedAt: oldest === null ? null : new Date(oldest).toISOString(),
    };
  }

  // Everything below is synchronous: no await may separate a check from its apply.

  /** `recordRefusals`: keep an expected failure as the key's answer too (single requests). */
  private applyOne(
    raw: unknown,
    meta: z.output<typeof ApplyMeta>,
    recordRefusals: boolean,
  ): MutationResult {
    const now = Date.now();
    const state = this.current(now);
    if (!state.ok) return state;
    const parsed = Command.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return err(
        'validation_failed',
        issue ? `${issue.path.join('.')}: ${issue.message}` : 'Invalid command',
        {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      );
    }
    const cmd = parsed.data;
    if (meta.origin === 'client') {
      const outside = refuseCheckoutNamespace(cmd, meta.key);
      if (!outside.ok) return outside;
    }
    const holdId = 'holdId' in cmd ? cmd.holdId : undefined;
    const transferId = 'transferId' in cmd ? cmd.transferId : undefined;
    const subject = {
      hold: holdId === undefined ? undefined : this.store.getHold(holdId),
      transfer: transferId === undefined ? undefined : this.store.getTransfer(transferId),
    };
    // Before the record is read: a caller outside the scope gets no answer from it.
    const allowed = checkScope(cmd, { ...subject, scope: meta.scope });
    if (!allowed.ok) return allowed;

    const caller = callerOf(meta);
    const request = JSON.stringify(cmd);
    if (meta.key !== undefined) {
      const prior = this.store.getIdempotency(caller, meta.key);
      if (prior) return replay(state.value.sku, meta.key, prior, request);
    }

    const result = this.decideAndRecord(state.value, cmd, meta, subject, now);
    if (meta.key !== undefined && (result.ok || recordRefusals)) {
      this.store.saveIdempotency(caller, meta.key, request, toRecord(result), now);
      this.scheduler.scheduleNoLaterThan(PRUNE_TIMER, now + IDEMPOTENCY_TTL_MS);
    }
    return result;
  }

  private decideAndRecord(
    state: State,
    cmd: Command,
    meta: z.output<typeof ApplyMeta>,
    subject: Pick<DecideContext, 'hold' | 'transfer'>,
    now: number,
  ): MutationResult {
    if (cmd.ifSeq !== undefined && cmd.ifSeq !== state.seq) {
      return err(
        'version_conflict',
        `SKU ${state.sku}: expected seq ${cmd.ifSeq}, current seq ${state.seq}`,
        {
          sku: state.sku,
          expectedSeq: cmd.ifSeq,
          seq: state.seq,
        },
      );
    }
    const decided = decide(state, cmd, {
      now,
      ...subject,
      scope: meta.scope satisfies Scope,
      newId: (prefix) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`,
      inTransit: (location) => this.store.inTransitTo(location),
    });
    if (!decided.ok) return decided;
    const outcome = this.record(decided.value, cmd.op, { ...meta, ref: cmd.ref }, now);
    const expiresAt = decided.value.hold?.expiresAt;
    if (expiresAt) {
      this.holdDeadline = Math.min(this.holdDeadline ?? expiresAt, expiresAt);
      this.scheduler.scheduleNoLaterThan(HOLD_TIMER, expiresAt);
    }
    return ok(outcome);
  }

  /** Appends the event and persists the decision atomically, then updates memory. */
  private record(
    decision: Decision,
    type: MutationOutcome['event']['type'],
    meta: { actor: string; key?: string; ref?: string },
    now: number,
    policy?: BackorderPolicy,
  ): MutationOutcome {
    const state = this.state;
    if (!state) throw new Error('record() before configure()');
    const nextPolicy = policy ?? state.policy;
    const changed = new Map(
      decision.deltas.map((d) => [
        d.location,
        applyDelta(state.levels.get(d.location) ?? emptyLevels(), d),
      ]),
    );
    const levels = new Map([...state.levels, ...changed]);
    const next: State = { sku: state.sku, policy: nextPolicy, seq: state.seq + 1, levels };
    const event = buildEvent(next, decision, type, { ...meta, at: now });
    const demand = new Map(
      [...demandUnits(type, decision.deltas)].map(([location, units]) => [
        location,
        recordDemand(this.demand.get(location) ?? newDemand(now), units, now),
      ]),
    );
    const view = stockView(next, (location, available) => {
      const d = demand.get(location) ?? this.demand.get(location);
      return d === undefined ? undefined : demandView(d, available, now);
    });
    const signals = this.store.atomically(() => {
      for (const [location, d] of demand) this.store.saveDemand(location, d);
      for (const [location, l] of changed) this.store.saveLevels(location, l);
      if (decision.hold) this.store.saveHold(decision.hold);
      if (decision.transfer) this.store.saveTransfer(decision.transfer);
      this.store.appendEvent(event);
      this.store.saveMeta({ sku: next.sku, policy: next.policy, seq: next.seq });
      return this.signals.record(next.sku, next.seq, now, readingsOf(view, changed.keys()));
    });
    signals.commit();
    if (signals.raised > 0) this.scheduler.scheduleNoLaterThan(SIGNALS_TIMER, now);
    this.state = next;
    for (const [location, d] of demand) this.demand.set(location, d);
    this.lastEventAt = now;
    this.scheduler.scheduleNoLaterThan(FLUSH_TIMER, now + LEDGER_FLUSH_DELAY_MS);
    this.publish();
    return {
      replayed: false,
      event,
      stock: view,
      ...(decision.hold && { hold: holdView(next.sku, decision.hold) }),
      ...(decision.transfer && { transfer: transferView(next.sku, decision.transfer) }),
    };
  }

  /**
   * Expires every hold whose deadline has passed; `force` when the alarm says it is time.
   * Checked against `holdDeadline`, not the alarm's timer: the alarm takes its timers before it
   * runs, and a request served meanwhile must still see a due hold as expired.
   */
  private expireDueHolds(now: number, force = false): void {
    if (!force && (this.holdDeadline === null || this.holdDeadline > now)) return;
    for (const hold of this.store.dueHolds(now)) {
      this.record(expireHold(hold, now), 'expire', { actor: 'system' }, now);
    }
    this.holdDeadline = this.store.nextHoldExpiry();
    if (this.holdDeadline === null) this.scheduler.cancel(HOLD_TIMER);
    else this.scheduler.schedule(HOLD_TIMER, this.holdDeadline);
  }

  private pruneIdempotency(now: number): void {
    const oldest = this.store.pruneIdempotency(now - IDEMPOTENCY_TTL_MS);
    if (oldest !== null) this.scheduler.schedule(PRUNE_TIMER, oldest + IDEMPOTENCY_TTL_MS);
  }

  /**
   * The state as of `now`: due holds are expired first, so nothing reads levels that still
   * count a hold past its deadline (record() replaces the state object: never keep an old one).
   */
  private current(now: number): Result<State> {
    if (this.state) this.expireDueHolds(now);
    return this.requireState();
  }

  private requireState(): Result<State> {
    if (this.state) return ok(this.state);
    // ctx.id.name is the SKU code the object was addressed by (idFromName).
    const sku = this.ctx.id.name ?? 'this SKU';
    return err('unknown_sku', `SKU ${sku} is not in the catalog`, { sku });
  }
}

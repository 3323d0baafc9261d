import { DurableObject } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/durable-sqlite';
import { migrate } from 'drizzle-orm/durable-sqlite/migrator';
import type { z } from 'zod';
import { err, ok, type Result } from '../protocol/errors';
import { shardOf } from '../protocol/shard';
import type { SkuUpdate } from '../protocol/sku-update';
import type { Command, EventPage, HoldView, LineOutcome, StockView } from '../protocol/stock';
import { StockThresholds } from '../protocol/thresholds';
import { deliverSignals } from '../shared/signals/deliver';
import { streamHub } from '../shared/stubs';
import { AlarmScheduler } from './sku-stock/alarm-scheduler';
import { availability, type CheckoutAnswer } from './sku-stock/checkout-answer';
import { StockCounter } from './sku-stock/counter';
import type { MutationResult } from './sku-stock/idempotency';
import { ApplyMeta, Batch, Configure, type LedgerView } from './sku-stock/inputs';
import { LedgerFlusher } from './sku-stock/ledger-flush';
import { rewindLevels } from './sku-stock/ledger-rewind';
import { d1LedgerSink, type LedgerSink } from './sku-stock/ledger-sink';
import migrations from './sku-stock/migrations/migrations.js';
import { CoalescingPublisher } from './sku-stock/publisher';
import * as schema from './sku-stock/schema';
import { publishOutbox, type SignalSink, SignalsOutbox } from './sku-stock/signals-outbox';
import { StockStore } from './sku-stock/store';
import {
  Backoff,
  backoffMs,
  FLUSH_TIMER,
  HOLD_TIMER,
  IDEMPOTENCY_TTL_MS,
  LEASE_MS,
  LEASED,
  PRUNE_TIMER,
  PUBLISH_TIMER,
  SIGNALS_TIMER,
} from './sku-stock/timers';
import type { CounterState } from './sku-stock/transition';
import { holdView, lineOutcome, stockView } from './sku-stock/views';

/**
 * The authoritative stock counter of one SKU (name = SKU code). Every check and its apply run
 * in one synchronous block, so no interleaving of requests can sell a unit twice.
 */
export class SkuStock extends DurableObject<Env> {
  private readonly store: StockStore;
  // Assigned in blockConcurrencyWhile, before any request or alarm is delivered.
  private counter!: StockCounter;
  private scheduler!: AlarmScheduler;
  // Assigned in blockConcurrencyWhile, once the ledger cursor is read.
  private flusher!: LedgerFlusher;
  /** Where the outbox is flushed; tests swap in a failing sink to play a D1 outage. */
  ledger: LedgerSink;
  /** Where the state is published; tests swap in a hanging hub to play a crash mid-publish. */
  hub: (update: SkuUpdate) => Promise<void>;
  /** Stock signals (low, out, back_in_stock) and their outbox (docs/signals.md). */
  // Assigned in blockConcurrencyWhile, after the migrations.
  private signals!: SignalsOutbox;
  private readonly signalBackoff = new Backoff();
  /** Where signals are published; tests swap in a failing or hanging one. */
  signalSink: SignalSink;
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
      const state = meta && { ...meta, levels: this.store.loadLevels() };
      this.signals = new SignalsOutbox(drizzle(ctx.storage, { schema }));
      this.flusher = new LedgerFlusher(
        {
          eventsAfter: (seq, limit) =>
            this.state ? this.store.events(this.state.sku, seq, limit) : [],
          write: (events) => this.ledger.write(events),
          saveCursor: (seq) => this.store.setCursor('ledger', seq),
          pruneThrough: (seq) => this.store.pruneEvents(seq),
          eventTimeAfter: (seq) => this.store.eventTimeAfter(seq),
        },
        this.store.getCursor('ledger'),
      );
      this.scheduler = new AlarmScheduler(
        this.store.timers(),
        (at) => void (at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at)),
        await ctx.storage.getAlarm(),
      );
      const ports = {
        store: this.store,
        signals: this.signals,
        timers: this.scheduler,
        changed: () => this.publish(),
        // ctx.id.name is the SKU code the object was addressed by (idFromName).
        name: ctx.id.name,
      };
      const lastEventAt = (state && this.store.eventTime(state.seq)) ?? Date.now();
      this.counter = new StockCounter(ports, state, this.store.loadDemand(), lastEventAt);
      // Whatever instant the last life ended at, events not yet in D1 get a flush.
      if (this.state && this.flusher.behind(this.state.seq)) {
        this.scheduler.scheduleNoLaterThan(FLUSH_TIMER, Date.now());
      }
      // Signals written before a restart are published; receivers drop what they already have.
      if (this.signals.hasPending()) this.scheduler.scheduleNoLaterThan(SIGNALS_TIMER, Date.now());
      // A restart may have dropped a publish in flight; the hub ignores what it already has.
      this.publish();
    });
  }

  /** Creates the SKU's counter or changes its backorder policy; called by the catalog. */
  async configure(input: z.input<typeof Configure>): Promise<StockView> {
    const { sku, policy } = Configure.parse(input);
    return this.counter.configure(sku, policy, Date.now());
  }

  /** Replaces the signal thresholds of this SKU and its locations (pushed by the catalog). */
  async setThresholds(input: z.input<typeof StockThresholds>): Promise<void> {
    this.signals.setThresholds(StockThresholds.parse(input));
  }

  /** Applies one stock command: receive, adjust, count, hold, commit, ship, transfer… */
  async apply(command: z.input<typeof Command>, meta: ApplyMeta): Promise<MutationResult> {
    return this.counter.apply(command, ApplyMeta.parse(meta), true, Date.now());
  }

  /**
   * Applies up to MAX_COMMANDS_PER_CALL commands in order, each on its own, with one result per
   * command. A refused command leaves no idempotency record: it changed nothing, and a retry
   * of the batch may apply it once stock allows.
   */
  async applyBatch(items: z.input<typeof Batch>, meta: ApplyMeta): Promise<LineOutcome[]> {
    const parsedMeta = ApplyMeta.parse(meta);
    return Batch.parse(items).map((item) =>
      lineOutcome(
        this.counter.apply(item.command, { ...parsedMeta, key: item.key }, false, Date.now()),
      ),
    );
  }

  /** A Checkout's calls, as applyBatch, answered with the units left where (a cart plans with them). */
  async applyForCheckout(items: z.input<typeof Batch>, meta: ApplyMeta): Promise<CheckoutAnswer> {
    const outcomes = await this.applyBatch(items, meta);
    return { outcomes, stock: this.state ? availability(this.state) : null };
  }

  /** Quantities at every location, with available and backordered derived. */
  async getStock(): Promise<Result<StockView>> {
    const state = this.counter.current(Date.now());
    if (!state.ok) return state;
    return ok(stockView(state.value, this.counter.demandOf));
  }

  async getHold(holdId: string): Promise<Result<HoldView>> {
    const state = this.counter.current(Date.now());
    if (!state.ok) return state;
    const hold = this.store.getHold(holdId);
    if (!hold) return err('unknown_hold', `SKU ${state.value.sku}: no hold ${holdId}`);
    return ok(holdView(state.value.sku, hold));
  }

  /** The event log after `after`, oldest first, at most `limit` events. */
  async getEvents(after: number, limit: number): Promise<Result<EventPage>> {
    const state = this.counter.current(Date.now());
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
    if (due.includes(HOLD_TIMER)) this.counter.expireDueHolds(now, true);
    if (due.includes(PRUNE_TIMER)) this.pruneIdempotency(now);
    if (due.includes(PUBLISH_TIMER)) this.publish();
    // Signals go out beside the ledger flush, not behind it: under a busy order flow a flush
    // waits on D1, and signals behind it queued (bench/README.md, signals replay).
    await Promise.all([
      due.includes(SIGNALS_TIMER) ? this.publishSignals() : undefined,
      (async () => {
        if (due.includes(FLUSH_TIMER)) await this.flushLedger();
        if (due.includes(PUBLISH_TIMER)) await this.settlePublish();
      })(),
    ]);
  }

  /** Publishes the signal outbox, a batch at a time, under the timer's lease; backs off on failure. */
  private async publishSignals(): Promise<void> {
    const result = await publishOutbox(this.signals, this.signalSink);
    if (typeof result === 'object') {
      const delay = this.signalBackoff.fail();
      const times = this.signalBackoff.failures;
      console.warn(
        `SKU ${this.state?.sku}: signals not published (${times}x), retry in ${Math.round(delay)} ms`,
        result.error,
      );
      this.scheduler.schedule(SIGNALS_TIMER, Date.now() + delay);
      return;
    }
    this.signalBackoff.succeed();
    if (result === 'more') this.scheduler.schedule(SIGNALS_TIMER, Date.now());
    else this.scheduler.cancel(SIGNALS_TIMER);
  }

  /** Resolves once the latest state reached the SKU's hub (true) or the last attempt failed (false). */
  async published(): Promise<boolean> {
    return this.publisher.settled();
  }

  /** Where the ledger stands for reconciliation: the levels as of `ledgerSeq`, from the live ones. */
  async ledgerView(ledgerSeq: number): Promise<Result<LedgerView>> {
    const state = this.counter.requireState();
    if (!state.ok) return state;
    const { seq, levels } = state.value;
    const rewound = rewindLevels(levels, seq, ledgerSeq, this.store.deltasAfter(ledgerSeq));
    return ok({ seq, flushedSeq: this.flusher.flushedSeq, levelsAtLedgerSeq: rewound });
  }

  /**
   * Sends the next batch of the outbox to the ledger, then the new lag to the hub. Runs from the
   * alarm under the flush timer's lease, so a crash or a D1 outage only delays it: the events
   * stay here, and the timer stays set, until D1 and the hub have them.
   */
  private async flushLedger(): Promise<void> {
    const result = await this.flusher.flush();
    if (result.status === 'failed') {
      const { failures, retryInMs, error } = result;
      console.warn(
        `SKU ${this.state?.sku}: ledger flush failed (${failures}x), retry in ${Math.round(retryInMs)} ms`,
        error,
      );
      this.scheduler.schedule(FLUSH_TIMER, Date.now() + retryInMs);
      return;
    }
    if (result.status === 'written') this.publish();
    // Still under the lease: a publish lost with the object (this one or a restart's) is redone.
    await this.settlePublish();
    if (this.flusher.behind(this.state?.seq ?? 0)) this.scheduler.schedule(FLUSH_TIMER, Date.now());
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
      const { sku, seq, policy, locations } = stockView(state, this.counter.demandOf);
      const at = new Date(this.counter.lastEventAt).toISOString();
      return { sku, seq, policy, locations, at, ledger: this.flusher.lag() };
    });
  }

  /** The counter as last recorded (see StockCounter.current for the state as of now). */
  private get state(): CounterState | undefined {
    return this.counter.state;
  }

  private pruneIdempotency(now: number): void {
    const oldest = this.store.pruneIdempotency(now - IDEMPOTENCY_TTL_MS);
    if (oldest !== null) this.scheduler.schedule(PRUNE_TIMER, oldest + IDEMPOTENCY_TTL_MS);
  }
}

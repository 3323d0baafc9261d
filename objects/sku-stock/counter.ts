import type { z } from 'zod';
import { err, ok, type Result } from '../../protocol/errors';
import type {
  BackorderPolicy,
  Command,
  LocationDemand,
  MutationOutcome,
  StockView,
} from '../../protocol/stock';
import { type DemandState, demandView } from '../signals/demand';
import type { AlarmScheduler } from './alarm-scheduler';
import { refuseCheckoutNamespace } from './checkout-namespace';
import { checkVersion, parseCommand } from './command-input';
import { type DecideContext, type Decision, decide, expireHold } from './decide';
import { callerOf, type MutationResult, oncePerKey } from './idempotency';
import type { ApplyMeta } from './inputs';
import { checkScope } from './scope';
import { readingsOf, type SignalsOutbox } from './signals-outbox';
import type { StockStore } from './store';
import {
  FLUSH_TIMER,
  HOLD_TIMER,
  IDEMPOTENCY_TTL_MS,
  LEDGER_FLUSH_DELAY_MS,
  PRUNE_TIMER,
  SIGNALS_TIMER,
} from './timers';
import { type CounterState, transition } from './transition';
import { holdView, stockView, transferView } from './views';

/** The storage a counter writes through; every change is one `atomically` block. */
export type CounterStore = Pick<
  StockStore,
  | 'getHold'
  | 'getTransfer'
  | 'inTransitTo'
  | 'getIdempotency'
  | 'saveIdempotency'
  | 'atomically'
  | 'saveDemand'
  | 'saveLevels'
  | 'saveHold'
  | 'saveTransfer'
  | 'appendEvent'
  | 'saveMeta'
  | 'dueHolds'
  | 'nextHoldExpiry'
>;

export type CounterPorts = {
  store: CounterStore;
  signals: Pick<SignalsOutbox, 'record'>;
  timers: Pick<AlarmScheduler, 'schedule' | 'scheduleNoLaterThan' | 'cancel'>;
  /** Called after every recorded change, once memory follows storage (the object publishes). */
  changed: () => void;
  /** The SKU code the object was addressed by, for unknown_sku before it is configured. */
  name: string | undefined;
  newId?: (prefix: string) => string;
};

const randomId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;

/**
 * The check-and-apply of a SkuStock: parses, scopes and decides a command, then writes its
 * change in one transaction. Everything here is synchronous: no await may separate a check from
 * its apply, which is what keeps two requests from selling the same unit.
 */
export class StockCounter {
  /** The earliest deadline of a held hold, or null: what makes a hold due without the alarm. */
  private holdDeadline: number | null;

  constructor(
    private readonly ports: CounterPorts,
    private counter: CounterState | undefined,
    /** Demand per location (TSB state), folded from committed units; read lazily as of now. */
    private readonly demand: Map<string, DemandState>,
    /** Time of the latest event, for the published state. */
    public lastEventAt: number,
  ) {
    this.holdDeadline = ports.store.nextHoldExpiry();
  }

  /** The counter as last recorded (due holds not expired: see `current`). */
  get state(): CounterState | undefined {
    return this.counter;
  }

  /** Demand and cover at a location as of this instant, for views and stream rows. */
  readonly demandOf = (location: string, available: number): LocationDemand | undefined => {
    const d = this.demand.get(location);
    return d === undefined ? undefined : demandView(d, available, Date.now());
  };

  /** Creates the counter or changes its backorder policy (an event of its own). */
  configure(sku: string, policy: BackorderPolicy, now: number): StockView {
    if (this.counter && this.counter.sku !== sku) {
      throw new Error(`SkuStock for ${this.counter.sku} cannot be configured as ${sku}`);
    }
    if (!this.counter) {
      this.counter = { sku, policy, seq: 0, levels: new Map() };
      this.ports.store.saveMeta({ sku, policy, seq: 0 });
    } else if (this.counter.policy !== policy) {
      const decision = { deltas: [], reason: 'policy_change' };
      this.record(decision, 'policy', { actor: 'catalog' }, now, policy);
    }
    return stockView(this.counter, this.demandOf);
  }

  /**
   * Applies one command. `recordRefusals`: keep an expected failure as the key's answer too
   * (single requests; a batch's refused line leaves no record, so a retry may apply it).
   */
  apply(
    raw: unknown,
    meta: z.output<typeof ApplyMeta>,
    recordRefusals: boolean,
    now: number,
  ): MutationResult {
    const state = this.current(now);
    if (!state.ok) return state;
    const parsed = parseCommand(raw);
    if (!parsed.ok) return parsed;
    const cmd = parsed.value;
    if (meta.origin === 'client') {
      const outside = refuseCheckoutNamespace(cmd, meta.key);
      if (!outside.ok) return outside;
    }
    const { store } = this.ports;
    const holdId = 'holdId' in cmd ? cmd.holdId : undefined;
    const transferId = 'transferId' in cmd ? cmd.transferId : undefined;
    const subject = {
      hold: holdId === undefined ? undefined : store.getHold(holdId),
      transfer: transferId === undefined ? undefined : store.getTransfer(transferId),
    };
    // Before the record is read: a caller outside the scope gets no answer from it.
    const allowed = checkScope(cmd, { ...subject, scope: meta.scope });
    if (!allowed.ok) return allowed;
    const records = {
      get: (caller: string, key: string) => store.getIdempotency(caller, key),
      save: (...r: Parameters<CounterStore['saveIdempotency']>) => store.saveIdempotency(...r),
    };
    const request = JSON.stringify(cmd);
    const { sku } = state.value;
    const { result, recorded } = oncePerKey(
      records,
      { sku, key: meta.key, caller: callerOf(meta), request, now, recordRefusals },
      () => this.decideAndRecord(state.value, cmd, meta, subject, now),
    );
    if (recorded) {
      this.ports.timers.scheduleNoLaterThan(PRUNE_TIMER, now + IDEMPOTENCY_TTL_MS);
    }
    return result;
  }

  /**
   * Expires every hold whose deadline has passed; `force` when the alarm says it is time.
   * Checked against `holdDeadline`, not the alarm's timer: the alarm takes its timers before it
   * runs, and a request served meanwhile must still see a due hold as expired.
   */
  expireDueHolds(now: number, force = false): void {
    if (!force && (this.holdDeadline === null || this.holdDeadline > now)) return;
    for (const hold of this.ports.store.dueHolds(now)) {
      this.record(expireHold(hold, now), 'expire', { actor: 'system' }, now);
    }
    this.holdDeadline = this.ports.store.nextHoldExpiry();
    if (this.holdDeadline === null) this.ports.timers.cancel(HOLD_TIMER);
    else this.ports.timers.schedule(HOLD_TIMER, this.holdDeadline);
  }

  /**
   * The state as of `now`: due holds are expired first, so nothing reads levels that still
   * count a hold past its deadline (record() replaces the state object: never keep an old one).
   */
  current(now: number): Result<CounterState> {
    if (this.counter) this.expireDueHolds(now);
    return this.requireState();
  }

  /** The state, or unknown_sku while the catalog has not configured this SKU. */
  requireState(): Result<CounterState> {
    if (this.counter) return ok(this.counter);
    const sku = this.ports.name ?? 'this SKU';
    return err('unknown_sku', `SKU ${sku} is not in the catalog`, { sku });
  }

  private decideAndRecord(
    state: CounterState,
    cmd: Command,
    meta: z.output<typeof ApplyMeta>,
    subject: Pick<DecideContext, 'hold' | 'transfer'>,
    now: number,
  ): MutationResult {
    const version = checkVersion(state, cmd.ifSeq);
    if (!version.ok) return version;
    const decided = decide(state, cmd, {
      now,
      ...subject,
      scope: meta.scope,
      newId: this.ports.newId ?? randomId,
      inTransit: (location) => this.ports.store.inTransitTo(location),
    });
    if (!decided.ok) return decided;
    const outcome = this.record(decided.value, cmd.op, { ...meta, ref: cmd.ref }, now);
    const expiresAt = decided.value.hold?.expiresAt;
    if (expiresAt) {
      this.holdDeadline = Math.min(this.holdDeadline ?? expiresAt, expiresAt);
      this.ports.timers.scheduleNoLaterThan(HOLD_TIMER, expiresAt);
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
    const state = this.counter;
    if (!state) throw new Error('record() before configure()');
    const { store, timers } = this.ports;
    const demandAt = (location: string) => this.demand.get(location);
    const t = transition(state, decision, type, meta, now, demandAt, policy);
    const { next, changed, event, demand, view } = t;
    const signals = store.atomically(() => {
      for (const [location, d] of demand) store.saveDemand(location, d);
      for (const [location, l] of changed) store.saveLevels(location, l);
      if (decision.hold) store.saveHold(decision.hold);
      if (decision.transfer) store.saveTransfer(decision.transfer);
      store.appendEvent(event);
      store.saveMeta({ sku: next.sku, policy: next.policy, seq: next.seq });
      return this.ports.signals.record(next.sku, next.seq, now, readingsOf(view, changed.keys()));
    });
    signals.commit();
    if (signals.raised > 0) timers.scheduleNoLaterThan(SIGNALS_TIMER, now);
    this.counter = next;
    for (const [location, d] of demand) this.demand.set(location, d);
    this.lastEventAt = now;
    timers.scheduleNoLaterThan(FLUSH_TIMER, now + LEDGER_FLUSH_DELAY_MS);
    this.ports.changed();
    return {
      replayed: false,
      event,
      stock: view,
      ...(decision.hold && { hold: holdView(next.sku, decision.hold) }),
      ...(decision.transfer && { transfer: transferView(next.sku, decision.transfer) }),
    };
  }
}

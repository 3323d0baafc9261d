import { z } from 'zod';
import type { ListingRules } from '../../protocol/stream';
import type { ChannelRows } from '../stream-hub/channel-rows';
import type { SyncLagReport } from '../stream-hub/sync-lag';
import type {
  AnyAdapter,
  BulkStep,
  HttpRequest,
  HttpResponse,
  ItemOutcome,
  ParsedPush,
  PushItem,
} from './adapter';
import { BulkJob, itemsPerRequest, PushAttempt, pendingStep } from './attempt';
import { NO_TOTALS, RateWindow, Totals } from './counters';
import { ackable, afterPage, freshCursor, type ShardCursor } from './cursors';
import {
  afterNoAnswer,
  afterResponse,
  backoffMs,
  bulkSlot,
  type Gate,
  mayGo,
  OPEN_GATE,
} from './gate';
import { afterFailure, afterSuccess, HEALTHY, SyncHealth } from './health';
import { ingestPage } from './ingest';
import { isPending, type SyncItem } from './item';
import { anyProgress, applyOutcome, countOutcomes } from './outcomes';
import { byRisk, isUrgent, nextBatch, riskOf, SyncQueue } from './queue';
import type { SyncRepo } from './repo';

// The sync of one channel: reads its rows from the hubs, pushes the differences to the
// marketplace in risk order within its limits, and acknowledges the hubs only up to what the
// marketplace accepted. Every push is stored as an attempt before it is sent, and a crash sends
// the same attempt again. The engine does no I/O of its own: the object gives it ports (and tests
// give it fakes), and runs it from the alarm.

const PAGE_ROWS = 500;
/** Pages read from one hub per run; a hub with more is read again at once. */
const MAX_PAGES = 20;
/** A run stops starting requests after this long, and lets the next alarm go on. */
const RUN_BUDGET_MS = 10_000;
const MAX_REQUESTS_PER_RUN = 200;
/**
 * A run waits in place for a rate limit's next slot when it is this near (Shopify's 10 points
 * restore in 10 ms on Plus, 100 ms on Standard) instead of ending and waking again by alarm, whose
 * own delay and run start cost more than the wait: a backlog then goes at the limit's pace.
 */
const PACE_WAIT_MAX_MS = 100;
/** What a run spends waiting for such slots, at most, before it lets the next alarm go on. */
const PACE_RUN_MAX_MS = 2_000;
/**
 * Sends of one attempt without a word on its fate (no answer, throttled, failed) before its SKUs
 * go again under a new attempt: a marketplace that keeps answering a key with the same failure
 * must not hold them forever.
 */
const MAX_SENDS = 8;
/** How long an order's expectation holds a SKU back while its listed quantity has not dropped yet. */
const AWAIT_DROP_MS = 5_000;
/** A bulk job not done after this long is given up: its SKUs go back to the queue. */
const BULK_TIMEOUT_MS = 30 * 60_000;

const StoredGate = z.object({
  notBefore: z.number().nullable(),
  describe: z.string(),
  failures: z.number().int().min(0),
});
const Starts = z.array(z.number());

export type TokenAnswer =
  | { ok: true; token: string | undefined }
  | { ok: false; code: string; message: string; retryable: boolean };

/** The connection as one run uses it: the adapter, its parsed settings and credentials. */
export type Session = {
  adapter: AnyAdapter;
  settings: unknown;
  credentials: unknown;
  /** The access token to send with (fetched first when missing or lapsing); undefined if none is needed. */
  token(): Promise<TokenAnswer>;
  /** The marketplace refused the token as expired: the next `token()` fetches another. */
  dropToken(): void;
};

export type EnginePorts = {
  channel: string;
  shards: () => number;
  now: () => number;
  random: () => number;
  newId: () => string;
  /** The channel's listing rules, for a hub that has not seen them. */
  listing: () => Promise<ListingRules | undefined>;
  pull: (
    shard: number,
    q: { after: number; rules: number | null; limit: number; listing?: ListingRules },
  ) => Promise<ChannelRows>;
  /** Acknowledges a hub, telling it the queue and marketplace lag its `lag` messages carry. */
  ack: (shard: number, cursor: number, sync: SyncLagReport) => Promise<void>;
  /** Sends one request to the marketplace; throws when no answer came (timeout, refused). */
  send: (req: HttpRequest) => Promise<HttpResponse>;
  /** Waits this long in real time (a rate limit's next slot); without it, the run ends instead. */
  sleep?: (ms: number) => Promise<void>;
};

const earliest = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);
const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class SyncEngine {
  private readonly queue: SyncQueue;
  private readonly cursors = new Map<number, ShardCursor>();
  /** Queued SKUs with no mapping: not pushed, and not holding back the ack, until mapped. */
  private readonly unmapped = new Set<string>();
  private classified = false;
  private push: PushAttempt | undefined;
  private bulk: BulkJob | undefined;
  /**
   * Units marketplace orders took off SKUs while a push or bulk job carrying them was in flight:
   * a compare-and-set push accepted after the order landed on top of it, so what the marketplace
   * holds is the pushed quantity less these (docs/orders.md, "Echo suppression").
   */
  private readonly soldInFlight = new Map<string, number>();
  /**
   * SKUs an order's expectation lowered before their listed quantity dropped (the commit is still
   * on its way through the hub), or a cancel's raised before it rose: not pushed until it arrives
   * or this time passes, so the marketplace is never told its own sale or restock back.
   */
  private readonly awaitingDrop = new Map<string, number>();
  /** SKU → quantity of the bulk job in flight. */
  private bulkItems = new Map<string, number>();
  private bulkStarts: number[];
  private bulkNotBefore: number | null = null;
  /** Bulk steps in a row that got no answer: their own backoff, apart from the per-item gate. */
  private bulkMisses = 0;
  private gate: Gate;
  private health: SyncHealth;
  private totals: Totals;
  private readonly accepted = new RateWindow();
  private readonly requests = new RateWindow();
  /** Shards to read on the next run (poked, or not read yet in this life). */
  private readonly dirty = new Set<number>();
  /** Shards whose ack the hub has had from this life of the object, with the lag it was told. */
  private readonly acked = new Map<number, SyncLagReport>();
  private ackFailed = false;
  /** Milliseconds this run waited for the rate limit's pacing (paceGate). */
  private paced = 0;
  /** Bumped by `reset`: a run that awaited across a reset stops there. */
  private generation = 0;
  private running = false;

  constructor(
    private readonly repo: SyncRepo,
    private readonly ports: EnginePorts,
    /** When the connection was made: lag counts from there at the earliest. */
    private since: number,
  ) {
    this.queue = new SyncQueue(repo.pendingItems());
    for (const c of repo.cursors()) this.cursors.set(c.shard, c);
    this.push = PushAttempt.optional().parse(repo.attempt('push'));
    this.setBulk(BulkJob.optional().parse(repo.attempt('bulk')));
    this.gate = StoredGate.optional().parse(repo.meta('gate')) ?? OPEN_GATE;
    this.health = SyncHealth.optional().parse(repo.meta('health')) ?? HEALTHY;
    this.totals = Totals.optional().parse(repo.meta('totals')) ?? NO_TOTALS;
    this.bulkStarts = Starts.optional().parse(repo.meta('bulkStarts')) ?? [];
    // A poke lost while the object was down is made up by reading every shard once per life.
    this.pollAll();
  }

  /** A hub saw the channel's rows change. */
  poked(shard: number): void {
    this.dirty.add(shard);
  }

  /** Read every shard on the next run (the slow poll that makes up for lost pokes). */
  pollAll(): void {
    for (let s = 0; s < this.ports.shards(); s++) this.dirty.add(s);
  }

  /** The connection now points at another marketplace or shop: nothing pushed holds there. */
  reset(since: number): void {
    this.generation++;
    this.repo.clearSync();
    this.queue.clear();
    this.cursors.clear();
    this.unmapped.clear();
    this.push = undefined;
    this.setBulk(undefined);
    this.bulkNotBefore = null;
    this.gate = OPEN_GATE;
    this.health = HEALTHY;
    this.totals = NO_TOTALS;
    this.bulkStarts = [];
    this.acked.clear();
    this.soldInFlight.clear();
    this.awaitingDrop.clear();
    this.since = since;
    this.pollAll();
  }

  /** Credentials or settings changed, or the admin resumed: try now, not after the backoff. */
  retryNow(): void {
    this.gate = { ...this.gate, notBefore: null, failures: 0 };
    this.bulkNotBefore = null;
    this.repo.putMeta('gate', this.gate);
  }

  /**
   * Mappings changed: SKUs held back as unmapped are looked at again, and a refusal of a remapped
   * SKU is forgotten (it was the old item's): the SKU is pushed again to its new item.
   */
  remapped(skus: readonly string[] = []): void {
    this.unmapped.clear();
    this.classified = false;
    const retried: SyncItem[] = [];
    for (const sku of skus) {
      const item = this.queue.get(sku) ?? this.repo.item(sku);
      if (item === undefined || item.rejected === null) continue;
      retried.push({ ...item, rejected: null });
    }
    for (const i of retried) this.queue.put(i);
    this.repo.putItems(retried);
  }

  /**
   * A marketplace order took these units off the marketplace's own count: `pushed` becomes what
   * the marketplace now holds, so the drop of our listed quantity the order causes is not pushed
   * back, and the next push compares against the right figure. Once per order id. `compares`: the
   * adapter's pushes are compare-and-set (an accepted one landed after the order).
   */
  expectSold(
    orderId: string,
    lines: readonly { sku: string; quantity: number }[],
    compares: boolean,
  ): { lowered: number; avoided: number } {
    const done = this.expectMarketplace(orderId, lines, -1, compares);
    return { lowered: done.moved, avoided: done.avoided };
  }

  /**
   * The marketplace cancelled an order whose sale was expected, and put its units back on its own
   * count: `pushed` rises by them, so the rise of our listed quantity the cancel causes is not
   * pushed either (docs/orders.md, "Echo suppression"). Once per order id.
   */
  expectRestocked(
    orderId: string,
    lines: readonly { sku: string; quantity: number }[],
    compares: boolean,
  ): { raised: number; avoided: number } {
    const done = this.expectMarketplace(`cancel:${orderId}`, lines, 1, compares);
    return { raised: done.moved, avoided: done.avoided };
  }

  /** Moves `pushed` of each line's SKU by its units × `sign`, as the marketplace moved its count. */
  private expectMarketplace(
    key: string,
    lines: readonly { sku: string; quantity: number }[],
    sign: 1 | -1,
    compares: boolean,
  ): { moved: number; avoided: number } {
    const now = this.ports.now();
    if (!this.repo.firstExpectation(key, now)) return { moved: 0, avoided: 0 };
    const units = new Map<string, number>();
    for (const l of lines) units.set(l.sku, (units.get(l.sku) ?? 0) + l.quantity);
    const changed: SyncItem[] = [];
    let avoided = 0;
    for (const [sku, quantity] of units) {
      const item = this.queue.get(sku) ?? this.repo.item(sku);
      // Never pushed, or unknown after a refused compare: nothing to move.
      if (item === undefined || item.pushed === null || quantity <= 0) continue;
      if (compares && this.carries(sku)) {
        this.soldInFlight.set(sku, (this.soldInFlight.get(sku) ?? 0) - sign * quantity);
      }
      const next = { ...item, pushed: item.pushed + sign * quantity };
      if (isPending(item) && !isPending(next)) avoided++;
      // Our own move of the listed quantity has not arrived yet: wait for it before pushing.
      const behind = sign < 0 ? next.listed > next.pushed : next.listed < next.pushed;
      if (isPending(next) && behind) this.awaitingDrop.set(sku, now + AWAIT_DROP_MS);
      changed.push(next);
      this.queue.put(next);
    }
    this.repo.putItems(changed);
    if (avoided > 0) this.countAvoided(avoided);
    return { moved: changed.length, avoided };
  }

  /** What the marketplace was last told of each SKU it shows some of: a degraded channel's exposure. */
  exposure(): { sku: string; pushed: number }[] {
    return this.repo.pushedItems();
  }

  /** Does the connection work (failing, and the last error)? */
  get syncHealth(): SyncHealth {
    return this.health;
  }

  /** What the status page shows. */
  figures(now: number) {
    let depth = 0;
    let unmapped = 0;
    let oldest: number | null = null;
    let oldestMapped: number | null = null;
    for (const i of this.queue.values()) {
      depth++;
      oldest = earliest(oldest, i.changedAt);
      if (this.unmapped.has(i.sku)) unmapped++;
      else oldestMapped = earliest(oldestMapped, i.changedAt);
    }
    const age = (t: number | null) => (t === null ? 0 : Math.max(0, now - t) / 1000);
    return {
      queue: { depth, unmapped, oldestAgeSeconds: age(oldest) },
      lagSeconds: age(oldestMapped),
      health: this.health,
      gate: this.gate,
      totals: this.totals,
      bulk: this.bulk,
      cursors: [...this.cursors.values()].sort((a, b) => a.shard - b.shard),
      pushesPerSecond: this.accepted.perSecond(now),
      requestsPerSecond: this.requests.perSecond(now),
    };
  }

  /** One SKU as the sync holds it, and whether a push or a bulk job in flight carries it. */
  detail(sku: string): { item: SyncItem | undefined; inFlight: 'push' | 'bulk' | null } {
    const item = this.queue.get(sku) ?? this.repo.item(sku);
    const inPush = this.push?.items.some((i) => i.sku === sku) ?? false;
    return { item, inFlight: inPush ? 'push' : this.bulkItems.has(sku) ? 'bulk' : null };
  }

  /** One run of the alarm: read the hubs, push, acknowledge. Returns when to run again (null: not needed). */
  async run(session: Session, opts: { paused: boolean }): Promise<number | null> {
    if (this.running) return this.ports.now();
    this.running = true;
    try {
      const generation = this.generation;
      const live = () => this.generation === generation;
      await this.pullDirty(session, live);
      if (!this.classified && live()) this.classify(session);
      if (!opts.paused && live()) await this.pushAll(session, live);
      if (live()) await this.ackAll();
      return this.wake(session, opts.paused);
    } finally {
      this.running = false;
    }
  }

  // Reading the hubs

  private async pullDirty(session: Session, live: () => boolean): Promise<void> {
    if (this.dirty.size === 0) return;
    const listing = await this.ports.listing();
    for (const shard of [...this.dirty].sort((a, b) => a - b)) {
      // Cleared before reading: a poke that comes in meanwhile marks it again.
      this.dirty.delete(shard);
      for (let page = 0; ; page++) {
        if (page === MAX_PAGES) {
          this.dirty.add(shard);
          break;
        }
        const c = this.cursors.get(shard) ?? freshCursor(shard);
        let rows: ChannelRows;
        try {
          const q = { after: c.after, rules: c.rules, limit: PAGE_ROWS };
          rows = await this.ports.pull(shard, listing === undefined ? q : { ...q, listing });
        } catch (e) {
          console.warn(`channel ${this.ports.channel}: reading hub ${shard} failed`, e);
          this.ackFailed = true;
          break;
        }
        if (!live()) return;
        let avoided = 0;
        const changed = ingestPage(
          shard,
          rows,
          (sku) => this.queue.get(sku) ?? this.repo.item(sku),
          this.ports.now(),
          this.since,
          () => avoided++,
        );
        if (avoided > 0) this.countAvoided(avoided);
        const mappings = this.repo.mappingsOf(changed.filter(isPending).map((i) => i.sku));
        for (const item of changed) {
          this.awaitingDrop.delete(item.sku);
          this.queue.put(item);
          if (isPending(item) && this.external(session, item.sku, mappings) === null) {
            this.unmapped.add(item.sku);
          }
        }
        this.repo.putItems(changed);
        const next = afterPage(c, rows);
        this.cursors.set(shard, next);
        this.repo.putCursor(next);
        if (!rows.more) break;
      }
    }
  }

  /** Finds the queued SKUs with no mapping (once per life, and after mappings change). */
  private classify(session: Session): void {
    for (const i of this.queue.values()) {
      if (this.external(session, i.sku) === null) this.unmapped.add(i.sku);
    }
    this.classified = true;
  }

  /**
   * The marketplace's ids for a SKU: its mapping, else the adapter's default, else null.
   * `batch`: the batch's mappings, read at once (mappingsOf); else the SKU's is read here.
   */
  private external(session: Session, sku: string, batch?: Map<string, unknown>): unknown {
    const stored = batch === undefined ? this.repo.mapping(sku) : batch.get(sku);
    if (stored !== undefined) {
      const parsed = session.adapter.Mapping.safeParse(stored);
      return parsed.success ? parsed.data : null;
    }
    return session.adapter.defaultMapping(sku, session.settings);
  }

  /** What to send for these SKUs; unmapped ones are set aside. */
  private pushItems(session: Session, batch: readonly SyncItem[]): PushItem[] {
    const items: PushItem[] = [];
    const stored = this.repo.mappingsOf(batch.map((i) => i.sku));
    for (const i of batch) {
      const external = this.external(session, i.sku, stored);
      if (external === null) this.unmapped.add(i.sku);
      else items.push({ sku: i.sku, external, quantity: i.listed, pushed: i.pushed });
    }
    return items;
  }

  // The per-item path

  private async pushAll(session: Session, live: () => boolean): Promise<void> {
    const deadline = this.ports.now() + RUN_BUDGET_MS;
    let requests = 0;
    this.paced = 0;
    const more = () => live() && this.ports.now() < deadline && requests < MAX_REQUESTS_PER_RUN;
    // An attempt that may have landed (a crash, a lost or failed answer) goes again first, as it was.
    if (this.push !== undefined && mayGo(this.gate, this.ports.now())) {
      requests++;
      await this.sendPush(session, this.push, live);
    }
    // Sell-outs go before any bulk step: starting a job (its upload above all) takes seconds, and
    // one still waiting for the per-item limit holds the job's steps back until it has gone.
    let bulkMayGo = true;
    if (session.adapter.bulk !== undefined && more()) {
      const sellOut = (i: SyncItem) => this.perItem(i) && riskOf(i) === 'sell-out';
      requests += await this.pushBatches(session, live, more, sellOut);
      bulkMayGo = nextBatch(this.queue.values(), 1, sellOut).length === 0;
    }
    if (bulkMayGo && more()) requests += await this.driveBulk(session, live, more);
    requests += await this.pushBatches(session, live, more, (i) => this.perItem(i));
  }

  /** Sends per-item batches of the riskiest `eligible` SKUs while the gate and the run allow. */
  private async pushBatches(
    session: Session,
    live: () => boolean,
    more: () => boolean,
    eligible: (i: SyncItem) => boolean,
  ): Promise<number> {
    let requests = 0;
    const size = Math.max(1, session.adapter.maxBatch(session.settings));
    while (more() && this.push === undefined) {
      let batch = nextBatch(this.queue.values(), size, eligible);
      if (batch.length === 0) break;
      if (!mayGo(this.gate, this.ports.now())) {
        if (!(await this.paceGate()) || !live()) break;
        batch = nextBatch(this.queue.values(), size, eligible);
        if (batch.length === 0) break;
      }
      requests++;
      const stale = batch.filter((i) => i.reread);
      if (stale.length > 0) {
        await this.reread(session, stale, live);
        continue;
      }
      const items = this.pushItems(session, batch);
      if (items.length === 0) continue;
      const id = this.ports.newId();
      const attempt: PushAttempt = { id, items, createdAt: this.ports.now(), sends: 1 };
      // Durable before the first byte goes out: a crash from here on resends this very attempt.
      this.repo.putAttempt('push', attempt);
      this.push = attempt;
      await this.sendPush(session, attempt, live);
    }
    return requests;
  }

  /**
   * May the next per-item request go? When the gate is shut only by the limit's pacing (no failure)
   * and opens within PACE_WAIT_MAX_MS, waits for it in place, up to PACE_RUN_MAX_MS a run, unless
   * a hub poked meanwhile: the next run reads the new changes first.
   */
  private async paceGate(): Promise<boolean> {
    const now = this.ports.now();
    if (mayGo(this.gate, now)) return true;
    const wait = (this.gate.notBefore ?? now) - now;
    const sleep = this.ports.sleep;
    if (sleep === undefined || this.gate.failures > 0 || this.dirty.size > 0) return false;
    if (wait > PACE_WAIT_MAX_MS || this.paced + wait > PACE_RUN_MAX_MS) return false;
    this.paced += wait;
    await sleep(wait);
    const after = this.ports.now();
    // A clock that did not move (a test's fake one) never opens the gate: wait no more this run.
    if (after === now) this.paced = PACE_RUN_MAX_MS;
    return mayGo(this.gate, after);
  }

  /** Is the SKU in the push or the bulk job in flight? */
  private carries(sku: string): boolean {
    return (this.push?.items.some((i) => i.sku === sku) ?? false) || this.bulkItems.has(sku);
  }

  private countAvoided(n: number): void {
    this.totals = { ...this.totals, avoided: this.totals.avoided + n };
    this.repo.putMeta('totals', this.totals);
  }

  /** Not unmapped, and not waiting in the bulk job with the quantity it still lists. */
  private perItem(i: SyncItem): boolean {
    return (
      !this.unmapped.has(i.sku) &&
      this.bulkItems.get(i.sku) !== i.listed &&
      !this.awaiting(i.sku, this.ports.now())
    );
  }

  /** Is the SKU held back, waiting for its order's drop of the listed quantity? */
  private awaiting(sku: string, now: number): boolean {
    const until = this.awaitingDrop.get(sku);
    if (until === undefined) return false;
    if (until > now) return true;
    this.awaitingDrop.delete(sku);
    return false;
  }

  private context(session: Session, token: string | undefined) {
    return {
      settings: session.settings,
      credentials: session.credentials,
      channel: this.ports.channel,
      ...(token === undefined ? {} : { accessToken: token }),
    };
  }

  /** The token for the next request, or null after backing off and recording why there is none. */
  private async token(session: Session): Promise<{ token: string | undefined } | null> {
    const answer = await session.token();
    if (answer.ok) return { token: answer.token };
    const throttle = { notBefore: null, describe: answer.message };
    const kind = answer.retryable ? 'retry' : 'fatal';
    this.setGate(afterResponse(this.gate, throttle, kind, this.ports.now(), this.ports.random()));
    this.failed(answer, !answer.retryable);
    return null;
  }

  /** Sends an attempt's requests and records what the marketplace answered. */
  private async sendPush(session: Session, attempt: PushAttempt, live: () => boolean) {
    const { adapter } = session;
    const token = await this.token(session);
    if (token === null || !live()) return;
    const ctx = {
      ...this.context(session, token.token),
      attempt: attempt.id,
      now: attempt.createdAt,
    };
    let requests: HttpRequest[];
    try {
      requests = adapter.buildPush(attempt.items, ctx);
    } catch (e) {
      // The adapter cannot build it (a mapping it refuses): the SKUs wait for a fix.
      for (const i of attempt.items) this.unmapped.add(i.sku);
      this.failed({ code: 'adapter_error', message: text(e) }, false);
      this.endPush();
      return;
    }
    const batches = itemsPerRequest(
      attempt.items,
      requests.length,
      adapter.maxBatch(session.settings),
    );
    // Settled once the marketplace said, for every request, what became of its items; until then
    // the attempt may have landed, and goes again as it is (its keys make a landed one a replay).
    let settled = true;
    for (const [n, request] of requests.entries()) {
      const items = batches[n] ?? [];
      const res = await this.exchange(session, request, token.token);
      if (!live()) return;
      if (res === null) {
        settled = false;
        break;
      }
      const now = this.ports.now();
      const parsed = this.parsePush(session, items, res, now);
      this.applyOutcomes(session, items, parsed.items, now, null);
      if (parsed.refreshToken) session.dropToken();
      const progress = anyProgress(parsed.items);
      if (!progress) settled = false;
      const result = parsed.fatal ? 'fatal' : progress || parsed.refreshToken ? 'ok' : 'retry';
      this.setGate(afterResponse(this.gate, parsed.throttle, result, now, this.ports.random()));
      if (parsed.fatal) {
        this.failed(parsed.fatal, true);
        break;
      }
      if (progress) this.succeeded();
      else this.failed({ code: 'retry', message: retryMessage(parsed) }, false);
    }
    if (settled || attempt.sends >= MAX_SENDS) this.endPush();
    else {
      this.push = { ...attempt, sends: attempt.sends + 1 };
      this.repo.putAttempt('push', this.push);
    }
  }

  private parsePush(session: Session, items: PushItem[], res: HttpResponse, now: number) {
    try {
      return session.adapter.parsePush(items, res, now);
    } catch (e) {
      const message = `unreadable answer (${res.status}): ${text(e)}`;
      this.failed({ code: 'bad_response', message }, false);
      return {
        items: items.map((i): ItemOutcome => ({ sku: i.sku, status: 'retry', message })),
        throttle: { notBefore: null, describe: 'unreadable answer' },
      } satisfies ParsedPush;
    }
  }

  private endPush(): void {
    this.push = undefined;
    this.repo.deleteAttempt('push');
  }

  /**
   * Authorizes and sends one request; null when no answer came, after backing off the per-item
   * gate unless `ownBackoff` (a bulk step backs off itself: its timeouts must not hold back
   * urgent per-item pushes).
   */
  private async exchange(
    session: Session,
    request: HttpRequest,
    token: string | undefined,
    ownBackoff = false,
  ): Promise<HttpResponse | null> {
    const { adapter } = session;
    try {
      const ctx = { ...this.context(session, token), now: this.ports.now() };
      const authorized = adapter.authorize ? await adapter.authorize(request, ctx) : request;
      const res = await this.ports.send(authorized);
      this.requests.add(1, this.ports.now());
      return res;
    } catch (e) {
      const message = `no answer from the marketplace: ${text(e)}`;
      if (!ownBackoff) {
        this.setGate(afterNoAnswer(this.gate, message, this.ports.now(), this.ports.random()));
      }
      this.failed({ code: 'unreachable', message }, false);
      return null;
    }
  }

  /** Applies the marketplace's answers to the SKUs' state, in one synchronous block. */
  private applyOutcomes(
    session: Session,
    sent: readonly PushItem[],
    outcomes: readonly ItemOutcome[],
    now: number,
    job: BulkJob | null,
  ): void {
    const bySku = new Map(outcomes.map((o) => [o.sku, o]));
    const overridden = new Set(job?.overridden ?? []);
    const changed: SyncItem[] = [];
    let accepted = 0;
    const newlyOverridden: string[] = [];
    for (const s of sent) {
      const item = this.queue.get(s.sku) ?? this.repo.item(s.sku);
      if (item === undefined) continue;
      const outcome = bySku.get(s.sku);
      let next = applyOutcome(item, s, outcome, now);
      const sold = this.soldInFlight.get(s.sku);
      if (outcome !== undefined && outcome.status !== 'retry') this.soldInFlight.delete(s.sku);
      if (outcome?.status === 'accepted') {
        accepted++;
        if (sold !== undefined && next.pushed !== null)
          next = { ...next, pushed: next.pushed - sold };
        // The job and a per-item push both reached the marketplace: which landed last is unknown.
        if (overridden.has(s.sku)) next = { ...next, pushed: null, reread: true };
        if (job === null && this.bulkItems.has(s.sku)) newlyOverridden.push(s.sku);
      }
      if (next.reread && session.adapter.buildRead === undefined) next = { ...next, reread: false };
      if (next === item) continue;
      changed.push(next);
      this.queue.put(next);
    }
    this.repo.putItems(changed);
    if (newlyOverridden.length > 0 && this.bulk !== undefined) {
      const all = [...new Set([...this.bulk.overridden, ...newlyOverridden])];
      this.storeBulk({ ...this.bulk, overridden: all });
    }
    this.accepted.add(accepted, now);
    this.totals = countOutcomes(this.totals, sent, outcomes);
    this.repo.putMeta('totals', this.totals);
  }

  /** Reads what the marketplace holds for SKUs whose compare-and-set it refused. */
  private async reread(session: Session, stale: SyncItem[], live: () => boolean) {
    const { adapter } = session;
    const items = this.pushItems(session, stale);
    if (adapter.buildRead === undefined || adapter.parseRead === undefined) return;
    if (items.length === 0) return;
    const token = await this.token(session);
    if (token === null || !live()) return;
    let request: HttpRequest;
    try {
      request = adapter.buildRead(items, this.context(session, token.token));
    } catch (e) {
      for (const i of items) this.unmapped.add(i.sku);
      this.failed({ code: 'adapter_error', message: text(e) }, false);
      return;
    }
    const res = await this.exchange(session, request, token.token);
    if (res === null || !live()) return;
    let held = new Map<string, number>();
    try {
      held = adapter.parseRead(res);
    } catch (e) {
      this.failed({ code: 'bad_response', message: `unreadable read: ${text(e)}` }, false);
    }
    // A SKU the read did not return is pushed without a compare (null): we know of nothing there.
    const sent = new Set(items.map((i) => i.sku));
    const changed = stale
      .filter((i) => sent.has(i.sku))
      .map((i) => ({
        ...(this.queue.get(i.sku) ?? i),
        pushed: held.get(i.sku) ?? null,
        reread: false,
      }));
    for (const i of changed) this.queue.put(i);
    this.repo.putItems(changed);
  }

  // The bulk path

  private setBulk(job: BulkJob | undefined): void {
    this.bulk = job;
    this.bulkItems = new Map((job?.items ?? []).map((i) => [i.sku, i.quantity]));
  }

  private storeBulk(job: BulkJob): void {
    this.setBulk(job);
    this.repo.putAttempt('bulk', job);
  }

  private endBulk(): void {
    this.setBulk(undefined);
    this.repo.deleteAttempt('bulk');
  }

  /** SKUs a new bulk job would carry: queued, mapped, not urgent, not being re-read. */
  private bulkCandidates(): SyncItem[] {
    const now = this.ports.now();
    const inPush = new Set((this.push?.items ?? []).map((i) => i.sku));
    return [...this.queue.values()].filter(
      (i) =>
        !this.unmapped.has(i.sku) &&
        !isUrgent(i) &&
        !i.reread &&
        !inPush.has(i.sku) &&
        !this.awaiting(i.sku, now),
    );
  }

  /** Starts a job when enough SKUs wait and the quota allows, then sends its due steps. */
  private async driveBulk(session: Session, live: () => boolean, more: () => boolean) {
    const path = session.adapter.bulk;
    if (path === undefined) return 0;
    const now = this.ports.now();
    if (this.bulk !== undefined && now - this.bulk.createdAt > BULK_TIMEOUT_MS) {
      const message = `bulk job ${this.bulk.id} did not finish in 30 minutes; its SKUs are queued again`;
      this.failed({ code: 'bulk_timeout', message }, false);
      this.endBulk();
    }
    if (this.bulk === undefined && (this.bulkNotBefore === null || this.bulkNotBefore <= now)) {
      const candidates = this.bulkCandidates();
      if (candidates.length >= path.minItems) {
        const slot = bulkSlot(this.bulkStarts, path.quota, now);
        if (!slot.allowed) this.bulkNotBefore = slot.at;
        else await this.startBulk(session, candidates.sort(byRisk).slice(0, path.maxItems), live);
      }
    }
    let sent = 0;
    while (this.bulk !== undefined && more()) {
      const { notBefore } = this.bulk.step;
      if (notBefore !== null && notBefore > this.ports.now()) break;
      sent++;
      if (!(await this.stepBulk(session, live))) break;
    }
    return sent;
  }

  private async startBulk(session: Session, batch: SyncItem[], live: () => boolean) {
    const path = session.adapter.bulk;
    const items = this.pushItems(session, batch);
    if (path === undefined || items.length === 0) return;
    const token = await this.token(session);
    if (token === null || !live()) return;
    const now = this.ports.now();
    const id = this.ports.newId();
    let step: BulkStep;
    try {
      step = path.start(items, { ...this.context(session, token.token), attempt: id, now });
    } catch (e) {
      this.failed({ code: 'adapter_error', message: `bulk job: ${text(e)}` }, false);
      this.bulkNotBefore = now + 60_000;
      return;
    }
    this.bulkStarts = [...this.bulkStarts.filter((t) => t > now - 24 * 3600_000), now];
    this.repo.putMeta('bulkStarts', this.bulkStarts);
    this.afterStep(session, { id, items, createdAt: now, overridden: [] }, step);
  }

  /** Sends the job's pending step and advances it. False when the job cannot go on this run. */
  private async stepBulk(session: Session, live: () => boolean): Promise<boolean> {
    const path = session.adapter.bulk;
    const job = this.bulk;
    if (path === undefined || job === undefined) return false;
    if (job.step.refreshToken) session.dropToken();
    const token = await this.token(session);
    if (token === null || !live()) return false;
    const res = await this.exchange(session, job.step.request, token.token, true);
    if (!live()) return false;
    const now = this.ports.now();
    if (res === null) {
      this.bulkMisses++;
      const notBefore = now + backoffMs(this.bulkMisses, this.ports.random());
      this.storeBulk({ ...job, step: { ...job.step, notBefore } });
      return false;
    }
    this.bulkMisses = 0;
    let step: BulkStep;
    try {
      step = path.advance(job.step.state, res, { ...this.context(session, token.token), now });
    } catch (e) {
      step = { kind: 'failed', message: `unreadable answer: ${text(e)}`, retryable: true };
    }
    this.afterStep(session, this.bulk ?? job, step);
    return this.bulk !== undefined;
  }

  private afterStep(session: Session, job: Omit<BulkJob, 'step'>, step: BulkStep): void {
    const now = this.ports.now();
    if (step.kind === 'send') {
      this.storeBulk({ ...job, step: pendingStep(step) });
      return;
    }
    if (step.kind === 'done') {
      const done: BulkJob = { ...job, step: { state: null, request: NO_REQUEST, notBefore: null } };
      this.endBulk();
      this.applyOutcomes(session, job.items, step.items, now, done);
      this.setGate({ ...this.gate, describe: step.throttle.describe });
      this.succeeded();
      return;
    }
    this.endBulk();
    this.failed({ code: 'bulk_failed', message: step.message }, !step.retryable);
    const wait = step.retryable ? 30_000 : 10 * 60_000;
    this.bulkNotBefore = now + backoffMs(1, this.ports.random(), wait, wait);
  }

  // Health and the gate

  private setGate(g: Gate): void {
    this.gate = g;
    this.repo.putMeta('gate', g);
  }

  private failed(error: { code: string; message: string }, fatal: boolean): void {
    const now = this.ports.now();
    this.health = afterFailure(this.health, error, fatal, this.gate.failures, now);
    this.repo.putMeta('health', this.health);
  }

  private succeeded(): void {
    const next = afterSuccess(this.health);
    if (next === this.health) return;
    this.health = next;
    this.repo.putMeta('health', next);
  }

  // Acknowledging the hubs

  private async ackAll(): Promise<void> {
    const oldest = new Map<number, number>();
    let oldestChangedAt: number | null = null;
    for (const i of this.queue.values()) {
      if (this.unmapped.has(i.sku)) continue;
      oldest.set(i.shard, Math.min(oldest.get(i.shard) ?? Number.POSITIVE_INFINITY, i.cursor));
      oldestChangedAt = earliest(oldestChangedAt, i.changedAt);
    }
    // The figures GET /v1/channels/{code}/sync shows, for the hubs' lag messages.
    const report: SyncLagReport = { queueDepth: this.queue.size, oldestChangedAt };
    for (const c of [...this.cursors.values()]) {
      const target = ackable(c, oldest.get(c.shard));
      const told = this.acked.get(c.shard);
      const same =
        told !== undefined &&
        told.queueDepth === report.queueDepth &&
        told.oldestChangedAt === report.oldestChangedAt;
      if (target === c.acked && same) continue;
      try {
        await this.ports.ack(c.shard, target, report);
      } catch (e) {
        console.warn(`channel ${this.ports.channel}: acknowledging hub ${c.shard} failed`, e);
        this.ackFailed = true;
        continue;
      }
      this.acked.set(c.shard, report);
      const current = this.cursors.get(c.shard);
      if (current === undefined) continue;
      const next = { ...current, acked: Math.max(current.acked, target) };
      this.cursors.set(c.shard, next);
      this.repo.putCursor(next);
    }
  }

  // When to run again

  private wake(session: Session, paused: boolean): number | null {
    const now = this.ports.now();
    let at: number | null = this.dirty.size > 0 ? now : null;
    if (this.ackFailed) {
      this.ackFailed = false;
      at = earliest(at, now + 2_000);
    }
    if (paused) return at;
    const gateAt = Math.max(now, this.gate.notBefore ?? now);
    if (this.push !== undefined) at = earliest(at, gateAt);
    else {
      for (const i of this.queue.values()) {
        if (!this.perItem(i)) continue;
        at = earliest(at, gateAt);
        break;
      }
    }
    for (const until of this.awaitingDrop.values()) at = earliest(at, Math.max(gateAt, until));
    const path = session.adapter.bulk;
    // No bulk step or start goes while a sell-out waits for the per-item gate (pushAll): until it
    // opens, a run would do nothing and ask for another at once, and the alarm would spin.
    const sellOut = (i: SyncItem) => this.perItem(i) && riskOf(i) === 'sell-out';
    const bulkAt = (t: number) =>
      nextBatch(this.queue.values(), 1, sellOut).length > 0 ? Math.max(t, gateAt) : t;
    if (this.bulk !== undefined) {
      at = earliest(at, bulkAt(Math.max(now, this.bulk.step.notBefore ?? now)));
    } else if (path !== undefined && this.bulkNotBefore !== null) {
      if (this.bulkCandidates().length >= path.minItems) {
        at = earliest(at, bulkAt(Math.max(now, this.bulkNotBefore)));
      }
    }
    // Adapters compute times from rates (fractions of a millisecond); an alarm needs a whole one.
    return at === null ? null : Math.ceil(at);
  }
}

const NO_REQUEST: HttpRequest = { method: 'GET', url: 'about:blank', headers: {} };

const retryMessage = (parsed: ParsedPush): string => {
  const first = parsed.items.find((o) => o.status === 'retry');
  return first?.status === 'retry' ? first.message : parsed.throttle.describe;
};

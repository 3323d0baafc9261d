import { and, asc, count, eq, gt, inArray, lt, max, notInArray } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { SignalEvent } from '../../protocol/webhooks';
import type { Jobs } from './jobs';
import * as t from './schema';

// The ads relay (docs/signals.md): every ads connection is handed the stock signals of the
// signal log from its own cursor, so one that refuses retries alone (backoff) while the others
// and the webhooks go on. The cursor moves only once the connection accepted, and each
// connection takes a signal once by its id, so a resend after a crash is harmless.

type Db = DrizzleSqliteDODatabase<typeof t>;

/** The signal types an ad acts on; the others never leave the log for ads. */
export const RELAY_TYPES = ['out', 'back_in_stock', 'low'];
/** Signals one request to a connection carries. */
export const RELAY_BATCH = 200;
/** Batches a connection gets in one run before the others' turn comes again. */
const BATCHES_PER_RUN = 10;
/** A new connection gets the signals logged from this long before its creation (clocks differ). */
export const CREATED_SKEW_MS = 60_000;
/** A connection that does not answer in this long counts as refusing. */
const SEND_TIMEOUT_MS = 15_000;
/** The job row that says when the relay is next due. */
export const RELAY_JOB = 'ads-relay';

export type AdsTarget = { name: string; createdAt: number };
export type RelayPorts = {
  /** Every ads connection that exists now (D1's registry). */
  connections: () => Promise<AdsTarget[]>;
  send: (name: string, events: SignalEvent[]) => Promise<void>;
  now: () => number;
};
export type RelayRow = typeof t.adsRelay.$inferSelect;

/** How far one connection's cursor is behind the log, and whether it refuses (its status). */
export type RelayLag = {
  /** Stock signals of the log the connection has not accepted yet. */
  behind: number;
  /** When the oldest of them was logged (ms), null when none. */
  oldestAt: number | null;
  failures: number;
  notBefore: number | null;
  lastError: string | null;
};

/** Retry delay after `failures` refusals in a row: 0.5 s doubling to 60 s. */
export const relayBackoffMs = (failures: number): number =>
  Math.min(60_000, 500 * 2 ** Math.max(0, failures - 1));

export class AdsRelay {
  constructor(
    private readonly db: Db,
    private readonly jobs: Jobs,
    private readonly ports: RelayPorts,
  ) {}

  /** Signals were logged: the relay runs at `at` unless due sooner. */
  wake(at: number): void {
    this.jobs.wake(RELAY_JOB, at);
  }

  /** Whether the relay is due at `now`; if so it is leased until `until` (a crash redoes it then). */
  take(now: number, until: number): boolean {
    const due = this.jobs.dueAt(RELAY_JOB);
    if (due === null || due > now) return false;
    this.jobs.save(RELAY_JOB, until, {});
    return true;
  }

  /** Hands every connection due what it has not accepted yet; sets when the relay is next due. */
  async run(): Promise<void> {
    let targets: AdsTarget[];
    try {
      targets = await this.ports.connections();
    } catch (error) {
      console.warn('ads relay: cannot list the ads connections, retry in 5 s', error);
      this.jobs.save(RELAY_JOB, this.ports.now() + 5_000, {});
      return;
    }
    this.sync(targets);
    const now = this.ports.now();
    const due = this.rows().filter((r) => r.notBefore === null || r.notBefore <= now);
    await Promise.all(due.map((r) => this.drain(r)));
    this.jobs.save(RELAY_JOB, this.nextDue(), {});
  }

  /** Each connection's cursor and how it stands (tests, status). */
  rows(): RelayRow[] {
    return this.db.select().from(t.adsRelay).orderBy(asc(t.adsRelay.name)).all();
  }

  /**
   * How far `name` is behind. A connection the relay has not taken up yet (no signal since it
   * was created) counts from where its cursor will start, given its creation time; null when
   * neither is known.
   */
  lag(name: string, createdAt: number | undefined): RelayLag | null {
    const row = this.db.select().from(t.adsRelay).where(eq(t.adsRelay.name, name)).get();
    if (row === undefined && createdAt === undefined) return null;
    const after = row?.after ?? this.startOf(createdAt ?? 0);
    const pending = and(gt(t.signals.n, after), inArray(t.signals.type, RELAY_TYPES));
    const [behind] = this.db.select({ n: count() }).from(t.signals).where(pending).all();
    const [oldest] = this.db
      .select({ at: t.signals.recordedAt })
      .from(t.signals)
      .where(pending)
      .orderBy(asc(t.signals.n))
      .limit(1)
      .all();
    return {
      behind: behind?.n ?? 0,
      oldestAt: oldest?.at ?? null,
      failures: row?.failures ?? 0,
      notBefore: row?.notBefore ?? null,
      lastError: row?.lastError ?? null,
    };
  }

  /** Where a connection created at `createdAt` starts: the log's last signal from before it. */
  private startOf(createdAt: number): number {
    const [before] = this.db
      .select({ n: max(t.signals.n) })
      .from(t.signals)
      .where(lt(t.signals.recordedAt, createdAt - CREATED_SKEW_MS))
      .all();
    return before?.n ?? 0;
  }

  /** Cursors for new connections (from their creation), none for deleted ones. */
  private sync(targets: readonly AdsTarget[]): void {
    const names = targets.map((c) => c.name);
    this.db
      .delete(t.adsRelay)
      .where(names.length === 0 ? undefined : notInArray(t.adsRelay.name, names))
      .run();
    const known = new Map(this.rows().map((r) => [r.name, r]));
    for (const c of targets) {
      if (known.get(c.name)?.createdAt === c.createdAt) continue;
      const row = {
        name: c.name,
        createdAt: c.createdAt,
        after: this.startOf(c.createdAt),
        failures: 0,
        notBefore: null,
        lastError: null,
      };
      const { name: _, ...set } = row;
      this.db
        .insert(t.adsRelay)
        .values(row)
        .onConflictDoUpdate({ target: t.adsRelay.name, set })
        .run();
    }
  }

  /** Sends one connection its batches until it is caught up, refuses, or has had its turn. */
  private async drain(row: RelayRow): Promise<void> {
    let after = row.after;
    for (let i = 0; i < BATCHES_PER_RUN; i++) {
      const batch = this.after(after, RELAY_BATCH);
      const last = batch.at(-1);
      if (last === undefined) break;
      try {
        await withTimeout(
          this.ports.send(
            row.name,
            batch.map((b) => b.event),
          ),
          SEND_TIMEOUT_MS,
        );
      } catch (error) {
        const failures = row.failures + 1;
        const delay = relayBackoffMs(failures);
        const message = error instanceof Error ? error.message : String(error);
        console.warn(
          `ads relay: ${row.name} refused ${batch.length} signal(s) (${failures}x), retry in ${delay} ms: ${message}`,
        );
        this.update(row.name, {
          failures,
          notBefore: this.ports.now() + delay,
          lastError: message.slice(0, 300),
        });
        return;
      }
      after = last.n;
      this.update(row.name, { after, failures: 0, notBefore: null, lastError: null });
      row = { ...row, failures: 0 };
      if (batch.length < RELAY_BATCH) break;
    }
  }

  /** Relay signals logged after `n`, oldest first. */
  private after(n: number, limit: number): { n: number; event: SignalEvent }[] {
    return this.db
      .select({ n: t.signals.n, event: t.signals.event })
      .from(t.signals)
      .where(and(gt(t.signals.n, n), inArray(t.signals.type, RELAY_TYPES)))
      .orderBy(asc(t.signals.n))
      .limit(limit)
      .all()
      .map((r) => ({ n: r.n, event: SignalEvent.parse(JSON.parse(r.event)) }));
  }

  /** Now if a connection may be sent more now, the earliest retry of a refusing one, or null. */
  private nextDue(): number | null {
    let next: number | null = null;
    for (const r of this.rows()) {
      if (this.after(r.after, 1).length === 0) continue;
      const at = r.notBefore ?? this.ports.now();
      if (next === null || at < next) next = at;
    }
    return next;
  }

  private update(name: string, set: Partial<RelayRow>): void {
    this.db.update(t.adsRelay).set(set).where(eq(t.adsRelay.name, name)).run();
  }
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
};

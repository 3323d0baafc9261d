import type { StockEvent } from '../../protocol/stock';
import { Backoff } from './timers';

/** Most events one flush sends to D1. */
export const LEDGER_BATCH = 200;
/** Events the object keeps for its own reads after D1 has them. */
export const RETAINED_EVENTS = 1000;

/** What a flush needs of the object: its outbox, the ledger, and where it keeps its cursor. */
export type LedgerFlushPorts = {
  /** Up to `limit` events after `seq`, oldest first. */
  eventsAfter(seq: number, limit: number): readonly StockEvent[];
  /** Writes events to the ledger; writing the same ones twice changes nothing. */
  write(events: readonly StockEvent[]): Promise<void>;
  saveCursor(seq: number): void;
  /** Forgets kept events up to `seq`. */
  pruneThrough(seq: number): void;
  /** Time (ms) of the first kept event after `seq`, or null. */
  eventTimeAfter(seq: number): number | null;
};

export type FlushResult =
  | { status: 'idle' }
  | { status: 'written'; through: number }
  | { status: 'failed'; failures: number; retryInMs: number; error: unknown };

/**
 * The ledger side of a SkuStock: sends its outbox to D1 a batch at a time and remembers how far
 * D1 has it. Events stay in the object until written, so a D1 outage only delays the ledger;
 * a failed write backs off (0.5 s doubling to 60 s) and changes nothing here.
 */
export class LedgerFlusher {
  private readonly backoff: Backoff;

  constructor(
    private readonly ports: LedgerFlushPorts,
    /** Events up to this seq are in the D1 ledger. */
    public flushedSeq: number,
    random: () => number = Math.random,
  ) {
    this.backoff = new Backoff(random);
  }

  /** Sends the next batch after `flushedSeq`; on success moves the cursor and prunes. */
  async flush(): Promise<FlushResult> {
    const batch = this.ports.eventsAfter(this.flushedSeq, LEDGER_BATCH);
    const last = batch.at(-1);
    if (!last) return { status: 'idle' };
    try {
      await this.ports.write(batch);
    } catch (error) {
      const retryInMs = this.backoff.fail();
      return { status: 'failed', failures: this.backoff.failures, retryInMs, error };
    }
    this.backoff.succeed();
    this.flushedSeq = Math.max(this.flushedSeq, last.seq);
    this.ports.saveCursor(this.flushedSeq);
    this.ports.pruneThrough(this.flushedSeq - RETAINED_EVENTS);
    return { status: 'written', through: this.flushedSeq };
  }

  /** Whether some event up to `seq` is not in the ledger yet. */
  behind(seq: number): boolean {
    return this.flushedSeq < seq;
  }

  /** Ledger lag as this object sees it: events not yet in D1, and the oldest one's time. */
  lag(): { flushedSeq: number; oldestUnflushedAt: string | null } {
    const oldest = this.ports.eventTimeAfter(this.flushedSeq);
    return {
      flushedSeq: this.flushedSeq,
      oldestUnflushedAt: oldest === null ? null : new Date(oldest).toISOString(),
    };
  }
}

import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { ChannelThresholdsInput } from '../../protocol/thresholds';
import { SignalEvent } from '../../protocol/webhooks';
import { listedQuantity } from './listed';

// Channel-level stock signals (docs/signals.md): a channel's listed quantity of a SKU reaching 0
// raises `out`; reaching the channel's back-in-stock threshold again raises `back_in_stock`.
// Judged where listed quantities are known (the hub, as each row is stored) and written to an
// outbox in the hub's key-value storage with the row, so a restart loses none.

/**
 * A channel's rules, its back-in-stock threshold (listed units; 1 by default) and the units
 * degraded channels still show of the SKU, which its listing leaves out (stream-hub/listed.ts).
 */
export type ChannelJudge = { rules: ListingRules; backInStock: number; exposed?: number };

/** What one SKU row's change raises on each channel, and the out-marks to set (true) or clear. */
export type ChannelVerdict = { events: SignalEvent[]; marks: [string, boolean][] };

/**
 * Judges one SKU's new row against its previous on each channel. A channel is out while a mark
 * says so; without a mark, the previous row's listed quantity says where it stood (a first row,
 * or one without any of the channel's locations, raises nothing). Out at 0; back only at `backInStock` listed units (hysteresis).
 */
export const judgeChannels = (input: {
  sku: string;
  seq: number;
  at: string;
  locations: readonly LocationStock[];
  previous: readonly LocationStock[] | undefined;
  channels: readonly ChannelJudge[];
  isMarkedOut: (channel: string) => boolean;
}): ChannelVerdict => {
  const events: SignalEvent[] = [];
  const marks: [string, boolean][] = [];
  for (const { rules, backInStock, exposed = 0 } of input.channels) {
    const channel = rules.code;
    const listed = listedQuantity(rules, input.locations, exposed).quantity;
    const marked = input.isMarkedOut(channel);
    // A channel whose locations never held the SKU takes its first quantity silently.
    const seen = input.previous?.some((l) => rules.locations.includes(l.location)) ?? false;
    if (!marked && !seen) {
      if (listed === 0) marks.push([channel, true]);
      continue;
    }
    const wasOut =
      marked ||
      (input.previous !== undefined &&
        listedQuantity(rules, input.previous, exposed).quantity === 0);
    const base = { at: input.at, sku: input.sku, channel };
    if (!wasOut && listed === 0) {
      marks.push([channel, true]);
      events.push({
        ...base,
        id: `${input.sku}:${channel}:out:${input.seq}`,
        type: 'out',
        data: { listed, threshold: 0, rule: `listed ${listed} ≤ 0`, seq: input.seq },
      });
    } else if (wasOut && listed >= backInStock) {
      if (marked) marks.push([channel, false]);
      events.push({
        ...base,
        id: `${input.sku}:${channel}:back_in_stock:${input.seq}`,
        type: 'back_in_stock',
        data: {
          listed,
          threshold: backInStock,
          rule: `listed ${listed} ≥ ${backInStock}`,
          seq: input.seq,
        },
      });
    } else if (wasOut && !marked) {
      marks.push([channel, true]);
    }
  }
  return { events, marks };
};

/** The synchronous key-value storage of a SQLite-backed object. */
export type Kv = Pick<SyncKvStorage, 'get' | 'put' | 'delete' | 'list'>;

const THRESHOLD = 'stockmesh:signal-threshold:';
const OUT = 'stockmesh:signal-out:';
const OUTBOX = 'stockmesh:signal-outbox:';
/** Most signals one publish sends. */
const BATCH = 100;

/** A hub's channel thresholds, out-marks and signal outbox, in its key-value storage. */
export class ChannelSignals {
  private n: number;

  constructor(private readonly kv: Kv) {
    // Outbox keys are ordered by a counter that survives restarts.
    const last = [...kv.list({ prefix: OUTBOX, reverse: true, limit: 1 })][0]?.[0];
    this.n = last === undefined ? 0 : Number(last.slice(OUTBOX.length));
  }

  setThresholds(channel: string, input: unknown): void {
    this.kv.put(THRESHOLD + channel, ChannelThresholdsInput.parse(input));
  }

  backInStock(channel: string): number {
    const stored = ChannelThresholdsInput.safeParse(this.kv.get(THRESHOLD + channel));
    return (stored.success ? stored.data.backInStock : undefined) ?? 1;
  }

  /** Judges a stored row on every channel with rules and writes what it raised. */
  record(
    row: { sku: string; seq: number; at: string; locations: readonly LocationStock[] },
    previous: readonly LocationStock[] | undefined,
    rules: readonly ListingRules[],
    exposedOf: (channel: string) => number = () => 0,
  ): number {
    const key = (channel: string) => `${OUT}${channel}:${row.sku}`;
    const { events, marks } = judgeChannels({
      ...row,
      previous,
      channels: rules.map((r) => ({
        rules: r,
        backInStock: this.backInStock(r.code),
        exposed: exposedOf(r.code),
      })),
      isMarkedOut: (channel) => this.kv.get(key(channel)) !== undefined,
    });
    for (const [channel, out] of marks) {
      if (out) this.kv.put(key(channel), 1);
      else this.kv.delete(key(channel));
    }
    for (const e of events) this.kv.put(`${OUTBOX}${String(++this.n).padStart(12, '0')}`, e);
    return events.length;
  }

  /** The oldest waiting signals with their keys. */
  pending(): [string, SignalEvent][] {
    return [...this.kv.list({ prefix: OUTBOX, limit: BATCH })].flatMap(([k, v]) => {
      const e = SignalEvent.safeParse(v);
      if (!e.success) {
        this.kv.delete(k);
        return [];
      }
      return [[k, e.data] as [string, SignalEvent]];
    });
  }

  remove(keys: readonly string[]): void {
    for (const k of keys) this.kv.delete(k);
  }

  hasPending(): boolean {
    return [...this.kv.list({ prefix: OUTBOX, limit: 1 })].length > 0;
  }
}

/** Retry delay after `failures` failed publishes: 1 s doubling to 60 s. */
export const retryDelayMs = (failures: number): number =>
  Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6));

/**
 * Sends the oldest batch of the outbox and forgets it once accepted. Answers `more` when signals
 * still wait, `done`, or the error (the batch stays for a retry).
 */
export const publishChannelSignals = async (
  signals: ChannelSignals,
  sink: (events: SignalEvent[]) => Promise<void>,
): Promise<'done' | 'more' | { error: unknown }> => {
  const batch = signals.pending();
  if (batch.length > 0) {
    try {
      await sink(batch.map(([, e]) => e));
    } catch (error) {
      return { error };
    }
    signals.remove(batch.map(([k]) => k));
  }
  return signals.hasPending() ? 'more' : 'done';
};

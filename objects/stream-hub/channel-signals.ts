import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { ChannelThresholdsInput } from '../../protocol/thresholds';
import { SignalEvent } from '../../protocol/webhooks';
import {
  DEFAULT_THRESHOLDS,
  nextLevel,
  type Reading,
  type StockLevel,
  type Thresholds,
} from '../signals/threshold';
import { listedQuantity } from './listed';

// Channel-level stock signals (docs/signals.md): a channel's listed quantity of a SKU reaching 0
// raises `out`; reaching the channel's back-in-stock threshold again raises `back_in_stock`; its
// cover (listed units over the summed demand rate of the channel's locations) falling under the
// channel's `lowCoverDays` raises `low`, with the hysteresis of SKU × location signals. Judged
// where listed quantities are known (the hub: as each row is stored, and when a rules change or
// degraded channels' exposure moves a listing) and written to an outbox in the hub's key-value
// storage with the change, so a restart loses none.

/**
 * A channel's rules, thresholds and the units degraded channels still show of the SKU, which its
 * listing leaves out (stream-hub/listed.ts); `rulesBefore` and `exposedBefore` are what the
 * previous reading was listed under when they changed (a rules change, exposure moving).
 */
export type ChannelJudge = {
  rules: ListingRules;
  thresholds: Thresholds;
  exposed?: number;
  rulesBefore?: ListingRules;
  exposedBefore?: number;
};

/** What one SKU row's change raises on each channel, and the levels to store (null: ok). */
export type ChannelVerdict = { events: SignalEvent[]; marks: [string, StockLevel | null][] };

/** A channel's listed units of a SKU, the summed demand rate of its locations and the cover. */
export const channelReading = (
  rules: ListingRules,
  locations: readonly LocationStock[],
  exposed: number,
): Reading & { ratePerDay: number } => {
  const available = listedQuantity(rules, locations, exposed).quantity;
  let rate = 0;
  for (const l of locations) {
    if (rules.locations.includes(l.location)) rate += l.demand?.ratePerDay ?? 0;
  }
  const ratePerDay = Math.round(rate * 1000) / 1000;
  const coverDays = rate > 0 ? Math.round((available / rate) * 100) / 100 : null;
  return { available, coverDays, ratePerDay };
};

/**
 * Judges one SKU's new row against its previous on each channel. A channel's level is the one
 * stored for it; without one, the previous row's reading says where it stood (a first row, or
 * one without any of the channel's locations, sets the level silently). Out at 0; back only at
 * `backInStock` listed units; low under `lowCoverDays` of cover, ok again only clear of it by
 * `band` (objects/signals/threshold.ts), so a wavering quantity raises one signal per crossing.
 * `tag` is appended to the ids of signals a change of rules or exposure raises, so they never
 * take the id of one the same seq raised before.
 */
export const judgeChannels = (input: {
  sku: string;
  seq: number;
  at: string;
  locations: readonly LocationStock[];
  previous: readonly LocationStock[] | undefined;
  channels: readonly ChannelJudge[];
  levelOf: (channel: string) => StockLevel | undefined;
  tag?: string;
}): ChannelVerdict => {
  const events: SignalEvent[] = [];
  const marks: [string, StockLevel | null][] = [];
  for (const judge of input.channels) {
    const { rules, thresholds: t, exposed = 0 } = judge;
    const channel = rules.code;
    const before = judge.rulesBefore ?? rules;
    const now = channelReading(rules, input.locations, exposed);
    const stored = input.levelOf(channel);
    const seen = input.previous?.some((l) => before.locations.includes(l.location)) ?? false;
    let level = stored;
    if (level === undefined && seen && input.previous !== undefined) {
      const then = channelReading(before, input.previous, judge.exposedBefore ?? exposed);
      level = nextLevel('ok', then, t).level;
    }
    // A channel whose locations never held the SKU takes its first reading silently.
    const next =
      level === undefined
        ? { level: nextLevel('ok', now, t).level, signal: null }
        : nextLevel(level, now, t);
    if (next.level !== (stored ?? 'ok'))
      marks.push([channel, next.level === 'ok' ? null : next.level]);
    if (next.signal === null) continue;
    const base = { at: input.at, sku: input.sku, channel };
    const id = `${input.sku}:${channel}:${next.signal}:${input.seq}${input.tag ?? ''}`;
    const listed = now.available;
    const data: Record<string, number | string | null> =
      next.signal === 'out'
        ? { listed, threshold: 0, rule: `listed ${listed} ≤ 0` }
        : next.signal === 'back_in_stock'
          ? { listed, threshold: t.backInStock, rule: `listed ${listed} ≥ ${t.backInStock}` }
          : {
              listed,
              coverDays: now.coverDays,
              ratePerDay: now.ratePerDay,
              threshold: t.lowCoverDays,
              rule: `coverDays ${now.coverDays} < ${t.lowCoverDays}`,
            };
    events.push({ ...base, id, type: next.signal, data: { ...data, seq: input.seq } });
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

  /** A channel's thresholds: its overrides over the defaults (no reorder point on a channel). */
  thresholds(channel: string): Thresholds {
    const stored = ChannelThresholdsInput.safeParse(this.kv.get(THRESHOLD + channel));
    const own = stored.success ? stored.data : {};
    return { ...DEFAULT_THRESHOLDS, ...own, reorderPoint: null };
  }

  /**
   * Judges a stored row on the given channels and writes what it raised. `previous` is the row
   * before (the same locations when rules or exposure moved, with `tag` for the ids).
   */
  record(
    row: { sku: string; seq: number; at: string; locations: readonly LocationStock[] },
    previous: readonly LocationStock[] | undefined,
    channels: readonly Omit<ChannelJudge, 'thresholds'>[],
    tag = '',
  ): number {
    // Out was stored as 1 before levels had names: it still reads as out.
    const key = (channel: string) => `${OUT}${channel}:${row.sku}`;
    const levelOf = (channel: string): StockLevel | undefined => {
      const v = this.kv.get(key(channel));
      return v === undefined ? undefined : v === 'low' ? 'low' : 'out';
    };
    const { events, marks } = judgeChannels({
      ...row,
      previous,
      channels: channels.map((c) => ({ ...c, thresholds: this.thresholds(c.rules.code) })),
      levelOf,
      tag,
    });
    for (const [channel, level] of marks) {
      if (level === null) this.kv.delete(key(channel));
      else this.kv.put(key(channel), level === 'out' ? 1 : level);
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

import type { SkuUpdate } from '../../protocol/sku-update';
import type { ListingRules } from '../../protocol/stream';
import { ChannelSignals, type Kv } from './channel-signals';
import {
  type ExposureEntries,
  Exposures,
  exposedFrom,
  type SkuExposure,
  sharesLocation,
} from './exposure';
import type { RulesVersions } from './rules';
import { type AlarmStorage, SignalAlarm } from './signal-alarm';
import type { HubRow } from './view';

// What moves a channel's listed quantity of a SKU besides its stock, and the channel signals any
// move raises (docs/signals.md, docs/connectors.md "Degraded channels"): degraded channels'
// exposure (shared locations only) and rules changes. A hub's rows, cursors and fan-out stay with
// the hub; this keeps the exposure map, the signal levels and outbox, and the alarm publishing it.

/** Rows read at a time when a rules change re-judges a channel's signals over the shard. */
const RULES_SCAN_ROWS = 1000;

/** What the listings need of their hub. */
export type ListingPorts = {
  kv: Kv;
  storage: AlarmStorage;
  label: () => string;
  rules: () => RulesVersions;
  row: (sku: string) => HubRow | undefined;
  rowsAfter: (cursor: number, limit: number) => HubRow[];
  owns: (sku: string) => boolean;
  /** Gives a SKU's row the next cursor; answers it. */
  restamp: (sku: string, now: number) => number;
  /**
   * A row to send live subscribers: its state before, and the SKU's exposure they saw (or, after
   * a relocation, the units it took off each channel whose listing moved).
   */
  changed: (
    row: HubRow,
    previous: HubRow,
    exposure: SkuExposure | undefined,
    exposedBefore?: Record<string, number>,
  ) => void;
  /** Wakes a channel's ChannelSync to read the hub again. */
  poke: (channel: string) => void;
};

/** A degraded channel's locations before a change of its rules. */
type Relocation = { code: string; before: readonly string[] };

export class HubListings {
  private readonly exposures: Exposures;
  readonly signals: ChannelSignals;
  readonly alarm: SignalAlarm;

  constructor(private readonly hub: ListingPorts) {
    this.exposures = new Exposures(hub.kv);
    this.signals = new ChannelSignals(hub.kv);
    this.alarm = new SignalAlarm(hub.storage, this.signals, hub.label);
  }

  /**
   * Units degraded channels sharing a location with `channel` expose of the SKU, now or as
   * `exposure` had them; a channel whose rules the hub lacks counts as sharing.
   */
  exposedOf(sku: string, channel: string, exposure?: SkuExposure, moved?: Relocation): number {
    const locations = (code: string) =>
      moved?.code === code ? moved.before : this.hub.rules().now(code)?.rules.locations;
    return exposedFrom(exposure ?? this.exposures.ofSku(sku), channel, (degraded, ch) =>
      sharesLocation(locations(degraded), locations(ch)),
    );
  }

  /** A SKU's new row was stored: judge it on every channel. */
  stored(u: SkuUpdate, previous: HubRow | undefined): void {
    const channels = this.hub
      .rules()
      .current()
      .map((r) => ({ rules: r, exposed: this.exposedOf(u.sku, r.code) }));
    this.alarm.raised(this.signals.record(u, previous?.locations, channels));
  }

  /**
   * Sets (null: clears) a degraded channel's exposure on this shard. Each SKU it moves gets a new
   * cursor (so other channels' syncs read it again), goes to live subscribers with the exposure
   * they saw, and raises the signals of the listings it ends or restores. Answers how many.
   */
  expose(code: string, entries: ExposureEntries | null): number {
    const skus = new Set([...Object.keys(entries ?? {}), ...this.exposures.skusOf(code)]);
    const before = new Map([...skus].map((sku) => [sku, this.exposures.ofSku(sku)]));
    let restamped = 0;
    for (const sku of this.exposures.put(code, entries)) {
      const row = this.hub.row(sku);
      if (row === undefined) continue;
      const now = Date.now();
      const cursor = this.hub.restamp(sku, now);
      restamped++;
      const exposure = before.get(sku) ?? {};
      const channels = this.hub
        .rules()
        .current()
        .flatMap((rules) => {
          const exposed = this.exposedOf(sku, rules.code);
          const exposedBefore = this.exposedOf(sku, rules.code, exposure);
          return exposed === exposedBefore ? [] : [{ rules, exposed, exposedBefore }];
        });
      const stamped = { ...row, cursor, at: new Date(now).toISOString() };
      this.alarm.raised(this.signals.record(stamped, row.locations, channels, `@${cursor}`));
      this.hub.changed(stamped, row, exposure);
    }
    return this.pokeOthers(code, restamped);
  }

  /**
   * A degraded channel's locations changed from `before`: the channels it shares a location with
   * are no longer the same, so each SKU it exposes here whose listing that moves on another
   * channel gets a new cursor (their syncs read it again), goes to those channels' live
   * subscribers, and raises the signals of the listings it ends or restores, as `expose` does.
   * Answers how many SKUs moved.
   */
  relocated(code: string, before: readonly string[]): number {
    const moved: Relocation = { code, before };
    let restamped = 0;
    for (const sku of this.exposures.skusOf(code)) {
      const row = this.hub.row(sku);
      if (row === undefined) continue;
      const channels = this.hub
        .rules()
        .current()
        .flatMap((rules) => {
          if (rules.code === code) return [];
          const exposed = this.exposedOf(sku, rules.code);
          const exposedBefore = this.exposedOf(sku, rules.code, undefined, moved);
          return exposed === exposedBefore ? [] : [{ rules, exposed, exposedBefore }];
        });
      if (channels.length === 0) continue;
      const now = Date.now();
      const cursor = this.hub.restamp(sku, now);
      restamped++;
      const stamped = { ...row, cursor, at: new Date(now).toISOString() };
      this.alarm.raised(this.signals.record(stamped, row.locations, channels, `@${cursor}`));
      const seen = Object.fromEntries(channels.map((c) => [c.rules.code, c.exposedBefore]));
      this.hub.changed(stamped, row, undefined, seen);
    }
    return this.pokeOthers(code, restamped);
  }

  /** After rows got new cursors for `code`'s exposure, every other channel's sync reads again. */
  private pokeOthers(code: string, restamped: number): number {
    if (restamped === 0) return 0;
    for (const other of this.hub.rules().channels()) if (other !== code) this.hub.poke(other);
    return restamped;
  }

  /** A channel's rules changed at `fromCursor`: judge every row of the shard under both. */
  rulesChanged(rules: ListingRules, before: ListingRules, fromCursor: number): void {
    const tag = `@${fromCursor}`;
    let batch: HubRow[] = [];
    let after = 0;
    do {
      batch = this.hub.rowsAfter(after, RULES_SCAN_ROWS);
      for (const row of batch) {
        if (!this.hub.owns(row.sku)) continue;
        const exposed = this.exposedOf(row.sku, rules.code);
        const judge = { rules, rulesBefore: before, exposed };
        this.alarm.raised(this.signals.record(row, row.locations, [judge], tag));
      }
      after = batch.at(-1)?.cursor ?? after;
    } while (batch.length === RULES_SCAN_ROWS);
  }
}

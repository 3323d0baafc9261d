import { z } from 'zod';
import { SkuCode } from '../../protocol/catalog';

// Units that degraded channels' marketplaces may still sell (docs/connectors.md, "Degraded
// channels"): per degraded channel, the quantity it last pushed of each SKU on this shard. Every
// other channel lists that much less. Sent by the degraded channel's ChannelSync when it degrades
// and cleared when it recovers, so the hub reads nothing per row but a map lookup. Kept in the
// hub's key-value storage (one key): a hub woken after hibernation still has it.

/** One channel's exposure on one shard: SKU → units its marketplace still shows. */
export const ExposureEntries = z.record(SkuCode, z.number().int().min(0));
export type ExposureEntries = z.infer<typeof ExposureEntries>;

const Stored = z.record(z.string(), ExposureEntries);
const KEY = 'stockmesh:exposure';

export type ExposureStorage = { get(key: string): unknown; put(key: string, value: unknown): void };

/** One SKU's exposure: degraded channel → units of the SKU its marketplace still shows. */
export type SkuExposure = Record<string, number>;

/** May a degraded channel's marketplace sell units `channel` lists (do they share a location)? */
export type Shares = (degraded: string, channel: string) => boolean;

/**
 * Units of a SKU other degraded channels expose, for `channel`'s listing: only channels that
 * share a location with it count (docs/connectors.md, "Degraded channels").
 */
export const exposedFrom = (exposure: SkuExposure, channel: string, shares: Shares): number => {
  let total = 0;
  for (const [code, units] of Object.entries(exposure)) {
    if (code !== channel && shares(code, channel)) total += units;
  }
  return total;
};

/** Two channels share a location; a channel whose locations are unknown is taken to share. */
export const sharesLocation = (
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): boolean => a === undefined || b === undefined || a.some((l) => b.includes(l));

export class Exposures {
  private byChannel: Record<string, ExposureEntries> | undefined;

  constructor(private readonly kv: ExposureStorage) {}

  private all(): Record<string, ExposureEntries> {
    if (this.byChannel === undefined) {
      const stored = Stored.safeParse(this.kv.get(KEY) ?? {});
      this.byChannel = stored.success ? stored.data : {};
    }
    return this.byChannel;
  }

  /** Sets (or with null clears) a channel's exposure; answers the SKUs whose exposure moved. */
  put(channel: string, entries: ExposureEntries | null): string[] {
    const all = { ...this.all() };
    const before = all[channel] ?? {};
    if (entries === null) delete all[channel];
    else all[channel] = entries;
    this.byChannel = all;
    this.kv.put(KEY, all);
    const after = entries ?? {};
    const skus = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...skus].filter((s) => before[s] !== after[s]);
  }

  /** The SKU's units per degraded channel. */
  ofSku(sku: string): SkuExposure {
    const out: SkuExposure = {};
    for (const [code, entries] of Object.entries(this.all())) {
      const units = entries[sku];
      if (units !== undefined) out[code] = units;
    }
    return out;
  }

  /** Units of the SKU the other channels' degraded marketplaces expose, for `channel`'s listing. */
  of(sku: string, channel: string, shares: Shares = () => true): number {
    return exposedFrom(this.ofSku(sku), channel, shares);
  }

  /** The SKUs a channel exposes on this shard. */
  skusOf(channel: string): string[] {
    return Object.keys(this.all()[channel] ?? {});
  }

  /** Channels whose exposure this hub holds. */
  channels(): string[] {
    return Object.keys(this.all());
  }
}

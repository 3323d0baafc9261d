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

  /** Units of the SKU the other channels' degraded marketplaces expose, for `channel`'s listing. */
  of(sku: string, channel: string): number {
    let total = 0;
    for (const [code, entries] of Object.entries(this.all())) {
      if (code !== channel) total += entries[sku] ?? 0;
    }
    return total;
  }

  /** Channels whose exposure this hub holds. */
  channels(): string[] {
    return Object.keys(this.all());
  }
}

import { z } from 'zod';
import type { SignalEvent } from '../../protocol/webhooks';
import type { SkuFacts } from './rules';

// A stock signal folded into what the connection knows of its SKU. A channel-level signal
// (`channel`, `data.listed`) counts only for the followed channel; a location-level one
// (`location`, `data.available`, `coverDays`, `ratePerDay`) updates that location's cover.

const Numbers = z.object({
  listed: z.number().optional(),
  available: z.number().optional(),
  coverDays: z.number().nullable().optional(),
  ratePerDay: z.number().min(0).optional(),
});

/** The signal types that can move an ad: the others (oversold, channel_degraded…) say nothing of stock. */
const STOCK_TYPES = new Set(['out', 'back_in_stock', 'low']);

export const emptyFacts = (): SkuFacts => ({ listed: null, locations: {}, soldOut: false });

/** The SKU's facts after the signal, or null when it does not concern this connection. */
export function foldSignal(facts: SkuFacts, e: SignalEvent, followed: string): SkuFacts | null {
  if (e.sku === undefined || !STOCK_TYPES.has(e.type)) return null;
  const n = Numbers.safeParse(e.data);
  const data = n.success ? n.data : {};
  if (e.channel !== undefined) {
    if (e.channel !== followed) return null;
    const listed = data.listed ?? (e.type === 'out' ? 0 : null);
    return listed === null ? null : { ...facts, listed };
  }
  if (e.location !== undefined) {
    const old = facts.locations[e.location];
    const out = e.type === 'out';
    const loc = {
      available: data.available ?? (out ? 0 : (old?.available ?? null)),
      coverDays: data.coverDays !== undefined ? data.coverDays : out ? 0 : (old?.coverDays ?? null),
      ratePerDay: data.ratePerDay ?? old?.ratePerDay ?? null,
    };
    return { ...facts, locations: { ...facts.locations, [e.location]: loc } };
  }
  return null;
}

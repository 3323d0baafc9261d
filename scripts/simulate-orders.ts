// The traffic simulator's script: the real order stream (data/online-retail-2010-12.csv) as a
// timeline of carts and returns, each with the channel it came through. Pure, so tests can pin it.
import { parseCsv } from '../workers/catalog/csv.ts';
import { invoicesOf, SERVICE_CODES } from './order-stream.ts';

export type CartLine = { sku: string; quantity: number };

export type OrderEvent =
  | {
      kind: 'cart';
      invoice: string;
      /** Minutes after the first invoice, with idle gaps shortened (see `timeline`). */
      minute: number;
      channel: string;
      country: string | undefined;
      lines: CartLine[];
    }
  | { kind: 'return'; invoice: string; minute: number; lines: CartLine[] };

/** Nights and Sundays are cut to this many minutes, so the wall never sits idle for long. */
const MAX_GAP_MINUTES = 15;
/** Carts larger than this are wholesale orders split off to the warehouse, not storefront carts. */
const MAX_CART_LINES = 200;

/**
 * Which channel an invoice came through: UK customers shop the own web store, one in five on
 * eBay UK; everyone else through the Amazon EU marketplace. Stable per invoice number.
 */
export const channelOf = (invoice: string, country: string): string => {
  if (country !== 'United Kingdom') return 'amazon-eu';
  const n = Number(invoice.replace(/\D/g, '')) || 0;
  return n % 5 === 0 ? 'ebay-uk' : 'web-uk';
};

/**
 * Every invoice in time order: sales as carts (one line per SKU, charges left out), cancellations
 * (invoice numbers starting with C) as returns. Gaps longer than MAX_GAP_MINUTES are shortened.
 */
export const timeline = (csvText: string): OrderEvent[] => {
  const parsed = parseCsv(csvText);
  if (!parsed.ok) throw new Error(`orders CSV line ${parsed.line}: ${parsed.message}`);
  const goods = (lines: readonly CartLine[]) => lines.filter((l) => !SERVICE_CODES.has(l.sku));
  const invoices = invoicesOf(parsed.records.map((r) => r.fields))
    .map((invoice, order) => ({ ...invoice, order }))
    .filter((i) => i.minutes !== undefined)
    .sort((a, b) => (a.minutes ?? 0) - (b.minutes ?? 0) || a.order - b.order);
  const events: OrderEvent[] = [];
  let minute = 0;
  let previous = invoices[0]?.minutes ?? 0;
  for (const {
    invoice,
    minutes = previous,
    country,
    shipTo,
    cancelled,
    lines,
    returned,
  } of invoices) {
    // Invoices with no goods to sell or take back (charges only, write-offs) are not events.
    const goodsLines = goods(cancelled ? returned : lines);
    if (goodsLines.length === 0) continue;
    minute += Math.min(MAX_GAP_MINUTES, minutes - previous);
    previous = minutes;
    if (cancelled) events.push({ kind: 'return', invoice, minute, lines: goodsLines });
    else
      events.push({
        kind: 'cart',
        invoice,
        minute,
        channel: channelOf(invoice, country),
        country: shipTo ?? undefined,
        lines: goodsLines.slice(0, MAX_CART_LINES),
      });
  }
  return events;
};

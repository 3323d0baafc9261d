// The traffic simulator's script: the real order stream (data/online-retail-2010-12.csv) as a
// timeline of carts and returns, each with the channel it came through. Pure, so tests can pin it.
import { parseCsv } from '../workers/catalog/csv.ts';

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

/** Lines that are charges, not goods (the demo seed never stocks them). */
const SERVICE_CODES = new Set(['POST', 'DOT', 'C2', 'D', 'M', 'S', 'BANK CHARGES', 'AMAZONFEE']);
/** Nights and Sundays are cut to this many minutes, so the wall never sits idle for long. */
const MAX_GAP_MINUTES = 15;
/** Carts larger than this are wholesale orders split off to the warehouse, not storefront carts. */
const MAX_CART_LINES = 200;

const COUNTRIES: Record<string, string> = {
  'United Kingdom': 'GB',
  Germany: 'DE',
  France: 'FR',
  EIRE: 'IE',
  Norway: 'NO',
  Portugal: 'PT',
  Spain: 'ES',
  Japan: 'JP',
  Lithuania: 'LT',
  Iceland: 'IS',
  Italy: 'IT',
  Australia: 'AU',
  Denmark: 'DK',
  Belgium: 'BE',
  Poland: 'PL',
  Switzerland: 'CH',
  Netherlands: 'NL',
  Sweden: 'SE',
  Finland: 'FI',
  Austria: 'AT',
  'Channel Islands': 'JE',
};

/** "12/1/10 8:26" (month/day/year, 24-hour) as minutes since the epoch. */
export const parseInvoiceDate = (text: string): number | undefined => {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  const [, month, day, year, hour, minute] = m.map(Number);
  return Date.UTC(2000 + (year ?? 0), (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0) / 60_000;
};

/**
 * Which channel an invoice came through: UK customers shop the own web store, one in five on
 * eBay UK; everyone else through the Amazon EU marketplace. Stable per invoice number.
 */
export const channelOf = (invoice: string, country: string): string => {
  if (country !== 'United Kingdom') return 'amazon-eu';
  const n = Number(invoice.replace(/\D/g, '')) || 0;
  return n % 5 === 0 ? 'ebay-uk' : 'web-uk';
};

const merge = (lines: Map<string, number>, sku: string, quantity: number) =>
  lines.set(sku, (lines.get(sku) ?? 0) + quantity);

/**
 * Every invoice in time order: sales as carts (one line per SKU, charges left out), cancellations
 * (invoice numbers starting with C) as returns. Gaps longer than MAX_GAP_MINUTES are shortened.
 */
export const timeline = (csvText: string): OrderEvent[] => {
  const parsed = parseCsv(csvText);
  if (!parsed.ok) throw new Error(`orders CSV line ${parsed.line}: ${parsed.message}`);
  const [header, ...rows] = parsed.records;
  const col = (name: string) => {
    const i = header?.fields.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`orders CSV has no ${name} column`);
    return i;
  };
  const [invoiceCol, codeCol, qtyCol, dateCol, countryCol] = [
    'InvoiceNo',
    'StockCode',
    'Quantity',
    'InvoiceDate',
    'Country',
  ].map(col);
  const invoices = new Map<
    string,
    { at: number; country: string; lines: Map<string, number>; order: number }
  >();
  for (const { fields } of rows) {
    const invoice = fields[invoiceCol ?? -1]?.trim() ?? '';
    const sku = fields[codeCol ?? -1]?.trim() ?? '';
    const quantity = Number(fields[qtyCol ?? -1]);
    const at = parseInvoiceDate(fields[dateCol ?? -1] ?? '');
    if (invoice === '' || sku === '' || SERVICE_CODES.has(sku) || at === undefined) continue;
    if (!Number.isInteger(quantity) || quantity === 0) continue;
    const entry = invoices.get(invoice) ?? {
      at,
      country: fields[countryCol ?? -1]?.trim() ?? '',
      lines: new Map(),
      order: invoices.size,
    };
    invoices.set(invoice, entry);
    merge(entry.lines, sku, Math.abs(quantity));
  }
  const sorted = [...invoices].sort(([, a], [, b]) => a.at - b.at || a.order - b.order);
  const events: OrderEvent[] = [];
  let minute = 0;
  let previous = sorted[0]?.[1].at ?? 0;
  for (const [invoice, { at, country, lines }] of sorted) {
    minute += Math.min(MAX_GAP_MINUTES, at - previous);
    previous = at;
    const cartLines = [...lines].map(([sku, quantity]) => ({ sku, quantity }));
    if (invoice.startsWith('C')) {
      events.push({ kind: 'return', invoice, minute, lines: cartLines });
    } else {
      events.push({
        kind: 'cart',
        invoice,
        minute,
        channel: channelOf(invoice, country),
        country: COUNTRIES[country],
        lines: cartLines.slice(0, MAX_CART_LINES),
      });
    }
  }
  return events;
};

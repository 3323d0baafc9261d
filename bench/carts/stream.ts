import { readFileSync } from 'node:fs';
import { cartsOf, type Invoice, invoicesOf, SERVICE_CODES } from '../../scripts/order-stream.ts';
import { parseCsv } from '../../workers/catalog/csv.ts';
import { repoRoot } from '../lib/repo.ts';

export type Line = { sku: string; quantity: number };
export type Carts = { carts: Line[][]; skus: string[]; invoices: Invoice[] };

/**
 * The real carts of the order stream (every invoice that is not a cancellation, its real lines),
 * over `days` days, cut to the first carts that name at most `maxSkus` SKUs when given.
 */
export const loadCarts = (days: number, maxSkus = Number.POSITIVE_INFINITY): Carts => {
  const parsed = parseCsv(readFileSync(`${repoRoot}data/online-retail-2010-12.csv`, 'utf8'));
  if (!parsed.ok) throw new Error(`order stream line ${parsed.line}: ${parsed.message}`);
  const invoices: Invoice[] = [];
  const skus = new Set<string>();
  for (const invoice of cartsOf(invoicesOf(parsed.records.map((r) => r.fields)), days)) {
    const next = new Set([...skus, ...invoice.lines.map((l) => l.sku)]);
    if (next.size > maxSkus) break;
    for (const sku of next) skus.add(sku);
    invoices.push(invoice);
  }
  return { carts: invoices.map((i) => i.lines), skus: [...skus].sort(), invoices };
};

export const isService = (sku: string) => SERVICE_CODES.has(sku);

import { readFileSync } from 'node:fs';
import {
  cartsOf,
  type Invoice,
  invoicesOf,
  SERVICE_CODES,
} from '../../test/support/order-stream.ts';
import { parseCsv } from '../../workers/catalog/csv.ts';
import { repoRoot } from '../lib/repo.ts';

export { SERVICE_CODES };

export type ReturnLine = { sku: string; quantity: number };

/** One step of the replay, in the stream's time order. */
export type ReplayEvent =
  | { kind: 'cart'; invoice: Invoice }
  | { kind: 'return'; invoice: string; lines: ReturnLine[] };

/** The real order stream (data/online-retail-2010-12.csv) as parsed records, header first. */
export const orderRecords = (): string[][] => {
  const parsed = parseCsv(readFileSync(`${repoRoot}data/online-retail-2010-12.csv`, 'utf8'));
  if (!parsed.ok) throw new Error(`order stream line ${parsed.line}: ${parsed.message}`);
  return parsed.records.map((r) => r.fields);
};

/**
 * The stream as carts and returns in file (time) order: every invoice with goods is a cart (the
 * shared parser, test/support/order-stream.ts), and every invoice's negative lines (cancellations
 * and returns) are one return, quantities of a repeated SKU summed.
 */
export const replayEvents = (records: readonly (readonly string[])[]): ReplayEvent[] => {
  const invoices = invoicesOf(records);
  const carts = new Map(cartsOf(invoices, Number.MAX_SAFE_INTEGER).map((c) => [c.invoice, c]));
  const [header, ...rows] = records;
  const column = (name: string) => {
    const i = header?.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`the order stream has no ${name} column`);
    return i;
  };
  const [no, code, qty] = [column('InvoiceNo'), column('StockCode'), column('Quantity')];
  const returns = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const quantity = Number(row[qty]);
    const sku = (row[code] ?? '').trim();
    if (!(quantity < 0) || sku === '') continue;
    const invoice = row[no] ?? '';
    const bySku = returns.get(invoice) ?? new Map<string, number>();
    bySku.set(sku, (bySku.get(sku) ?? 0) - quantity);
    returns.set(invoice, bySku);
  }
  return invoices.flatMap((i): ReplayEvent[] => {
    const cart = carts.get(i.invoice);
    const back = returns.get(i.invoice);
    return [
      ...(cart ? [{ kind: 'cart' as const, invoice: cart }] : []),
      ...(back
        ? [
            {
              kind: 'return' as const,
              invoice: i.invoice,
              lines: [...back].map(([sku, quantity]) => ({ sku, quantity })),
            },
          ]
        : []),
    ];
  });
};

import { readFileSync } from 'node:fs';
import { cartsOf, type Invoice, invoicesOf, SERVICE_CODES } from '../../scripts/order-stream.ts';
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
 * shared parser, scripts/order-stream.ts), and every invoice's negative lines (cancellations
 * and returns) are one return, quantities of a repeated SKU summed.
 */
export const replayEvents = (records: readonly (readonly string[])[]): ReplayEvent[] => {
  const invoices = invoicesOf(records);
  const carts = new Map(cartsOf(invoices, Number.MAX_SAFE_INTEGER).map((c) => [c.invoice, c]));
  return invoices.flatMap((i): ReplayEvent[] => {
    const cart = carts.get(i.invoice);
    const back = i.returned.length > 0 ? i.returned : undefined;
    return [
      ...(cart ? [{ kind: 'cart' as const, invoice: cart }] : []),
      ...(back
        ? [
            {
              kind: 'return' as const,
              invoice: i.invoice,
              lines: back,
            },
          ]
        : []),
    ];
  });
};

// The real order stream (data/online-retail-2010-12.csv) as carts: pure functions of its parsed
// records, shared by the replay test and the carts benchmark. No imports, so Node and the Workers
// test pool load it alike.

export type OrderLine = { sku: string; quantity: number };
export type Invoice = {
  invoice: string;
  /** `M/D/YY`, the invoice's day. */
  day: string;
  /** The country as the data names it, and its ISO code when known. */
  country: string;
  shipTo: string | null;
  /** One line per SKU, quantities of repeated SKUs summed; negative lines left out. */
  lines: OrderLine[];
  /** A cancellation (invoice number starting with C). */
  cancelled: boolean;
};

/** Lines that are charges, not goods (postage, fees, discounts): stocked with policy continue. */
export const SERVICE_CODES: ReadonlySet<string> = new Set([
  'POST',
  'DOT',
  'C2',
  'D',
  'M',
  'S',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'PADS',
  'B',
]);

/** The data's country names to ISO 3166-1 alpha-2 (Channel Islands as Jersey). */
export const COUNTRY_CODES: Readonly<Record<string, string>> = {
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
  'Channel Islands': 'JE',
  Belgium: 'BE',
  Poland: 'PL',
  Switzerland: 'CH',
  Netherlands: 'NL',
};

/** Every invoice of the stream in file (time) order. `records[0]` is the header. */
export const invoicesOf = (records: readonly (readonly string[])[]): Invoice[] => {
  const [header, ...rows] = records;
  const column = (name: string) => {
    const i = header?.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`the order stream has no ${name} column`);
    return i;
  };
  const [no, code, qty, date, country] = [
    'InvoiceNo',
    'StockCode',
    'Quantity',
    'InvoiceDate',
    'Country',
  ].map(column);
  const byInvoice = new Map<string, Invoice & { bySku: Map<string, number> }>();
  for (const row of rows) {
    const invoice = row[no ?? -1] ?? '';
    let entry = byInvoice.get(invoice);
    if (!entry) {
      const name = row[country ?? -1] ?? '';
      entry = {
        invoice,
        day: (row[date ?? -1] ?? '').split(' ')[0] ?? '',
        country: name,
        shipTo: COUNTRY_CODES[name] ?? null,
        lines: [],
        cancelled: invoice.startsWith('C'),
        bySku: new Map(),
      };
      byInvoice.set(invoice, entry);
    }
    const sku = (row[code ?? -1] ?? '').trim();
    const quantity = Number(row[qty ?? -1]);
    if (sku === '' || !(quantity > 0)) continue;
    entry.bySku.set(sku, (entry.bySku.get(sku) ?? 0) + quantity);
  }
  return [...byInvoice.values()].map(({ bySku, ...invoice }) => ({
    ...invoice,
    lines: [...bySku].map(([sku, quantity]) => ({ sku, quantity })),
  }));
};

/** The carts of the stream's first `days` days: invoices that are not cancellations. */
export const cartsOf = (invoices: readonly Invoice[], days = 1): Invoice[] => {
  const first = [...new Set(invoices.map((i) => i.day))].slice(0, days);
  return invoices.filter((i) => first.includes(i.day) && !i.cancelled && i.lines.length > 0);
};

/** Units each SKU is asked for over the carts. */
export const demandOf = (carts: readonly Invoice[]): Map<string, number> => {
  const demand = new Map<string, number>();
  for (const cart of carts) {
    for (const l of cart.lines) demand.set(l.sku, (demand.get(l.sku) ?? 0) + l.quantity);
  }
  return demand;
};

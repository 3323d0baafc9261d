// The real order stream (data/online-retail-2010-12.csv) read once, the same way, by everything
// that uses it: the demo catalog, the traffic simulator, the replay test, the benchmarks. Takes
// the CSV's records (header first) as parsed by workers/catalog/csv.ts; no imports, so Node and
// the Workers test pool load it alike.

/** Lines that are charges, not goods (postage, fees, donations, bad debt): stocked as `continue`. */
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
  Sweden: 'SE',
  Finland: 'FI',
  Austria: 'AT',
};

/** "12/1/10 8:26" (month/day/year, 24-hour, UTC) as minutes since the epoch. */
export const parseInvoiceDate = (text: string): number | undefined => {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  const [, month, day, year, hour, minute] = m.map(Number);
  return Date.UTC(2000 + (year ?? 0), (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0) / 60_000;
};

/** One line of the stream, its fields trimmed. */
export type OrderRow = {
  invoice: string;
  sku: string;
  description: string;
  /** Signed: negative on cancellations and returns. NaN when the cell is not a number. */
  quantity: number;
  unitPrice: number;
  /** The invoice's time as written (`M/D/YY H:MM`), its day (`M/D/YY`), and as minutes. */
  date: string;
  day: string;
  minutes: number | undefined;
  country: string;
};

/** Every line of the stream in file order; `records[0]` is the header, which names the columns. */
export const orderRows = (records: readonly (readonly string[])[]): OrderRow[] => {
  const [header, ...rows] = records;
  const column = (name: string, required: boolean) => {
    const i = header?.indexOf(name) ?? -1;
    if (i < 0 && required) throw new Error(`the order stream has no ${name} column`);
    return i;
  };
  const [no, code, qty, date] = ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate'].map((n) =>
    column(n, true),
  );
  const [desc, price, country] = ['Description', 'UnitPrice', 'Country'].map((n) =>
    column(n, false),
  );
  const cell = (row: readonly string[], i: number | undefined) => (row[i ?? -1] ?? '').trim();
  return rows.map((row) => {
    const at = cell(row, date);
    return {
      invoice: cell(row, no),
      sku: cell(row, code),
      description: cell(row, desc),
      quantity: Number(row[qty ?? -1]),
      unitPrice: Number(row[price ?? -1]),
      date: at,
      day: at.split(' ')[0] ?? '',
      minutes: parseInvoiceDate(at),
      country: cell(row, country),
    };
  });
};

export type OrderLine = { sku: string; quantity: number };
export type Invoice = {
  invoice: string;
  /** `M/D/YY`, the invoice's day. */
  day: string;
  /** The invoice's time in minutes since the epoch, when the data gives one. */
  minutes: number | undefined;
  /** The country as the data names it, and its ISO code when known. */
  country: string;
  shipTo: string | null;
  /** One line per SKU, quantities of repeated SKUs summed; negative lines left out. */
  lines: OrderLine[];
  /** Its negative lines (cancellations and returns) as positive quantities, summed per SKU. */
  returned: OrderLine[];
  /** A cancellation (invoice number starting with C). */
  cancelled: boolean;
};

const sumBySku = (into: Map<string, number>, sku: string, quantity: number) =>
  into.set(sku, (into.get(sku) ?? 0) + quantity);

/** Every invoice of the stream in file (time) order. */
export const invoicesOf = (records: readonly (readonly string[])[]): Invoice[] => {
  const byInvoice = new Map<
    string,
    Omit<Invoice, 'lines' | 'returned'> & { sold: Map<string, number>; back: Map<string, number> }
  >();
  for (const row of orderRows(records)) {
    let entry = byInvoice.get(row.invoice);
    if (!entry) {
      entry = {
        invoice: row.invoice,
        day: row.day,
        minutes: row.minutes,
        country: row.country,
        shipTo: COUNTRY_CODES[row.country] ?? null,
        cancelled: row.invoice.startsWith('C'),
        sold: new Map(),
        back: new Map(),
      };
      byInvoice.set(row.invoice, entry);
    }
    if (row.sku === '' || !Number.isInteger(row.quantity)) continue;
    if (row.quantity > 0) sumBySku(entry.sold, row.sku, row.quantity);
    else if (row.quantity < 0) sumBySku(entry.back, row.sku, -row.quantity);
  }
  const lines = (m: Map<string, number>) => [...m].map(([sku, quantity]) => ({ sku, quantity }));
  return [...byInvoice.values()].map(({ sold, back, ...invoice }) => ({
    ...invoice,
    lines: lines(sold),
    returned: lines(back),
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

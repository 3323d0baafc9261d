// The demo catalog of `npm start`, built from the real order stream in data/: pure functions of
// the CSV text, so the same input always gives the same SKUs, stock and batch keys.
import { parseCsv } from '../workers/catalog/csv.ts';
import { orderRows, SERVICE_CODES } from './order-stream.ts';

export type DemoLocation = {
  code: string;
  name: string;
  kind: 'warehouse' | 'store' | 'dropship';
  region: string;
  country: string;
  latitude: number;
  longitude: number;
};

export type DemoChannel = {
  code: string;
  name: string;
  kind: 'storefront' | 'marketplace' | 'store' | 'custom';
  locations: string[];
  percentage?: number;
  buffer?: number;
  maxListed?: number | null;
  endWhen?: number;
  routing?: 'priority' | 'nearest';
  allowSplit?: boolean;
};

export type DemoSku = {
  code: string;
  title: string;
  backorderPolicy: 'deny' | 'continue';
  attributes: Record<string, string | number | boolean>;
  /** Units sold over the 13 days (cancellations and returns not counted). */
  sold: number;
};

export type OpeningLine = {
  sku: string;
  op: 'receive';
  location: string;
  quantity: number;
  reason: 'opening_stock';
};

export const DEMO_LOCATIONS: DemoLocation[] = [
  {
    code: 'MAN-1',
    name: 'Manchester DC',
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 53.4808,
    longitude: -2.2426,
  },
  {
    code: 'LON-1',
    name: 'London Park Royal DC',
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 51.529,
    longitude: -0.273,
  },
  {
    code: 'RTM-1',
    name: 'Rotterdam EU hub',
    kind: 'warehouse',
    region: 'EU',
    country: 'NL',
    latitude: 51.9244,
    longitude: 4.4777,
  },
  {
    code: 'MAD-1',
    name: 'Madrid DC',
    kind: 'warehouse',
    region: 'EU-SOUTH',
    country: 'ES',
    latitude: 40.4168,
    longitude: -3.7038,
  },
  {
    code: 'STO-1',
    name: 'Stockholm Nordic DC',
    kind: 'warehouse',
    region: 'NORDICS',
    country: 'SE',
    latitude: 59.3293,
    longitude: 18.0686,
  },
  {
    code: 'LON-SHOP',
    name: 'Covent Garden shop',
    kind: 'store',
    region: 'UK',
    country: 'GB',
    latitude: 51.5117,
    longitude: -0.124,
  },
];

export const DEMO_CHANNELS: DemoChannel[] = [
  {
    code: 'web-uk',
    name: 'Own web store',
    kind: 'storefront',
    locations: ['MAN-1', 'LON-1', 'RTM-1', 'MAD-1', 'STO-1'],
    routing: 'priority',
    allowSplit: true,
  },
  {
    code: 'amazon-eu',
    name: 'Amazon EU marketplace',
    kind: 'marketplace',
    locations: ['RTM-1', 'MAD-1', 'STO-1', 'LON-1'],
    percentage: 80,
    buffer: 2,
    maxListed: 500,
    routing: 'nearest',
  },
  {
    code: 'ebay-uk',
    name: 'eBay UK',
    kind: 'marketplace',
    locations: ['MAN-1', 'LON-1'],
    percentage: 50,
    endWhen: 3,
  },
  { code: 'shop-london', name: 'Covent Garden till', kind: 'store', locations: ['LON-SHOP'] },
];

/** Days the order stream spans (2010-12-01 to 2010-12-13). */
export const ORDER_DAYS = 13;

// Lines of the order stream that are charges, not goods: never stocked, never blocking an order.

const mostCommon = <T>(counts: Map<T, number>): T | undefined => {
  let best: T | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return best;
};

const bump = <T>(counts: Map<T, number>, value: T, by = 1) =>
  counts.set(value, (counts.get(value) ?? 0) + by);

/** Every SKU of the order stream: its most common description as title, its usual price, units sold. */
export const skusFromOrders = (csvText: string): DemoSku[] => {
  const parsed = parseCsv(csvText);
  if (!parsed.ok) throw new Error(`orders CSV line ${parsed.line}: ${parsed.message}`);
  const seen = new Map<
    string,
    { titles: Map<string, number>; prices: Map<number, number>; sold: number }
  >();
  for (const row of orderRows(parsed.records.map((r) => r.fields))) {
    if (row.sku === '') continue;
    const entry = seen.get(row.sku) ?? { titles: new Map(), prices: new Map(), sold: 0 };
    seen.set(row.sku, entry);
    if (row.description !== '') bump(entry.titles, row.description);
    if (!row.invoice.startsWith('C') && row.quantity > 0) {
      entry.sold += row.quantity;
      if (Number.isFinite(row.unitPrice) && row.unitPrice > 0) bump(entry.prices, row.unitPrice);
    }
  }

  return [...seen]
    .map(([code, { titles, prices, sold }]): DemoSku => {
      const service = SERVICE_CODES.has(code);
      const price = mostCommon(prices);
      return {
        code,
        title: mostCommon(titles) ?? `Item ${code}`,
        backorderPolicy: service ? 'continue' : 'deny',
        attributes: {
          ...(price !== undefined && { unitPriceGbp: price }),
          // Sales velocity: the stock wall grades cover (days of stock) against it.
          ...(!service && sold > 0 && { dailySales: Math.round((sold / ORDER_DAYS) * 100) / 100 }),
          ...(service && { service: true }),
        },
        sold,
      };
    })
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
};

/** The SKUs as NDJSON import bodies of at most `perChunk` lines each. */
export const importChunks = (skus: readonly DemoSku[], perChunk = 200): string[] => {
  const chunks: string[] = [];
  for (let i = 0; i < skus.length; i += perChunk) {
    chunks.push(
      skus
        .slice(i, i + perChunk)
        .map(({ code, title, backorderPolicy, attributes }) =>
          JSON.stringify({ code, title, backorderPolicy, attributes }),
        )
        .join('\n'),
    );
  }
  return chunks;
};

// Where stock sits: every SKU in Manchester; steady sellers also in London and Rotterdam; the best
// sellers in every warehouse; the 200 best sellers a few units in the London shop.
const SHARES: { location: string; weight: number; minSold: number }[] = [
  { location: 'MAN-1', weight: 0.4, minSold: 0 },
  { location: 'LON-1', weight: 0.25, minSold: 24 },
  { location: 'RTM-1', weight: 0.2, minSold: 24 },
  { location: 'MAD-1', weight: 0.075, minSold: 120 },
  { location: 'STO-1', weight: 0.075, minSold: 120 },
];
const SHOP_TOP_SELLERS = 200;
const SHOP_UNITS = 6;
const MIN_UNITS = 4;

/** Opening stock: 1.5 × each product's 13-day sales (at least a few units), spread over warehouses. */
export const openingStock = (skus: readonly DemoSku[]): OpeningLine[] => {
  const products = skus.filter((s) => s.backorderPolicy === 'deny');
  const topSellers = new Set(
    [...products]
      .sort((a, b) => b.sold - a.sold)
      .slice(0, SHOP_TOP_SELLERS)
      .map((s) => s.code),
  );
  const line = (sku: string, location: string, quantity: number): OpeningLine => ({
    sku,
    op: 'receive',
    location,
    quantity,
    reason: 'opening_stock',
  });
  return products.flatMap((sku) => {
    const total = Math.max(MIN_UNITS, Math.ceil(1.5 * sku.sold));
    const shares = SHARES.filter((s) => sku.sold >= s.minSold);
    const weights = shares.reduce((sum, s) => sum + s.weight, 0);
    const quantities = shares.map((s) => Math.max(1, Math.floor((total * s.weight) / weights)));
    const rest = total - quantities.reduce((sum, q) => sum + q, 0);
    quantities[0] = (quantities[0] ?? 0) + Math.max(0, rest);
    const lines = shares.map((s, i) => line(sku.code, s.location, quantities[i] ?? 0));
    if (topSellers.has(sku.code)) lines.push(line(sku.code, 'LON-SHOP', SHOP_UNITS));
    return lines;
  });
};

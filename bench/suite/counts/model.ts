import type { OpCounts } from './measure.ts';
import { charge, LIMITS, PRICES } from './prices.ts';

// The cost and capacity model of bench/README.md ("Cost and capacity"), computed from the counts
// the counts scenario measured: a brand's day of changes is turned into operations by the mix
// below, each operation costs what was counted for it, and the month is priced and checked
// against the limits in prices.ts. Every assumption is a named constant here.

export type Brand = {
  name: string;
  skus: number;
  /** Stock changes a day (events on SKU counters, each published to the stream). */
  changesPerDay: number;
  channels: number;
  dashboards: number;
};

export const BRANDS: Brand[] = [
  { name: 'small', skus: 10_000, changesPerDay: 100_000, channels: 5, dashboards: 10 },
  { name: 'medium', skus: 100_000, changesPerDay: 2_000_000, channels: 5, dashboards: 10 },
  { name: 'large', skus: 1_000_000, changesPerDay: 50_000_000, channels: 5, dashboards: 10 },
];

/** Where a day's changes come from (assumed): storefront carts, marketplace orders, warehouses. */
export const MIX = { carts: 0.45, marketplaceOrders: 0.15, warehouseLines: 0.4 };
/** Lines per storefront cart; each line makes two changes (its hold, its commit). */
export const CART_LINES = 3;
/** Warehouse lines arrive in batches of this many (counts and receipts alike). */
export const BATCH_LINES = 100;
/** The busiest minute runs at this multiple of the day's average rate. */
export const PEAK_FACTOR = 10;
/** Share of the peak's changes that land on the single hottest SKU (a flash sale). */
export const HOT_SKU_SHARE = 0.02;
/** Wall time an object stays active per request it serves (assumed; duration is billed on it). */
export const ACTIVE_MS_PER_CALL = 10;
/** Storage of one SKU's object: its tables, the 1,000 ledgered events it keeps (assumed). */
export const SKU_OBJECT_BYTES = 200 * 1024;
/**
 * D1 bytes one change (one ledger event) keeps: its movements row with JSON deltas, levels and
 * totals, its per-location rows and every index entry over them. Used only when the run could not
 * measure it (the counts scenario measures the local database's growth per event).
 */
export const LEDGER_BYTES_PER_EVENT = 1_000;
/** The ledger is kept whole; D1's size is judged after a year of it. */
export const LEDGER_DAYS = 365;
const DAYS_PER_MONTH = 30;

/** What a day of one brand costs in each counted unit. */
export type Usage = {
  workerRequests: number;
  cpuMs: number;
  doRequests: number;
  doCalls: Record<string, number>;
  sqlRead: number;
  sqlWritten: number;
  d1Read: number;
  d1Written: number;
  d1Statements: number;
  hubCalls: number;
  subscriberMessages: number;
};

export type BrandModel = {
  brand: Brand;
  /** Operations a day by kind, from the mix. */
  operations: Record<string, number>;
  day: Usage;
  /** USD a month by line item. */
  cost: Record<string, number>;
  total: number;
  capacity: {
    peakChangesPerSecond: number;
    d1QueriesPerSecond: number;
    d1WriterShare: number;
    d1GbAfterLedgerDays: number;
    hubCallsPerSecond: number;
    hubShardsNeeded: number;
    hotSkuCallsPerSecond: number;
    /** Every limit with its share used, largest first: the first is met first. */
    limits: { limit: string; share: number }[];
  };
  /** Operations the model needed and the counts did not have (counted as nothing). */
  missing: string[];
};

const find = (counts: readonly OpCounts[], prefix: string) =>
  counts.find((c) => c.op.startsWith(prefix));

const ZERO: Usage = {
  workerRequests: 0,
  cpuMs: 0,
  doRequests: 0,
  doCalls: {},
  sqlRead: 0,
  sqlWritten: 0,
  d1Read: 0,
  d1Written: 0,
  d1Statements: 0,
  hubCalls: 0,
  subscriberMessages: 0,
};

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** An operation's counts as usage, `times` over; `less` (a baseline) taken off first. */
const usageOf = (c: OpCounts, times: number, less?: OpCounts): Usage => {
  const minus = (a: number, b = 0) => Math.max(0, a - b) * times;
  const doCalls: Record<string, number> = {};
  for (const [cls, k] of Object.entries(c.calls)) doCalls[cls] = minus(k, less?.calls[cls]);
  const wsIn = (x?: OpCounts) => x?.methods['StreamHub.webSocketMessage'] ?? 0;
  // Frames in, as the hub saw them or (when counted there) as the subscribers sent them.
  const billed = (x: OpCounts) =>
    sum(x.calls) -
    wsIn(x) +
    Math.max(wsIn(x), x.subscriberMessagesIn ?? 0) / LIMITS.wsMessagesPerBilledRequest;
  return {
    workerRequests: minus(c.workerRequests, less?.workerRequests),
    cpuMs: minus(c.cpuMs, less?.cpuMs),
    doRequests: minus(billed(c), less && billed(less)),
    doCalls,
    sqlRead: minus(sum(c.sqlRead), less && sum(less.sqlRead)),
    sqlWritten: minus(sum(c.sqlWritten), less && sum(less.sqlWritten)),
    d1Read: minus(c.d1Read, less?.d1Read),
    d1Written: minus(c.d1Written, less?.d1Written),
    d1Statements: minus(c.d1Statements, less?.d1Statements),
    hubCalls: minus(c.hubMessages, less?.hubMessages),
    subscriberMessages: minus(c.subscriberMessages, less?.subscriberMessages),
  };
};

const add = (a: Usage, b: Usage): Usage => {
  const doCalls = { ...a.doCalls };
  for (const [cls, k] of Object.entries(b.doCalls)) doCalls[cls] = (doCalls[cls] ?? 0) + k;
  return {
    workerRequests: a.workerRequests + b.workerRequests,
    cpuMs: a.cpuMs + b.cpuMs,
    doRequests: a.doRequests + b.doRequests,
    doCalls,
    sqlRead: a.sqlRead + b.sqlRead,
    sqlWritten: a.sqlWritten + b.sqlWritten,
    d1Read: a.d1Read + b.d1Read,
    d1Written: a.d1Written + b.d1Written,
    d1Statements: a.d1Statements + b.d1Statements,
    hubCalls: a.hubCalls + b.hubCalls,
    subscriberMessages: a.subscriberMessages + b.subscriberMessages,
  };
};

/** The model of each brand from the measured counts. */
export type ModelOptions = {
  /** D1 bytes per ledger event, measured; LEDGER_BYTES_PER_EVENT when not. */
  ledgerBytesPerEvent?: number | undefined;
};

export const model = (
  counts: readonly OpCounts[],
  brands: readonly Brand[],
  options: ModelOptions = {},
): BrandModel[] => brands.map((brand) => modelOne(counts, brand, options));

const modelOne = (counts: readonly OpCounts[], brand: Brand, options: ModelOptions): BrandModel => {
  const bytesPerEvent = options.ledgerBytesPerEvent ?? LEDGER_BYTES_PER_EVENT;
  const missing: string[] = [];
  const need = (prefix: string) => {
    const c = find(counts, prefix);
    if (c === undefined) missing.push(prefix);
    return c;
  };
  const cartReserve = need('cart of');
  const cartCommit = counts.find((c) => c.op.startsWith('cart of') && c.op.includes('commit'));
  if (cartCommit === undefined) missing.push('cart commit');
  const order = need('inbound marketplace order');
  const batch = need('batch of');
  const change = need('stock change (adjust, no channel)');
  const fanOut = need('stock change to');
  const pushed = need('stock change pushed to 1 channel');

  const C = brand.changesPerDay;
  const carts = (C * MIX.carts) / (2 * CART_LINES);
  const orders = C * MIX.marketplaceOrders;
  const warehouseLines = C * MIX.warehouseLines;
  const operations: Record<string, number> = {
    [`carts of ${CART_LINES} lines (reserve + commit)`]: carts,
    'marketplace orders in': orders,
    [`warehouse lines (batches of ${BATCH_LINES})`]: warehouseLines,
    'stock changes fanned out': C,
  };
  // Counts were measured for the scenario's cart size and batch size; scale per line.
  const linesOf = (c: OpCounts | undefined) => Number(/of (\d+)/.exec(c?.op ?? '')?.[1] ?? 1);
  let day = ZERO;
  if (cartReserve)
    day = add(day, usageOf(cartReserve, (carts * CART_LINES) / linesOf(cartReserve)));
  if (cartCommit) day = add(day, usageOf(cartCommit, (carts * CART_LINES) / linesOf(cartCommit)));
  if (order) day = add(day, usageOf(order, orders));
  if (batch) day = add(day, usageOf(batch, warehouseLines / linesOf(batch)));
  // Each change reaches the dashboards and the channels: what a change cost with S subscribers
  // or one channel beyond the same change with neither, scaled to the brand's counts.
  const subscribersMeasured = Number(/to (\d+) subscribers/.exec(fanOut?.op ?? '')?.[1] ?? 0);
  if (fanOut && change && subscribersMeasured > 0) {
    day = add(day, usageOf(fanOut, (C * brand.dashboards) / subscribersMeasured, change));
  }
  if (pushed && change) day = add(day, usageOf(pushed, C * brand.channels, change));

  const month = (x: number) => x * DAYS_PER_MONTH;
  const gbS = month(day.doRequests) * (ACTIVE_MS_PER_CALL / 1000) * LIMITS.doMemoryGb;
  const doStorageGb = (brand.skus * SKU_OBJECT_BYTES) / 1e9;
  const d1GbMonth = (C * DAYS_PER_MONTH * bytesPerEvent) / 1e9;
  const cost: Record<string, number> = {
    'Workers Paid base': PRICES.base.usdPerMonth,
    'Workers requests': charge(PRICES.workerRequests, month(day.workerRequests)),
    'Workers CPU': charge(PRICES.workerCpuMs, month(day.cpuMs)),
    'DO requests': charge(PRICES.doRequests, month(day.doRequests)),
    'DO duration': charge(PRICES.doDurationGbS, gbS),
    'DO SQL rows read': charge(PRICES.doRowsRead, month(day.sqlRead)),
    'DO SQL rows written': charge(PRICES.doRowsWritten, month(day.sqlWritten)),
    'DO storage': charge(PRICES.doStorageGbMonth, doStorageGb),
    'D1 rows read': charge(PRICES.d1RowsRead, month(day.d1Read)),
    'D1 rows written': charge(PRICES.d1RowsWritten, month(day.d1Written)),
    'D1 storage (first month)': charge(PRICES.d1StorageGbMonth, d1GbMonth),
  };
  const total = sum(cost);

  const peak = (perDay: number) => (perDay / 86_400) * PEAK_FACTOR;
  const d1QueriesPerSecond = peak(day.d1Statements);
  const hubCallsPerSecond = peak(day.hubCalls);
  const hubShardsNeeded = Math.max(
    1,
    Math.ceil(hubCallsPerSecond / (LIMITS.objectRequestsPerSecond / 2)),
  );
  const perChange = (x: number) => x / Math.max(1, C);
  const skuCallsPerChange = perChange(day.doCalls.SkuStock ?? 0);
  const hotSkuCallsPerSecond = peak(C) * HOT_SKU_SHARE * skuCallsPerChange;
  const d1GbAfterLedgerDays = (C * LEDGER_DAYS * bytesPerEvent) / 1e9;
  const limits = [
    {
      limit: 'D1 single writer (peak queries/s)',
      share: d1QueriesPerSecond / LIMITS.d1QueriesPerSecond,
    },
    {
      limit: `D1 database size after ${LEDGER_DAYS} days of ledger`,
      share: d1GbAfterLedgerDays / LIMITS.d1DatabaseGb,
    },
    {
      limit: 'one StreamHub shard of 4 (peak requests/s)',
      share: hubCallsPerSecond / 4 / LIMITS.objectRequestsPerSecond,
    },
    {
      limit: 'hottest SKU object (peak requests/s)',
      share: hotSkuCallsPerSecond / LIMITS.objectRequestsPerSecond,
    },
  ].sort((a, b) => b.share - a.share);
  return {
    brand,
    operations,
    day,
    cost,
    total,
    capacity: {
      peakChangesPerSecond: peak(C),
      d1QueriesPerSecond,
      d1WriterShare: d1QueriesPerSecond / LIMITS.d1QueriesPerSecond,
      d1GbAfterLedgerDays,
      hubCallsPerSecond,
      hubShardsNeeded,
      hotSkuCallsPerSecond,
      limits,
    },
    missing,
  };
};

const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (x: number) => `$${n(x, x < 100 ? 2 : 0)}`;
const pct = (x: number) => `${n(x * 100, x < 0.1 ? 2 : 0)}%`;

/** The per-operation counts and the model, as Markdown tables (what bench/README.md shows). */
export const renderModel = (counts: readonly OpCounts[], models: readonly BrandModel[]): string => {
  const out: string[] = [];
  const classes = [...new Set(counts.flatMap((c) => Object.keys(c.calls)))].sort();
  const fmt = (x: number | undefined) => (x === undefined || x === 0 ? '' : n(x, x < 10 ? 1 : 0));
  out.push(
    `| operation (per op) | Worker req | ${classes.map((c) => `${c} calls`).join(' | ')} | ${classes.map((c) => `${c} SQL r/w`).join(' | ')} | D1 rows r/w (stmts) | hub msgs | subscriber msgs | workerd CPU ms |`,
  );
  out.push(`|${' --- |'.repeat(6 + classes.length * 2)}`);
  for (const c of counts) {
    const rw = (cls: string) => {
      const r = c.sqlRead[cls] ?? 0;
      const w = c.sqlWritten[cls] ?? 0;
      return r + w === 0 ? '' : `${fmt(r) || 0}/${fmt(w) || 0}`;
    };
    out.push(
      `| ${c.op} | ${fmt(c.workerRequests)} | ${classes.map((cls) => fmt(c.calls[cls])).join(' | ')} | ${classes.map(rw).join(' | ')} | ${n(c.d1Read, 1)}/${n(c.d1Written, 1)} (${n(c.d1Statements, 1)}) | ${fmt(c.hubMessages)} | ${fmt(c.subscriberMessages)} | ${n(c.cpuMs, 1)} |`,
    );
  }
  out.push('');
  const items = Object.keys(models[0]?.cost ?? {});
  out.push(`| monthly, USD | ${models.map((m) => m.brand.name).join(' | ')} |`);
  out.push(`|${' --- |'.repeat(1 + models.length)}`);
  out.push(
    `| brand | ${models.map((m) => `${n(m.brand.skus)} SKUs, ${n(m.brand.changesPerDay)} changes/day`).join(' | ')} |`,
  );
  for (const item of items) {
    out.push(`| ${item} | ${models.map((m) => usd(m.cost[item] ?? 0)).join(' | ')} |`);
  }
  out.push(`| **total** | ${models.map((m) => `**${usd(m.total)}**`).join(' | ')} |`);
  out.push(`| DO requests / month | ${models.map((m) => n(m.day.doRequests * 30)).join(' | ')} |`);
  out.push(
    `| DO SQL rows written / month | ${models.map((m) => n(m.day.sqlWritten * 30)).join(' | ')} |`,
  );
  out.push(
    `| D1 rows written / month | ${models.map((m) => n(m.day.d1Written * 30)).join(' | ')} |`,
  );
  out.push(
    `| peak changes/s (×${PEAK_FACTOR} the average) | ${models.map((m) => n(m.capacity.peakChangesPerSecond, 1)).join(' | ')} |`,
  );
  out.push(
    `| D1 peak queries/s · share of the single writer | ${models.map((m) => `${n(m.capacity.d1QueriesPerSecond, 1)} · ${pct(m.capacity.d1WriterShare)}`).join(' | ')} |`,
  );
  out.push(
    `| D1 size after ${LEDGER_DAYS} days, GB | ${models.map((m) => n(m.capacity.d1GbAfterLedgerDays, 1)).join(' | ')} |`,
  );
  out.push(
    `| hub peak requests/s · shards needed (at half the 1,000/s soft limit) | ${models.map((m) => `${n(m.capacity.hubCallsPerSecond, 1)} · ${m.capacity.hubShardsNeeded}`).join(' | ')} |`,
  );
  out.push(
    `| first limit met (share used at peak) | ${models.map((m) => `${m.capacity.limits[0]?.limit} (${pct(m.capacity.limits[0]?.share ?? 0)})`).join(' | ')} |`,
  );
  out.push(
    `| then | ${models.map((m) => `${m.capacity.limits[1]?.limit} (${pct(m.capacity.limits[1]?.share ?? 0)})`).join(' | ')} |`,
  );
  const missing = [...new Set(models.flatMap((m) => m.missing))];
  if (missing.length > 0) {
    out.push('', `Not measured in this run, counted as nothing: ${missing.join(', ')}.`);
  }
  return out.join('\n');
};

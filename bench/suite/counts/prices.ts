// Cloudflare's published prices and limits the cost model uses (Workers Paid plan), with the
// page each comes from; bench/README.md ("Cost and capacity") says when they were read.

/** A metered line: what the plan includes per month and the price per unit beyond it. */
export type Meter = { included: number; perUnit: number; unit: string; source: string };

const WORKERS = 'https://developers.cloudflare.com/workers/platform/pricing/';
const DO = 'https://developers.cloudflare.com/durable-objects/platform/pricing/';
const D1 = 'https://developers.cloudflare.com/d1/platform/pricing/';

export const PRICES = {
  /** The Workers Paid plan's monthly minimum, which includes the allowances below. */
  base: { usdPerMonth: 5, source: WORKERS },
  workerRequests: { included: 10e6, perUnit: 0.3 / 1e6, unit: 'request', source: WORKERS },
  workerCpuMs: { included: 30e6, perUnit: 0.02 / 1e6, unit: 'CPU ms', source: WORKERS },
  doRequests: { included: 1e6, perUnit: 0.15 / 1e6, unit: 'request', source: DO },
  doDurationGbS: { included: 400_000, perUnit: 12.5 / 1e6, unit: 'GB-s', source: DO },
  doRowsRead: { included: 25e9, perUnit: 0.001 / 1e6, unit: 'row', source: DO },
  doRowsWritten: { included: 50e6, perUnit: 1 / 1e6, unit: 'row', source: DO },
  doStorageGbMonth: { included: 5, perUnit: 0.2, unit: 'GB-month', source: DO },
  d1RowsRead: { included: 25e9, perUnit: 0.001 / 1e6, unit: 'row', source: D1 },
  d1RowsWritten: { included: 50e6, perUnit: 1 / 1e6, unit: 'row', source: D1 },
  d1StorageGbMonth: { included: 5, perUnit: 0.75, unit: 'GB-month', source: D1 },
} as const satisfies Record<string, Meter | { usdPerMonth: number; source: string }>;

export const LIMITS = {
  /** Incoming WebSocket messages are billed as one request per 20 (DO pricing page). */
  wsMessagesPerBilledRequest: 20,
  /** Duration is billed for the 128 MB each active object is allocated (DO pricing page). */
  doMemoryGb: 0.128,
  /** An object's soft limit (DO limits FAQ): https://developers.cloudflare.com/durable-objects/platform/limits/ */
  objectRequestsPerSecond: 1_000,
  /**
   * D1 runs one query at a time per database; at 1 ms a query that is ~1,000 queries/s
   * (the D1 limits FAQ's own example): https://developers.cloudflare.com/d1/platform/limits/
   */
  d1QueriesPerSecond: 1_000,
  /** Largest D1 database on Workers Paid (D1 limits page). */
  d1DatabaseGb: 10,
} as const;

/** The cost of `used` units of a meter in a month. */
export const charge = (m: Meter, used: number): number =>
  Math.max(0, used - m.included) * m.perUnit;

import { z } from 'zod';

// Requests and responses as data, so a simulator runs the same in its Worker, in the test pool
// through the MARKETPLACES binding, and in-process in a unit test with a virtual clock.

export type SimRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
};
export type SimResponse = {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Slow acceptance: the Worker shell waits this long before answering. */
  delayMs?: number;
};

export const json = (
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

export const text = (status: number, body: string, type = 'text/plain'): SimResponse => ({
  status,
  headers: { 'content-type': type },
  body,
});

/** What a misbehaving proxy in front of a marketplace sends. */
export const BAD_GATEWAY_HTML = text(
  502,
  '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
  'text/html',
);

export function headerOf(req: SimRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Faults an admin can inject into one marketplace account (POST /_sim/{marketplace}/faults). */
export const Faults = z.object({
  /** Refuse every request as throttled (Shopify THROTTLED, Amazon 429). */
  throttle: z.boolean().default(false),
  /** Share of requests answered 500/503, 0..1. */
  http5xxRate: z.number().min(0).max(1).default(0),
  /** Share of requests answered by a proxy's HTML 502, 0..1. */
  garbageRate: z.number().min(0).max(1).default(0),
  /** Answers wait this long (slow acceptance). */
  delayMs: z.number().int().min(0).max(60_000).default(0),
  /** Tokens and access tokens are refused as expired until this is turned off. */
  expireCredentials: z.boolean().default(false),
  /** How long a bulk operation or feed takes to complete. */
  bulkMs: z.number().int().min(0).max(600_000).default(1500),
});
export type Faults = z.output<typeof Faults>;
export const FaultsUpdate = Faults.partial();

/** A small seeded generator, so fault injection replays the same way in a test. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

/** The fault, if any, this request draws: garbage, a 5xx, or nothing. */
export function drawFault(faults: Faults, random: () => number): SimResponse | null {
  if (faults.garbageRate > 0 && random() < faults.garbageRate) return BAD_GATEWAY_HTML;
  if (faults.http5xxRate > 0 && random() < faults.http5xxRate) {
    return json(503, { errors: 'Service Unavailable' });
  }
  return null;
}

/** The common admin surface of every simulated account. */
export interface SimAccount {
  handle(req: SimRequest, now: number): Promise<SimResponse>;
  setFaults(update: z.input<typeof FaultsUpdate>): Faults;
  listing(now: number): unknown;
}

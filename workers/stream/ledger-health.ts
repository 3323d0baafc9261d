import { z } from '@hono/zod-openapi';
import { allShards } from '../../shared/stream/rules';
import { streamHub } from '../../shared/stubs';

/** Past this age of the oldest event not yet in D1, the ledger view says `degraded`. */
export const LEDGER_LAG_DEGRADED_SECONDS = 60;

// Each view asks every hub for an aggregate over all its rows: callers in one isolate share one
// answer for this long, and while one of them asks again the others get the answer before it.
// Only plain data is shared: a promise made in one request must not be awaited by another.
const CACHE_MS = 2_000;
const ASKING_AT_MOST_MS = 10_000;

export const LedgerHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  time: z.string(),
  ledger: z.object({
    /** Events the counters have that the D1 ledger does not have yet. */
    unflushedEvents: z.number().int(),
    unflushedSkus: z.number().int(),
    oldestUnflushedAt: z.string().nullable(),
    oldestUnflushedAgeSeconds: z.number().nullable(),
    /** Hubs that did not answer: their SKUs are not counted. */
    shardsUnreachable: z.number().int(),
  }),
});
export type LedgerHealth = z.infer<typeof LedgerHealth>;

let cached: { at: number; view: LedgerHealth } | undefined;
let askingSince: number | undefined;

/** Asks every hub how far the ledger is behind and sums the answers. */
const askHubs = async (env: Env): Promise<LedgerHealth> => {
  const lags = await Promise.allSettled(
    allShards(env).map((shard) => streamHub(env, shard).ledgerLag()),
  );
  const ledger: LedgerHealth['ledger'] = {
    unflushedEvents: 0,
    unflushedSkus: 0,
    oldestUnflushedAt: null,
    oldestUnflushedAgeSeconds: null,
    shardsUnreachable: 0,
  };
  for (const lag of lags) {
    if (lag.status === 'rejected') {
      ledger.shardsUnreachable++;
      continue;
    }
    ledger.unflushedEvents += lag.value.unflushedEvents;
    ledger.unflushedSkus += lag.value.unflushedSkus;
    const oldest = lag.value.oldestUnflushedAt;
    if (oldest !== null && (ledger.oldestUnflushedAt === null || oldest < ledger.oldestUnflushedAt))
      ledger.oldestUnflushedAt = oldest;
  }
  const now = Date.now();
  if (ledger.oldestUnflushedAt !== null) {
    ledger.oldestUnflushedAgeSeconds = Math.max(
      0,
      (now - Date.parse(ledger.oldestUnflushedAt)) / 1000,
    );
  }
  const degraded =
    ledger.shardsUnreachable > 0 ||
    (ledger.oldestUnflushedAgeSeconds ?? 0) > LEDGER_LAG_DEGRADED_SECONDS;
  return { status: degraded ? 'degraded' : 'ok', time: new Date(now).toISOString(), ledger };
};

/** The ledger's lag over every hub: the shared answer of the last few seconds unless `fresh`. */
export const ledgerHealth = async (
  env: Env,
  { fresh }: { fresh: boolean },
  now = Date.now(),
): Promise<LedgerHealth> => {
  if (!fresh && cached !== undefined) {
    const asking = askingSince !== undefined && now - askingSince < ASKING_AT_MOST_MS;
    if (now - cached.at < CACHE_MS || asking) return cached.view;
  }
  askingSince = now;
  try {
    const view = await askHubs(env);
    cached = { at: Date.now(), view };
    return view;
  } finally {
    askingSince = undefined;
  }
};

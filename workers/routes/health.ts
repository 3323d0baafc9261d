import { createRoute, z } from '@hono/zod-openapi';
import { createApp } from '../app';
import { streamHub } from '../stubs';

/** Past this age of the oldest event not yet in D1, health says `degraded`. */
export const LEDGER_LAG_DEGRADED_SECONDS = 60;

const Health = z.object({
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
type Health = z.infer<typeof Health>;

export const healthRoutes = createApp().openapi(
  createRoute({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness, and how far the D1 ledger is behind the counters',
    description:
      'Ledger lag comes from the StreamHubs, which hear every SKU state with its ledger cursor. ' +
      `Status is degraded when a hub does not answer or the oldest unflushed event is older than ${LEDGER_LAG_DEGRADED_SECONDS} s.`,
    responses: {
      200: { description: 'Health', content: { 'application/json': { schema: Health } } },
    },
  }),
  async (c) => {
    const shards = Number(c.env.STREAM_SHARDS) || 1;
    const lags = await Promise.allSettled(
      Array.from({ length: shards }, (_, n) => streamHub(c.env, n).ledgerLag()),
    );
    const ledger: Health['ledger'] = {
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
      if (
        oldest !== null &&
        (ledger.oldestUnflushedAt === null || oldest < ledger.oldestUnflushedAt)
      ) {
        ledger.oldestUnflushedAt = oldest;
      }
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
    const body: Health = {
      status: degraded ? 'degraded' : 'ok',
      time: new Date(now).toISOString(),
      ledger,
    };
    return c.json(body, 200);
  },
);

import { asc, count, eq, gte } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { movements, recommendations, skus } from '../../db/schema';
import { Failure } from '../../protocol/errors';
import { mapLimited } from '../../shared/concurrency';
import { readSettings, storeRecompute } from './store';

/** The Cron Trigger's period (wrangler.toml [triggers]). */
export const CRON_PERIOD_MS = 30 * 60 * 1000;
/** Events reach the D1 ledger a little after they happen (the flush alarm): look back further. */
const FLUSH_SLACK_MS = 10 * 60 * 1000;
/** At most this many SKUs per run from each source, so one run's D1 and RPC cost is bounded. */
export const CHANGED_LIMIT = 400;
export const OPEN_LIMIT = 400;
export const SWEEP_PAGE = 200;
const PARALLEL_OBJECTS = 10;

export type CronReport = {
  skus: number;
  changed: number;
  open: number;
  swept: number;
  /** D1 statements written (inserts, updates, expiries): 0 when nothing moved. */
  written: number;
  failed: { sku: string; code: string }[];
};

/**
 * Which SKUs one run recomputes: those with ledger events since the previous run, those with open
 * recommendations (to expire or refresh them), and one page of a sweep over every SKU that turns
 * with the run's slot (no stored cursor: the slot number picks the page), so a SKU whose demand
 * only moved with time is seen within pages × the period.
 */
export const pickSkus = async (env: Env, scheduledTime: number) => {
  const db = catalogDb(env);
  const since = new Date(scheduledTime - CRON_PERIOD_MS - FLUSH_SLACK_MS).toISOString();
  const [changed, open, total] = await Promise.all([
    db
      .selectDistinct({ sku: movements.sku })
      .from(movements)
      .where(gte(movements.at, since))
      .limit(CHANGED_LIMIT),
    db
      .selectDistinct({ sku: recommendations.sku })
      .from(recommendations)
      .where(eq(recommendations.status, 'open'))
      .limit(OPEN_LIMIT),
    db.select({ n: count() }).from(skus),
  ]);
  const pages = Math.max(1, Math.ceil((total[0]?.n ?? 0) / SWEEP_PAGE));
  const page = Math.floor(scheduledTime / CRON_PERIOD_MS) % pages;
  const swept = await db
    .select({ sku: skus.code })
    .from(skus)
    .orderBy(asc(skus.code))
    .limit(SWEEP_PAGE)
    .offset(page * SWEEP_PAGE);
  const all = new Set([...changed, ...open, ...swept].map((r) => r.sku));
  return { skus: [...all], changed: changed.length, open: open.length, swept: swept.length };
};

/** The scheduled recompute: every picked SKU from its stock view, merged into what is stored. */
export const recomputeScheduled = async (env: Env, scheduledTime: number): Promise<CronReport> => {
  const picked = await pickSkus(env, scheduledTime);
  const settings = await readSettings(env);
  const now = Date.now();
  const failed: CronReport['failed'] = [];
  const written = await mapLimited(picked.skus, PARALLEL_OBJECTS, async (sku) => {
    try {
      return (await storeRecompute(env, sku, settings, now)).writes.length;
    } catch (e) {
      // An expected refusal (a SKU being deleted, say) skips it; anything else fails the run.
      if (!(e instanceof Failure)) throw e;
      failed.push({ sku, code: e.error.code });
      return 0;
    }
  });
  return {
    skus: picked.skus.length,
    changed: picked.changed,
    open: picked.open,
    swept: picked.swept,
    written: written.reduce((a, b) => a + b, 0),
    failed,
  };
};

import { asc, count, gt, inArray, max, sum } from 'drizzle-orm';
import { catalogDb, chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { movementLocations, movements, skus } from '../../db/schema';
import type { ReconcileReport } from '../../protocol/ledger';
import { emptyLevels, LEVEL_FIELDS, type Levels } from '../../protocol/stock';
import { mapLimited } from '../../shared/concurrency';
import { skuStock } from '../../shared/stubs';

const SKU_PAGE = 500;
const PARALLEL_OBJECTS = 25;
/** Reports list at most this many SKUs per section; the counts cover all of them. */
const MAX_ITEMS = 200;

type LedgerHead = { seq: number; rows: number };

/** The ledger folded per SKU and location, and each SKU's head: one query each per chunk. */
const foldLedger = async (env: Env, codes: readonly string[]) => {
  const db = catalogDb(env);
  const heads = new Map<string, LedgerHead>();
  const folded = new Map<string, Map<string, Levels>>();
  for (const part of chunks(codes, MAX_BOUND_PARAMS - 1)) {
    const headRows = await db
      .select({ sku: movements.sku, seq: max(movements.seq), rows: count() })
      .from(movements)
      .where(inArray(movements.sku, part))
      .groupBy(movements.sku);
    for (const r of headRows) heads.set(r.sku, { seq: r.seq ?? 0, rows: r.rows });
    const sums = await db
      .select({
        sku: movementLocations.sku,
        location: movementLocations.location,
        onHand: sum(movementLocations.onHand).mapWith(Number),
        reserved: sum(movementLocations.reserved).mapWith(Number),
        committed: sum(movementLocations.committed).mapWith(Number),
        unavailable: sum(movementLocations.unavailable).mapWith(Number),
        safetyStock: sum(movementLocations.safetyStock).mapWith(Number),
        incoming: sum(movementLocations.incoming).mapWith(Number),
      })
      .from(movementLocations)
      .where(inArray(movementLocations.sku, part))
      .groupBy(movementLocations.sku, movementLocations.location);
    for (const { sku, location, ...levels } of sums) {
      const bySku = folded.get(sku) ?? new Map<string, Levels>();
      bySku.set(location, levels);
      folded.set(sku, bySku);
    }
  }
  return { heads, folded };
};

const describeMismatch = (
  sku: string,
  ledger: ReadonlyMap<string, Levels>,
  live: Record<string, Levels>,
): string | null => {
  const locations = new Set([...ledger.keys(), ...Object.keys(live)]);
  for (const location of locations) {
    const a = ledger.get(location) ?? emptyLevels();
    const b = live[location] ?? emptyLevels();
    for (const f of LEVEL_FIELDS) {
      if (a[f] !== b[f])
        return `SKU ${sku} at ${location}: ${f} is ${a[f]} in the ledger, ${b[f]} in the counter`;
    }
  }
  return null;
};

/**
 * Folds the ledger of a page of catalog SKUs (codes after `after`, at most `limit`), or of the
 * given ones, and compares it with the live counters. Events the counter has and D1 has not are
 * lag; anything else that differs is drift. A page keeps one call's object reads bounded: a call
 * opens every SkuStock it reads (docs/api.md, "Reconcile").
 */
export const reconcile = async (
  env: Env,
  scope: { skus: readonly string[] } | { after: string; limit: number },
): Promise<ReconcileReport> => {
  const only = 'skus' in scope ? scope.skus : undefined;
  const limit = 'skus' in scope ? Number.POSITIVE_INFINITY : scope.limit;
  const startedAt = new Date().toISOString();
  const report: ReconcileReport = {
    startedAt,
    finishedAt: startedAt,
    checkedSkus: 0,
    lag: { skus: 0, events: 0, items: [] },
    drift: { skus: 0, items: [] },
    next: null,
  };
  const drift = (item: ReconcileReport['drift']['items'][number]) => {
    report.drift.skus++;
    if (report.drift.items.length < MAX_ITEMS) report.drift.items.push(item);
  };

  let after = 'skus' in scope ? '' : scope.after;
  for (;;) {
    const page =
      only === undefined
        ? (
            await catalogDb(env)
              .select({ code: skus.code })
              .from(skus)
              .where(gt(skus.code, after))
              .orderBy(asc(skus.code))
              .limit(Math.min(SKU_PAGE, limit - report.checkedSkus + 1))
          ).map((r) => r.code)
        : only.slice(report.checkedSkus, report.checkedSkus + SKU_PAGE);
    if (page.length === 0) break;
    if (only === undefined && report.checkedSkus + page.length > limit) {
      // One row past the limit was read only to learn that more follow.
      page.length = limit - report.checkedSkus;
      report.next = page.at(-1) ?? after;
    }
    if (page.length === 0) break;
    const { heads, folded } = await foldLedger(env, page);
    await mapLimited(page, PARALLEL_OBJECTS, async (sku) => {
      const head = heads.get(sku) ?? { seq: 0, rows: 0 };
      const view = await skuStock(env, sku).ledgerView(head.seq);
      if (!view.ok) return; // not configured: a catalog row whose counter was never created
      const { seq, levelsAtLedgerSeq } = view.value;
      if (head.rows !== head.seq) {
        drift({
          sku,
          kind: 'gap',
          message: `SKU ${sku}: ledger has ${head.rows} events up to seq ${head.seq}`,
        });
      } else if (head.seq > seq) {
        drift({
          sku,
          kind: 'ahead',
          message: `SKU ${sku}: ledger at seq ${head.seq}, counter at ${seq}`,
        });
      } else if (levelsAtLedgerSeq === null) {
        drift({
          sku,
          kind: 'unverifiable',
          message: `SKU ${sku}: counter no longer keeps events after seq ${head.seq}`,
        });
      } else {
        const mismatch = describeMismatch(sku, folded.get(sku) ?? new Map(), levelsAtLedgerSeq);
        if (mismatch) drift({ sku, kind: 'level', message: mismatch });
      }
      if (seq > head.seq) {
        report.lag.skus++;
        report.lag.events += seq - head.seq;
        if (report.lag.items.length < MAX_ITEMS)
          report.lag.items.push({ sku, ledgerSeq: head.seq, seq });
      }
    });
    report.checkedSkus += page.length;
    after = page.at(-1) ?? after;
    if (only !== undefined && report.checkedSkus >= only.length) break;
    if (report.next !== null) break;
  }
  report.lag.items.sort((a, b) => a.sku.localeCompare(b.sku));
  report.drift.items.sort((a, b) => a.sku.localeCompare(b.sku));
  report.finishedAt = new Date().toISOString();
  return report;
};

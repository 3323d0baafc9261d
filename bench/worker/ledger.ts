import { Hono } from 'hono';
import { z } from 'zod';
import type { BenchEnv } from './bench-env';

const Prefix = z.object({ prefix: z.string().min(1).max(64) });

/**
 * Bench-only reads of the D1 ledger that the public API would answer only page by page: how many
 * events it holds for a set of SKUs, and whether any event left a `deny` SKU oversold.
 */
export const benchLedgerRoutes = new Hono<{ Bindings: BenchEnv }>();

// Events and SKUs in the ledger whose code starts with `prefix`.
benchLedgerRoutes.get('/bench/ledger/count', async (c) => {
  const { prefix } = Prefix.parse(c.req.query());
  const row = await c.env.DB.prepare(
    'select count(*) as events, count(distinct sku) as skus from movements where substr(sku, 1, ?1) = ?2',
  )
    .bind(prefix.length, prefix)
    .first<{ events: number; skus: number }>();
  return c.json({ events: row?.events ?? 0, skus: row?.skus ?? 0 });
});

// Every event of a `deny` SKU (code starting with `prefix`) after which some location had fewer
// sellable units than it had promised: onHand − reserved − committed − unavailable − safetyStock
// below 0, read from the levels the event recorded. An empty list means never oversold.
benchLedgerRoutes.get('/bench/ledger/oversold', async (c) => {
  const { prefix } = Prefix.parse(c.req.query());
  const sellable = [
    "json_extract(l.value, '$.onHand')",
    "json_extract(l.value, '$.reserved')",
    "json_extract(l.value, '$.committed')",
    "json_extract(l.value, '$.unavailable')",
    "json_extract(l.value, '$.safetyStock')",
  ].join(' - ');
  const [checked, oversold] = await c.env.DB.batch<{
    events?: number;
    sku?: string;
    seq?: number;
    location?: string;
    sellable?: number;
  }>([
    c.env.DB.prepare(
      `select count(*) as events from movements m join skus s on s.code = m.sku
       where s.backorder_policy = 'deny' and substr(m.sku, 1, ?1) = ?2`,
    ).bind(prefix.length, prefix),
    c.env.DB.prepare(
      `select m.sku as sku, m.seq as seq, json_extract(l.value, '$.location') as location,
              ${sellable} as sellable
       from movements m join skus s on s.code = m.sku, json_each(m.levels) l
       where s.backorder_policy = 'deny' and substr(m.sku, 1, ?1) = ?2 and ${sellable} < 0
       order by m.id limit 50`,
    ).bind(prefix.length, prefix),
  ]);
  return c.json({
    denyEvents: checked?.results[0]?.events ?? 0,
    oversold: oversold?.results ?? [],
  });
});

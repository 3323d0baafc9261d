import { z } from 'zod';
import { devFetch } from '../lib/api.ts';
import { absorbProxyReset, openFiles, workerdPid } from './target.ts';
import type { Target } from './types.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A warehouse, created through the API. */
export const createLocation = async (
  t: Target,
  code: string,
  at: { country: string; latitude: number; longitude: number } = {
    country: 'GB',
    latitude: 53.48,
    longitude: -2.24,
  },
): Promise<void> => {
  await t.api.post('/v1/locations', {
    code,
    name: `Bench ${code}`,
    kind: 'warehouse',
    region: at.country === 'GB' ? 'UK' : 'EU',
    ...at,
  });
};

export type NewSku = { code: string; title?: string; backorderPolicy?: 'deny' | 'continue' };

/** Lines per import request: a few seconds each on tmpfs, clear of the proxy's reset. */
const IMPORT_CHUNK = 2_000;

/** Creates SKUs (catalog rows and their counters) through POST /v1/skus/import, in chunks. */
export const importSkus = async (t: Target, skus: readonly NewSku[]): Promise<void> => {
  for (let i = 0; i < skus.length; i += IMPORT_CHUNK) {
    const body = skus
      .slice(i, i + IMPORT_CHUNK)
      .map((s) => JSON.stringify({ title: `Bench ${s.code}`, ...s }))
      .join('\n');
    // An import creates or updates: one that answered 503 (a call inside the mesh failed under
    // load, as two full connectors runs saw) is sent again, up to three times in all.
    for (let attempt = 1; ; attempt++) {
      const res = await devFetch(
        `${t.url}/v1/skus/import`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/x-ndjson' },
          body,
        },
        300_000,
      );
      const text = await res.text();
      if (res.status === 503 && attempt < 3) continue;
      if (!res.ok) throw new Error(`SKU import answered ${res.status}: ${text.slice(0, 300)}`);
      break;
    }
  }
  await absorbProxyReset(t);
};

export const BatchAnswer = z.object({
  applied: z.number(),
  replayed: z.number(),
  failed: z.number(),
  results: z.array(
    z.object({
      index: z.number(),
      sku: z.string(),
      ok: z.boolean(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type BatchAnswer = z.infer<typeof BatchAnswer>;

/** Most lines POST /v1/movements/batch takes in one request. */
export const MAX_BATCH_LINES = 5_000;

/** One POST /v1/movements/batch. */
export const postBatch = async (t: Target, lines: readonly object[]): Promise<BatchAnswer> => {
  const res = await devFetch(
    `${t.url}/v1/movements/batch`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lines }),
    },
    300_000,
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`batch answered ${res.status}: ${text.slice(0, 300)}`);
  return BatchAnswer.parse(JSON.parse(text));
};

/** Any number of lines, MAX_BATCH_LINES per request, one request after the other. */
export const applyLines = async (t: Target, lines: readonly object[]): Promise<number> => {
  let failed = 0;
  for (let i = 0; i < lines.length; i += MAX_BATCH_LINES) {
    const answer = await postBatch(t, lines.slice(i, i + MAX_BATCH_LINES));
    failed += answer.failed;
  }
  await absorbProxyReset(t);
  return failed;
};

export const Health = z.object({
  ledger: z.object({
    unflushedEvents: z.number(),
    unflushedSkus: z.number(),
    oldestUnflushedAgeSeconds: z.number().nullable(),
    shardsUnreachable: z.number(),
  }),
});
export type Health = z.infer<typeof Health>;

export const health = async (t: Target): Promise<Health> => {
  // The ledger's lag is keyed; an admin may ask the hubs now instead of the cached answer.
  const res = await devFetch(
    `${t.url}/v1/health/ledger?fresh=true`,
    { headers: { authorization: `Bearer ${t.key}` } },
    30_000,
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`health answered ${res.status}: ${text.slice(0, 300)}`);
  return Health.parse(JSON.parse(text));
};

/** Waits until /v1/health/ledger reports no unflushed event; the last health seen if it never does. */
export const waitFlushed = async (t: Target, timeoutMs: number, everyMs = 200) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await health(t);
    if (h.ledger.unflushedEvents === 0 && h.ledger.shardsUnreachable === 0) return h;
    if (Date.now() > deadline) return h;
    await sleep(everyMs);
  }
};

const LedgerCount = z.object({ events: z.number(), skus: z.number() });

/** Events the D1 ledger holds for SKUs whose code starts with `prefix` (bench route). */
export const ledgerCount = async (t: Target, prefix: string) => {
  const res = await devFetch(
    `${t.url}/bench/ledger/count?${new URLSearchParams({ prefix })}`,
    {},
    30_000,
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`/bench/ledger/count answered ${res.status}: ${text.slice(0, 300)}`);
  return LedgerCount.parse(JSON.parse(text));
};

/** Seconds since `from` (a performance.now() value). */
export const secondsSince = (from: number) => (performance.now() - from) / 1000;

/**
 * SKUs loaded at once, at most. workerd keeps an object open ~10 s after its last call, and its
 * process-wide SQLite memory limit fails calls with SQLITE_NOMEM once too many SkuStock objects
 * are open (seen here from 1,500 new objects in one import, and at 2,000-2,600; 1,000 never
 * failed): larger catalogs load in waves, each left to close.
 */
export const WAVE = 1_000;

/** Open files of workerd below which its SkuStock objects have closed (3 files each when open). */
const IDLE_FDS = 400;

/** Waits until workerd has closed its idle objects (its open files fall), at most `timeoutMs`. */
export const waitObjectsClosed = async (t: Target, timeoutMs = 30_000): Promise<number> => {
  const pid = workerdPid(t);
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (openFiles(pid) < IDLE_FDS) break;
    await sleep(500);
  }
  return secondsSince(started);
};

/**
 * Creates SKUs and applies their opening lines (`linesOf` the wave's codes) WAVE at a time,
 * waiting between waves for the last one's objects to close.
 */
export const loadInWaves = async (
  t: Target,
  skus: readonly NewSku[],
  linesOf: (wave: readonly NewSku[]) => object[],
  log?: (line: string) => void,
): Promise<{ failedLines: number; waitedSeconds: number }> => {
  let [failedLines, waitedSeconds] = [0, 0];
  for (let i = 0; i < skus.length; i += WAVE) {
    if (i > 0) waitedSeconds += await waitObjectsClosed(t);
    const wave = skus.slice(i, i + WAVE);
    await importSkus(t, wave);
    failedLines += await applyLines(t, linesOf(wave));
    if (skus.length > WAVE)
      log?.(`    ${Math.min(i + WAVE, skus.length)} of ${skus.length} SKUs loaded`);
  }
  return { failedLines, waitedSeconds };
};

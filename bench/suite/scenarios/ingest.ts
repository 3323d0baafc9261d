import { createLocation, importSkus, MAX_BATCH_LINES, postBatch, secondsSince } from '../setup.ts';
import { absorbProxyReset } from '../target.ts';
import { check, figure, type Scenario, type Size } from '../types.ts';

/**
 * Lines are SKUs × locations: 2,000 SKUs counted at 5 warehouses, not 10,000 SKUs at one, since
 * the local runtime cannot hold 10,000 SkuStock objects open at once (setup.ts, WAVE).
 */
const SIZES = {
  smoke: { runs: 1, skus: 40, locations: 5, requests: 2 },
  quick: { runs: 1, skus: 800, locations: 5, requests: 2 },
  full: { runs: 3, skus: 2_000, locations: 5, requests: 2 },
} satisfies Record<Size, unknown>;

type IngestRun = {
  lines: number;
  seconds: number;
  linesPerSecond: number;
  /** Each request's own time, in order. */
  requestSeconds: number[];
  failed: number;
};

/**
 * A stock count: one `count` line (set on hand) per SKU and location, sent as `requests` batch
 * requests at once (a batch carries at most 5,000 lines).
 */
export const ingest: Scenario = {
  name: 'ingest',
  description:
    'A 10,000-line stock count (2,000 SKUs × 5 warehouses) through POST /v1/movements/batch: lines per second',
  run: async (ctx) => {
    const t = ctx.target;
    const s = { ...SIZES[ctx.size], runs: ctx.runs ?? SIZES[ctx.size].runs };
    const lineCount = s.skus * s.locations;
    const perRequest = Math.ceil(lineCount / s.requests);
    if (perRequest > MAX_BATCH_LINES) throw new Error(`${perRequest} lines in one batch`);
    const locations = Array.from({ length: s.locations }, (_, i) => `INGEST-${i + 1}`);
    for (const code of locations) await createLocation(t, code);
    const skus = Array.from({ length: s.skus }, (_, i) => `IN-${i}`);
    await importSkus(
      t,
      skus.map((code) => ({ code })),
    );
    const runs: IngestRun[] = [];
    for (let run = 1; run <= s.runs; run++) {
      // Each run a recount with new figures, so every line is a change (an event).
      // SKU by SKU, so each request carries whole SKUs (one object call each).
      const lines = skus.flatMap((sku, i) =>
        locations.map((location, l) => ({
          sku,
          op: 'count',
          location,
          onHand: 10 * run + ((i + l) % 97),
          reason: 'cycle_count',
        })),
      );
      const started = performance.now();
      const requestSeconds: number[] = [];
      const answers = await Promise.all(
        Array.from({ length: s.requests }, async (_, r) => {
          const answer = await postBatch(t, lines.slice(r * perRequest, (r + 1) * perRequest));
          requestSeconds[r] = secondsSince(started);
          return answer;
        }),
      );
      const seconds = secondsSince(started);
      await absorbProxyReset(t);
      const r: IngestRun = {
        lines: lines.length,
        seconds,
        linesPerSecond: lines.length / seconds,
        requestSeconds,
        failed: answers.reduce((n, a) => n + a.failed, 0),
      };
      runs.push(r);
      ctx.log(
        `  run ${run}: ${r.lines} lines in ${seconds.toFixed(2)} s, ${Math.round(r.linesPerSecond)} lines/s (${r.failed} failed)`,
      );
    }
    return {
      parameters: { ...s, lines: lineCount, linesPerRequest: perRequest, locations, op: 'count' },
      figures: [
        figure(
          `${lineCount.toLocaleString('en-US')}-line count (${s.skus.toLocaleString('en-US')} SKUs × ${s.locations} locations), ${s.requests} requests at once`,
          'lines/s',
          runs.map((r) => r.linesPerSecond),
        ),
        figure(
          'wall time',
          's',
          runs.map((r) => r.seconds),
          2,
        ),
      ],
      checks: [
        check(
          'every line applied',
          runs.every((r) => r.failed === 0),
          runs.map((r) => `${r.failed} failed`).join(', '),
        ),
      ],
      data: { runs },
    };
  },
};

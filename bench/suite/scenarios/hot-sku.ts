import type { Summary } from '../../counter/report.ts';
import { runCounter } from '../../counter/run.ts';
import { SKU } from '../../counter/scenarios.ts';
import { check, type Figure, figure, type Scenario, type Size, spreadFigure } from '../types.ts';

const SIZES = {
  smoke: { runs: 1, seconds: 0.3, warmupSeconds: 0.2, concurrency: 8 },
  quick: { runs: 1, seconds: 1, warmupSeconds: 0.5, concurrency: 16 },
  full: { runs: 3, seconds: 5, warmupSeconds: 2, concurrency: 16 },
} satisfies Record<Size, unknown>;

/** A row with more failed requests than this fails the scenario. */
const MAX_FAILED_SHARE = 0.01;

const LABELS: Record<string, string> = {
  a: 'SkuStock inside workerd',
  b: 'in-memory counter inside workerd (ceiling)',
  c: 'SkuStock end to end (HTTP)',
  d: 'in-memory counter end to end (HTTP)',
  e: 'wrangler dev proxy, GET /bench/noop',
};

/** bench:counter's five rows (bench/counter/run.ts) as figures. */
export const hotSku: Scenario = {
  name: 'hot-sku',
  description:
    'Holds on ONE SKU: SkuStock against the in-memory counter, inside workerd and end to end',
  run: async (ctx) => {
    const t = ctx.target;
    const settings = { ...SIZES[ctx.size], runs: ctx.runs ?? SIZES[ctx.size].runs };
    const { summaries, ratios } = await runCounter(t, settings, ctx.log);
    const row = (id: string): Summary => {
      const s = summaries.find((x) => x.id === id);
      if (!s) throw new Error(`no row ${id}`);
      return s;
    };
    const figures: Figure[] = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      const s = row(id);
      figures.push(spreadFigure(`${LABELS[id]}: holds/s`, 'holds/s', s.perSecond));
      if (id === 'a' || id === 'c') {
        figures.push(spreadFigure(`${LABELS[id]}: p50`, 'ms', s.p50Ms, 1));
        figures.push(spreadFigure(`${LABELS[id]}: p99`, 'ms', s.p99Ms, 1));
      }
    }
    figures.push(spreadFigure(LABELS.e ?? 'e', 'req/s', row('e').perSecond));
    // Run i of each row ran back to back (interleaved), so each run gives one ratio.
    const perRun = (x: string, y: string) =>
      row(x).runs.map((r, i) => r.perSecond / (row(y).runs[i]?.perSecond ?? Number.NaN));
    figures.push(
      figure('SkuStock / in-memory, inside workerd', 'ratio', perRun('a', 'b'), 3),
      figure('SkuStock / in-memory, end to end', 'ratio', perRun('c', 'd'), 3),
    );
    return {
      parameters: { ...settings, sku: SKU, quantity: 1 },
      figures,
      checks: summaries.map((s) =>
        check(
          `(${s.id}) failures under ${MAX_FAILED_SHARE * 100}%`,
          s.failed <= s.requests * MAX_FAILED_SHARE && s.perSecond.min > 0,
          `${s.failed} of ${s.requests} failed ${JSON.stringify(s.errors)}`,
        ),
      ),
      data: { summaries, ratios },
    };
  },
};

import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../workers/catalog/csv.ts';
import {
  DEFAULT_SETTINGS,
  lossFloor,
  type Result,
  type Sale,
  type Settings,
  salesOf,
  simulate,
  WAREHOUSES,
} from '../../policy/simulate.ts';
import { orderRecords } from '../order-stream.ts';
import { check, type Figure, figure, type Scenario, type Size } from '../types.ts';

// Replenishment policies on the order replay: static reorder points (the common practice) against
// Stockmesh's recommendations (objects/recommendations/policy.ts), on simulated warehouses with
// lead times and limited opening stock. A pure simulation: no server, deterministic, so one run
// is the figure. See bench/README.md ("policy").

/** SKUs replayed (the first ones in code order): the whole stream in full. */
const SKUS: Record<Size, number> = { smoke: 150, quick: 800, full: Number.POSITIVE_INFINITY };

type Variant = { label: string; policy: 'static' | 'stockmesh'; settings: Settings };

const service = (serviceLevel: number, plan: Settings['plan']): Settings => ({
  ...DEFAULT_SETTINGS,
  plan,
  policy: { ...DEFAULT_SETTINGS.policy, serviceLevel },
});

// The frontier: each Stockmesh plan at several service levels (units lost against units held).
const VARIANTS: Variant[] = [
  { label: 'static points, order 7 days', policy: 'static', settings: DEFAULT_SETTINGS },
  {
    label: 'static points, order 14 days',
    policy: 'static',
    settings: { ...DEFAULT_SETTINGS, staticOrderDays: 14 },
  },
  { label: 'Stockmesh, service 95%', policy: 'stockmesh', settings: DEFAULT_SETTINGS },
  { label: 'Stockmesh, service 50%', policy: 'stockmesh', settings: service(0.5, 'location') },
  { label: 'Stockmesh, service 80%', policy: 'stockmesh', settings: service(0.8, 'location') },
  {
    label: 'Stockmesh network pool, service 95%',
    policy: 'stockmesh',
    settings: service(0.95, 'network'),
  },
  {
    label: 'Stockmesh network pool, service 80%',
    policy: 'stockmesh',
    settings: service(0.8, 'network'),
  },
  {
    label: 'Stockmesh network pool, service 50%',
    policy: 'stockmesh',
    settings: service(0.5, 'network'),
  },
];

const recordsOf = (file: string | undefined): string[][] => {
  if (file === undefined) return orderRecords();
  const parsed = parseCsv(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file} line ${parsed.line}: ${parsed.message}`);
  return parsed.records.map((r) => r.fields);
};

const firstSkus = (sales: Sale[], n: number): Sale[] => {
  if (!Number.isFinite(n)) return sales;
  const keep = new Set([...new Set(sales.map((s) => s.sku))].sort().slice(0, n));
  return sales.filter((s) => keep.has(s.sku));
};

const pct = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

export const policy: Scenario = {
  name: 'policy',
  description:
    'replenishment on the order replay: units lost to stockouts and units held, static reorder points vs Stockmesh',
  offline: true,
  run: async ({ size, orders, log }) => {
    const sales = firstSkus(salesOf(recordsOf(orders)), SKUS[size]);
    const skus = new Set(sales.map((s) => s.sku)).size;
    log(
      `  ${sales.length} order lines over ${skus} SKUs at ${WAREHOUSES.length} warehouses` +
        `${orders === undefined ? '' : ` from ${orders}`}; first ${DEFAULT_SETTINGS.historyDays} days are history`,
    );
    const results = new Map<Variant, Result>();
    for (const v of VARIANTS) {
      const started = performance.now();
      const r = simulate(v.policy, sales, WAREHOUSES, v.settings);
      results.set(v, r);
      log(
        `  ${v.label}: lost ${r.unitsLost} of ${r.unitsDemanded} units (${pct(r.unitsLost, r.unitsDemanded).toFixed(1)}%), ` +
          `held ${Math.round(r.averageUnitsHeld)} on average, ${r.supplierOrders} orders, ${r.transfers} transfers ` +
          `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    const figures: Figure[] = [];
    for (const [v, r] of results) {
      figures.push(
        figure(`${v.label}: units lost`, 'units', [r.unitsLost]),
        figure(`${v.label}: share of demand lost`, '%', [pct(r.unitsLost, r.unitsDemanded)], 1),
        figure(`${v.label}: lost where the history had no sale`, 'units', [
          r.unitsLostWithoutHistory,
        ]),
        figure(`${v.label}: stockout SKU-hours`, 'h', [r.stockoutSkuHours]),
        figure(`${v.label}: units held on average`, 'units', [r.averageUnitsHeld]),
        figure(`${v.label}: supplier orders`, 'orders', [r.supplierOrders]),
        figure(`${v.label}: transfers`, 'transfers', [r.transfers]),
      );
    }
    const floor = lossFloor(sales, DEFAULT_SETTINGS);
    figures.push(
      figure('lower bound on units lost (perfect pooling, no look-ahead)', 'units', [floor]),
    );
    const [fixed, fixedMore, mesh, meshLean] = VARIANTS.map((v) => results.get(v));
    const checks = [...results].flatMap(([v, r]) => [
      check(
        `${v.label}: every unit asked for is served or lost`,
        r.unitsServed + r.unitsLost === r.unitsDemanded,
        `${r.unitsServed} + ${r.unitsLost} vs ${r.unitsDemanded}`,
      ),
      check(
        `${v.label}: stock is conserved`,
        r.unitsOnHandAtEnd ===
          r.unitsOpening + r.unitsArrived - r.unitsServed - r.unitsInTransitAtEnd,
        `${r.unitsOnHandAtEnd} on hand = ${r.unitsOpening} + ${r.unitsArrived} − ${r.unitsServed} − ${r.unitsInTransitAtEnd}`,
      ),
      check(
        `${v.label}: loses no fewer units than the lower bound`,
        r.unitsLost >= floor,
        `${r.unitsLost} vs ${floor}`,
      ),
    ]);
    if (fixed && fixedMore && mesh && meshLean) {
      const cut = 1 - mesh.unitsLost / fixed.unitsLost;
      const held = mesh.averageUnitsHeld / fixed.averageUnitsHeld;
      figures.push(
        figure('Stockmesh 95% vs static 7 days: units lost cut by', 'fraction', [cut], 2),
        figure('Stockmesh 95% ÷ static 7 days: units held', 'ratio', [held], 2),
        figure(
          'Stockmesh 50% vs static 14 days: units lost cut by',
          'fraction',
          [1 - meshLean.unitsLost / fixedMore.unitsLost],
          2,
        ),
        figure(
          'Stockmesh 50% ÷ static 14 days: units held',
          'ratio',
          [meshLean.averageUnitsHeld / fixedMore.averageUnitsHeld],
          2,
        ),
      );
      // Every Stockmesh setting against static points (7 days): the frontier.
      let met = false;
      for (const [v, r] of results) {
        if (v.policy !== 'stockmesh' || r === mesh) continue;
        const c = 1 - r.unitsLost / fixed.unitsLost;
        const h = r.averageUnitsHeld / fixed.averageUnitsHeld;
        met ||= c >= 0.5 && h <= 1;
        figures.push(
          figure(`${v.label} vs static 7 days: units lost cut by`, 'fraction', [c], 2),
          figure(`${v.label} ÷ static 7 days: units held`, 'ratio', [h], 2),
        );
      }
      met ||= cut >= 0.5 && held <= 1;
      log(
        `  goal (≥ 50% fewer units lost than static points, holding no more): ${met ? 'met' : 'NOT met'}` +
          ` (Stockmesh 95%: ${(100 * cut).toFixed(0)}% fewer, ${held.toFixed(2)}× the stock)`,
      );
    }
    return {
      parameters: { skus, lines: sales.length, orders: orders ?? 'data/online-retail-2010-12.csv' },
      figures,
      checks,
      data: {
        settings: DEFAULT_SETTINGS,
        variants: VARIANTS.map((v) => ({ ...v, result: results.get(v) })),
      },
    };
  },
};

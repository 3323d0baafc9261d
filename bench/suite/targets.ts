import { formatTable, num } from '../lib/table.ts';
import type { Row } from './report.ts';

// Issue 15's targets, each computed from the figures of one run and judged on the medians:
// `npm run bench` prints them under the figures table and keeps them in the suite's JSON, so a
// change that moves a figure says at once whether it met the goal.

type Goal = { atLeast: number } | { atMost: number };

export type Target = {
  name: string;
  unit: string;
  goal: Goal;
  /** The median it is judged on, or null when the run did not measure it. */
  value: (rows: readonly Row[]) => number | null;
  digits?: number;
};

export type Verdict = {
  name: string;
  unit: string;
  goal: string;
  value: number | null;
  status: 'met' | 'not met' | 'not measured';
};

/** The median of the first figure of `scenario` whose name starts with `prefix`. */
const median = (rows: readonly Row[], scenario: string, prefix: string): number | null => {
  const row = rows.find((r) => r.scenario === scenario && r.figure.figure.startsWith(prefix));
  const v = row?.figure.value.median;
  return v === undefined || !Number.isFinite(v) ? null : v;
};

const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);

export const TARGETS: readonly Target[] = [
  {
    name: 'cart lines held/s ÷ single-SKU holds/s, inside workerd',
    unit: 'ratio',
    goal: { atLeast: 0.7 },
    value: (r) =>
      ratio(
        median(r, 'carts', 'inside workerd: cart lines/s'),
        median(r, 'hot-sku', 'SkuStock inside workerd: holds/s'),
      ),
    digits: 2,
  },
  {
    name: 'real carts inside workerd: p99',
    unit: 'ms',
    goal: { atMost: 100 },
    value: (r) => median(r, 'carts', 'inside workerd: p99'),
  },
  {
    name: '13-day replay: order lines/s',
    unit: 'lines/s',
    goal: { atLeast: 1000 },
    value: (r) => median(r, 'replay', 'order lines'),
  },
  {
    name: 'warehouse ingest',
    unit: 'lines/s',
    goal: { atLeast: 5000 },
    value: (r) => median(r, 'ingest', ''),
  },
  {
    name: 'hot SKU: SkuStock ÷ in-memory, inside workerd',
    unit: 'ratio',
    goal: { atLeast: 0.5 },
    value: (r) => median(r, 'hot-sku', 'SkuStock / in-memory, inside workerd'),
    digits: 3,
  },
  {
    name: 'hot SKU: SkuStock ÷ best PostgreSQL (same run)',
    unit: 'ratio',
    goal: { atLeast: 2 },
    value: (r) => median(r, 'baselines', 'SkuStock / best PostgreSQL'),
    digits: 2,
  },
  {
    name: 'hot SKU: SkuStock ÷ Redis (same run)',
    unit: 'ratio',
    goal: { atLeast: 2 },
    value: (r) => median(r, 'baselines', 'SkuStock / Redis'),
    digits: 2,
  },
  {
    name: 'memory per open SkuStock',
    unit: 'KiB',
    goal: { atMost: 150 },
    value: (r) => median(r, 'memory', 'per open SkuStock'),
  },
  {
    name: 'memory per idle subscriber',
    unit: 'KiB',
    goal: { atMost: 64 },
    value: (r) => median(r, 'memory', 'per open subscriber (0 to'),
  },
  {
    name: '1,000 subscribers: arrival p99',
    unit: 'ms',
    goal: { atMost: 150 },
    value: (r) => median(r, 'propagation', '1,000 subscriber(s): arrival p99'),
  },
];

const goalText = (g: Goal) => ('atLeast' in g ? `≥ ${g.atLeast}` : `≤ ${g.atMost}`);

/** Each target's verdict on this run's figures. */
export const judge = (rows: readonly Row[], targets = TARGETS): Verdict[] =>
  targets.map((t) => {
    const value = t.value(rows);
    const met =
      value === null
        ? null
        : 'atLeast' in t.goal
          ? value >= t.goal.atLeast
          : value <= t.goal.atMost;
    return {
      name: t.name,
      unit: t.unit,
      goal: goalText(t.goal),
      value,
      status: met === null ? 'not measured' : met ? 'met' : 'not met',
    };
  });

export const renderTargets = (verdicts: readonly Verdict[], targets = TARGETS): string =>
  formatTable(
    ['target', 'median', 'goal', 'unit', ''],
    verdicts.map((v, i) => [
      v.name,
      v.value === null ? '–' : num(v.value, targets[i]?.digits ?? 0),
      v.goal,
      v.unit,
      v.status,
    ]),
  );

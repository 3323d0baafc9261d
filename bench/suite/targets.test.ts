import { describe, expect, it } from 'vitest';
import { spread } from '../lib/stats.ts';
import type { Row } from './report.ts';
import { judge } from './targets.ts';

const row = (scenario: string, figure: string, values: number[]): Row => ({
  scenario,
  figure: { figure, unit: '', value: spread(values) },
});

describe('issue 15 targets', () => {
  it('judges each target on the medians, across scenarios, and says what was not measured', () => {
    const rows = [
      row('hot-sku', 'SkuStock inside workerd: holds/s', [900, 1000, 1100]),
      row('hot-sku', 'SkuStock / in-memory, inside workerd', [0.4, 0.5, 0.9]),
      row('carts', 'inside workerd: cart lines/s', [600, 650, 700]),
      row('carts', 'inside workerd: p99', [90, 120, 150]),
      row('memory', 'per open subscriber (0 to 1,000)', [64]),
      row('baselines', 'SkuStock / best PostgreSQL', [0.67, 0.89, 1.04]),
    ];
    const byName = new Map(judge(rows).map((v) => [v.name, v]));
    expect(byName.get('cart lines held/s ÷ single-SKU holds/s, inside workerd')).toMatchObject({
      value: 0.65,
      status: 'not met',
    });
    expect(byName.get('real carts inside workerd: p99')).toMatchObject({
      value: 120,
      goal: '≤ 100',
      status: 'not met',
    });
    expect(byName.get('hot SKU: SkuStock ÷ in-memory, inside workerd')).toMatchObject({
      value: 0.5,
      status: 'met',
    });
    expect(byName.get('memory per idle subscriber')).toMatchObject({ value: 64, status: 'met' });
    expect(byName.get('hot SKU: SkuStock ÷ best PostgreSQL (same run)')).toMatchObject({
      value: 0.89,
      goal: '≥ 2',
      status: 'not met',
    });
    expect(byName.get('hot SKU: SkuStock ÷ Redis (same run)')).toMatchObject({
      status: 'not measured',
    });
    expect(byName.get('13-day replay: order lines/s')).toMatchObject({
      value: null,
      status: 'not measured',
    });
  });
});

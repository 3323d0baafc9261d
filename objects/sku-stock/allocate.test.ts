import { describe, expect, it } from 'vitest';
import type { Levels } from '../../protocol/stock';
import { type AllocateInput, allocate } from './allocate';
import { emptyLevels } from './levels';

const input = (
  onHand: Record<string, number>,
  over: Partial<AllocateInput> = {},
): AllocateInput => ({
  sku: 'TEE-BLK-M',
  policy: 'deny',
  levels: new Map(
    Object.entries(onHand).map(([l, n]): [string, Levels] => [l, { ...emptyLevels(), onHand: n }]),
  ),
  eligible: Object.keys(onHand),
  quantity: 1,
  allowSplit: false,
  ...over,
});

describe('allocate: where a hold takes its units', () => {
  it('takes them all from the first eligible location that has them all', () => {
    expect(allocate(input({ 'CHI-1': 2, 'NYC-1': 5, 'LAX-1': 9 }, { quantity: 4 }))).toEqual({
      ok: true,
      value: [{ location: 'NYC-1', quantity: 4 }],
    });
  });

  it('splits across eligible locations in order when allowed', () => {
    const r = allocate(
      input({ 'CHI-1': 2, 'NYC-1': 1, 'LAX-1': 3 }, { quantity: 5, allowSplit: true }),
    );
    expect(r).toEqual({
      ok: true,
      value: [
        { location: 'CHI-1', quantity: 2 },
        { location: 'NYC-1', quantity: 1 },
        { location: 'LAX-1', quantity: 2 },
      ],
    });
  });

  it('refuses a shortfall under deny, naming every location and hinting at a split', () => {
    const r = allocate(input({ 'CHI-1': 2, 'NYC-1': 3 }, { quantity: 4 }));
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'insufficient_stock',
        message:
          'SKU TEE-BLK-M: requested 4, available 2 at CHI-1, 3 at NYC-1 (enough in total: allow a split)',
        details: {
          sku: 'TEE-BLK-M',
          requested: 4,
          available: [
            { location: 'CHI-1', available: 2 },
            { location: 'NYC-1', available: 3 },
          ],
        },
      },
    });
  });

  it('refuses without the hint when the locations together are short too', () => {
    const r = allocate(input({ 'CHI-1': 2, 'NYC-1': 1 }, { quantity: 4, allowSplit: true }));
    expect(r.ok ? '' : r.error.message).toBe(
      'SKU TEE-BLK-M: requested 4, available 2 at CHI-1, 1 at NYC-1',
    );
  });

  it('overdraws the shortfall at the first eligible location under continue', () => {
    expect(
      allocate(
        input({ 'CHI-1': 1, 'NYC-1': 2 }, { quantity: 5, allowSplit: true, policy: 'continue' }),
      ),
    ).toEqual({
      ok: true,
      value: [
        { location: 'CHI-1', quantity: 3 },
        { location: 'NYC-1', quantity: 2 },
      ],
    });
    expect(allocate(input({ 'CHI-1': 1 }, { quantity: 4, policy: 'continue' }))).toEqual({
      ok: true,
      value: [{ location: 'CHI-1', quantity: 4 }],
    });
  });

  it('refuses a hold with no eligible location', () => {
    const r = allocate(input({}, { quantity: 1 }));
    expect(r.ok ? '' : r.error.message).toBe('SKU TEE-BLK-M: no eligible location to hold from');
  });
});

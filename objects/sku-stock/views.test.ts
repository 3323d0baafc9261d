import { describe, expect, it } from 'vitest';
import { err } from '../../protocol/errors';
import type { MutationOutcome } from '../../protocol/stock';
import { lineOutcome } from './views';

const outcome = (event: Partial<MutationOutcome['event']>) =>
  ({
    replayed: false,
    event: { seq: 8, holdId: null, transferId: null, ...event },
  }) as MutationOutcome;

describe('lineOutcome: one line of a batch answer', () => {
  it('gives the seq and only the ids the change made', () => {
    expect(lineOutcome({ ok: true, value: outcome({}) })).toEqual({
      ok: true,
      replayed: false,
      seq: 8,
    });
    expect(
      lineOutcome({ ok: true, value: { ...outcome({ holdId: 'h_1' }), replayed: true } }),
    ).toEqual({
      ok: true,
      replayed: true,
      seq: 8,
      holdId: 'h_1',
    });
  });

  it('gives an expected failure with whether it was replayed', () => {
    const refused = err('insufficient_stock', 'short');
    expect(lineOutcome(refused)).toEqual({ ok: false, replayed: false, error: refused.error });
    expect(lineOutcome({ ...refused, replayed: true })).toEqual({
      ok: false,
      replayed: true,
      error: refused.error,
    });
  });
});

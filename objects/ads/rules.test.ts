import { describe, expect, it } from 'vitest';
import { AdsRules } from '../../protocol/ads';
import { coverOf, judge, type SkuFacts } from './rules';

const rules = AdsRules.parse({
  pauseAtListed: 0,
  resumeAtListed: 3,
  pauseUnderCoverDays: 2,
  resumeCoverMarginDays: 1,
});
const facts = (listed: number | null, soldOut: boolean, cover?: number): SkuFacts => ({
  listed,
  soldOut,
  locations:
    cover === undefined ? {} : { MAN: { available: null, coverDays: cover, ratePerDay: null } },
});

describe('the ads rules', () => {
  it('pause at listed 0 and hold until listed reaches resumeAtListed', () => {
    expect(judge(facts(0, false), rules)).toMatchObject({
      soldOut: true,
      changed: true,
      rule: 'listed 0 ≤ 0',
    });
    expect(judge(facts(2, true), rules)).toMatchObject({
      soldOut: true,
      changed: false,
      threshold: 3,
    });
    expect(judge(facts(3, true), rules)).toMatchObject({ soldOut: false, changed: true });
  });

  it('pause under N days of cover and resume only at N + margin', () => {
    expect(judge(facts(10, false, 1.5), rules)).toMatchObject({
      soldOut: true,
      rule: 'cover 1.5 d < 2 d',
    });
    expect(judge(facts(10, true, 2.5), rules)).toMatchObject({ soldOut: true, changed: false });
    expect(judge(facts(10, true, 3), rules)).toMatchObject({ soldOut: false, changed: true });
  });

  it('flips exactly twice per full swing however often a quantity wavers around the threshold', () => {
    let state = facts(5, false);
    let flips = 0;
    for (let i = 0; i < 1000; i++) {
      const listed = [0, 1, 2, 1, 0, 2][i % 6] ?? 0;
      const v = judge({ ...state, listed }, rules);
      if (v.changed) flips++;
      state = { ...state, listed, soldOut: v.soldOut };
    }
    expect(flips).toBe(1);
  });

  it('computes cover from total available over total rate when every location gave both', () => {
    expect(
      coverOf({
        locations: {
          A: { available: 4, ratePerDay: 2, coverDays: 2 },
          B: { available: 6, ratePerDay: 0, coverDays: null },
        },
      }),
    ).toBe(5);
  });
});

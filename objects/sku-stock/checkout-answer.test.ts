import { describe, expect, it } from 'vitest';
import { availability } from './checkout-answer';
import { emptyLevels } from './levels';

describe('availability', () => {
  it('gives the sellable units per location, never below 0 under deny', () => {
    const levels = new Map([
      ['MAN-1', { ...emptyLevels(), onHand: 10, reserved: 3, committed: 2, safetyStock: 1 }],
      ['LON-1', { ...emptyLevels(), onHand: 1, reserved: 4 }],
    ]);
    expect(availability({ policy: 'deny', levels })).toEqual({
      policy: 'deny',
      available: { 'MAN-1': 4, 'LON-1': 0 },
    });
  });

  it('shows the overdraft of a continue SKU as negative units', () => {
    const levels = new Map([['MAN-1', { ...emptyLevels(), onHand: 1, reserved: 4 }]]);
    expect(availability({ policy: 'continue', levels })).toEqual({
      policy: 'continue',
      available: { 'MAN-1': -3 },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { demandUnits } from './demand-units';

describe('demandUnits', () => {
  it('counts units a commit moves into committed, per location', () => {
    const u = demandUnits('commit', [
      { location: 'MAN-1', reserved: -3, committed: 3 },
      { location: 'LON-1', reserved: -2, committed: 2 },
    ]);
    expect([...u]).toEqual([
      ['MAN-1', 3],
      ['LON-1', 2],
    ]);
  });

  it('counts a paid hold and takes a cancelled order back', () => {
    expect([...demandUnits('hold', [{ location: 'MAN-1', committed: 4 }])]).toEqual([['MAN-1', 4]]);
    expect([...demandUnits('cancel', [{ location: 'MAN-1', committed: -4 }])]).toEqual([
      ['MAN-1', -4],
    ]);
  });

  it('does not count a ship, nor moves that leave committed alone', () => {
    expect(demandUnits('ship', [{ location: 'MAN-1', onHand: -3, committed: -3 }]).size).toBe(0);
    expect(demandUnits('hold', [{ location: 'MAN-1', reserved: 2 }]).size).toBe(0);
    expect(demandUnits('receive', [{ location: 'MAN-1', onHand: 9 }]).size).toBe(0);
  });
});

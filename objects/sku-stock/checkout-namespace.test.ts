import { describe, expect, it } from 'vitest';
import type { Command } from '../../protocol/stock';
import { refuseCheckoutNamespace } from './checkout-namespace';

const cartHold = `r_${'0123456789abcdef'.repeat(2)}:1.0`;
const code = (cmd: Command, key?: string) => {
  const r = refuseCheckoutNamespace(cmd, key);
  return r.ok ? 'ok' : r.error.code;
};

describe('refuseCheckoutNamespace', () => {
  it("refuses a client's hold, extend, release or commit naming a cart's hold id", () => {
    expect(code({ op: 'hold', quantity: 1, holdId: cartHold })).toBe('validation_failed');
    expect(code({ op: 'extend', holdId: cartHold, ttlSeconds: 5 })).toBe('validation_failed');
    expect(code({ op: 'release', holdId: cartHold })).toBe('validation_failed');
    expect(code({ op: 'commit', holdId: cartHold })).toBe('validation_failed');
  });

  it('lets a committed cart hold be shipped, cancelled and returned against', () => {
    expect(code({ op: 'ship', holdId: cartHold })).toBe('ok');
    expect(code({ op: 'cancel', holdId: cartHold })).toBe('ok');
    expect(
      code({ op: 'return', location: 'A', quantity: 1, disposition: 'restock', holdId: cartHold }),
    ).toBe('ok');
  });

  it('accepts ids that only look alike', () => {
    expect(code({ op: 'hold', quantity: 1, holdId: 'r_123:1.0' })).toBe('ok');
    expect(code({ op: 'hold', quantity: 1, holdId: `x${cartHold}` })).toBe('ok');
    expect(code({ op: 'hold', quantity: 1 })).toBe('ok');
  });

  it("refuses keys in Checkout's namespace on any command, and names the key", () => {
    const r = refuseCheckoutNamespace({ op: 'receive', location: 'A', quantity: 1 }, 'co:x');
    expect(r.ok ? '' : r.error.message).toContain('co:x');
    expect(code({ op: 'receive', location: 'A', quantity: 1 }, 'cox')).toBe('ok');
  });
});

import { describe, expect, it } from 'vitest';
import { checkHeader, parseMovement } from './parse-line.ts';

const columns = ['sku', 'op', 'location', 'quantity', 'reason'];

describe('a movements file line', () => {
  it('reads quantity as what each op needs: received units, the count, the signed change', () => {
    expect(parseMovement(columns, ['A', 'receive', 'MAN-1', '5', 'po_receipt'])).toEqual({
      ok: true,
      line: { sku: 'A', op: 'receive', location: 'MAN-1', quantity: 5, reason: 'po_receipt' },
    });
    expect(parseMovement(columns, ['A', 'count', 'MAN-1', '0', ''])).toEqual({
      ok: true,
      line: { sku: 'A', op: 'count', location: 'MAN-1', onHand: 0 },
    });
    expect(parseMovement(columns, ['A', 'adjust', 'MAN-1', '-2', 'damaged'])).toEqual({
      ok: true,
      line: { sku: 'A', op: 'adjust', location: 'MAN-1', delta: -2, reason: 'damaged' },
    });
  });

  it('names the field and the rule a bad line breaks', () => {
    expect(parseMovement(columns, ['A', 'receive', 'MAN-1', 'x', ''])).toEqual({
      ok: false,
      message: 'quantity: Invalid input: expected number, received string',
    });
    expect(parseMovement(columns, ['A', 'adjust', 'MAN-1', '0', ''])).toEqual({
      ok: false,
      message: 'quantity (delta): delta must not be zero',
    });
    expect(parseMovement(columns, ['A', 'ship', 'MAN-1', '1', ''])).toMatchObject({ ok: false });
    expect(parseMovement(columns, ['A', 'count', 'MAN-1'])).toEqual({
      ok: false,
      message: '3 fields, the header has 5',
    });
  });

  it('refuses a header with an unknown or missing column, and accepts the report columns', () => {
    expect(checkHeader(['sku', 'op', 'location', 'qty'])).toMatch(/^unknown column qty/);
    expect(checkHeader(['sku', 'op', 'location'])).toBe('missing column quantity');
    expect(checkHeader(['line', 'error', 'message', ...columns])).toBeUndefined();
  });
});

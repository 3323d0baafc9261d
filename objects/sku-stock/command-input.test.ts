import { describe, expect, it } from 'vitest';
import { checkVersion, parseCommand } from './command-input';

describe('a command before it is decided', () => {
  it('is parsed, or refused naming the first issue and listing every one', () => {
    expect(parseCommand({ op: 'receive', location: 'CHI-1', quantity: 3 })).toEqual({
      ok: true,
      value: { op: 'receive', location: 'CHI-1', quantity: 3 },
    });
    const r = parseCommand({ op: 'receive', location: 'CHI-1', quantity: -1 });
    expect(r.ok ? '' : r.error.code).toBe('validation_failed');
    expect(r.ok ? '' : r.error.message).toMatch(/^quantity: /);
    expect(r.ok ? [] : r.error.details?.issues).toHaveLength(1);
  });

  it('is refused with version_conflict when it expects another seq', () => {
    expect(checkVersion({ sku: 'TEE-BLK-M', seq: 7 }, undefined).ok).toBe(true);
    expect(checkVersion({ sku: 'TEE-BLK-M', seq: 7 }, 7).ok).toBe(true);
    expect(checkVersion({ sku: 'TEE-BLK-M', seq: 7 }, 6)).toEqual({
      ok: false,
      error: {
        code: 'version_conflict',
        message: 'SKU TEE-BLK-M: expected seq 6, current seq 7',
        details: { sku: 'TEE-BLK-M', expectedSeq: 6, seq: 7 },
      },
    });
  });
});

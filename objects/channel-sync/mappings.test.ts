import { describe, expect, it } from 'vitest';
import { FakeMapping } from './fake-marketplace';
import { validateMappings } from './mappings';

const line = (n: number, sku: string, fields: Record<string, unknown>) => ({
  line: n,
  sku,
  fields,
});

describe('validating a mapping import', () => {
  it('parses every line with the adapter’s mapping schema', () => {
    const result = validateMappings(
      [line(2, 'A', { id: 'a-1' }), line(3, 'B', { id: 'b-1' })],
      FakeMapping,
    );
    expect(result).toEqual({
      ok: true,
      value: [
        { sku: 'A', external: { id: 'a-1' } },
        { sku: 'B', external: { id: 'b-1' } },
      ],
    });
  });

  it('refuses the whole import for one bad line, naming every problem by line', () => {
    const result = validateMappings(
      [line(2, 'A', { id: 'a-1' }), line(3, 'B', {}), line(4, 'A', { id: 'a-2' })],
      FakeMapping,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('validation_failed');
    expect(result.error.message).toMatch(/^2 invalid lines, nothing imported; first: line 3: id:/);
    expect(result.error.details?.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^id: /) },
      { line: 4, message: 'SKU A repeats line 2' },
    ]);
  });

  it('refuses an empty import and one over the line limit', () => {
    expect(validateMappings([], FakeMapping)).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    const many = Array.from({ length: 20_001 }, (_, n) => line(n + 2, `S${n}`, { id: `${n}` }));
    expect(validateMappings(many, FakeMapping)).toMatchObject({
      ok: false,
      error: { code: 'too_many_lines' },
    });
  });
});

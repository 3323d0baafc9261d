import { describe, expect, it } from 'vitest';
import { parseMappingImport } from './mapping-import';

describe('reading a mapping import', () => {
  it('reads NDJSON lines as the SKU and the mapping fields', () => {
    const text =
      '{"sku":"85123A","sellerSku":"HEART-1"}\n\n{"sku":"71053","sellerSku":"LANTERN"}\n';
    expect(parseMappingImport('ndjson', text)).toEqual({
      ok: true,
      value: [
        { line: 1, sku: '85123A', fields: { sellerSku: 'HEART-1' } },
        { line: 3, sku: '71053', fields: { sellerSku: 'LANTERN' } },
      ],
    });
  });

  it('reads CSV with a header row; an empty cell leaves its field out', () => {
    const text = 'sku,inventoryItemId,note\n85123A,gid://shopify/InventoryItem/1,\n';
    expect(parseMappingImport('csv', text)).toEqual({
      ok: true,
      value: [
        { line: 2, sku: '85123A', fields: { inventoryItemId: 'gid://shopify/InventoryItem/1' } },
      ],
    });
  });

  it('names every malformed line, and imports nothing', () => {
    const text = '{"sku":"A"}\nnot json\n{"sku":"-bad"}\n[1]\n';
    const result = parseMappingImport('ndjson', text);
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        message: '3 invalid lines, nothing imported; first: line 2: not valid JSON',
      },
    });
    if (result.ok) return;
    expect(result.error.details?.errors).toHaveLength(3);
  });

  it('refuses a CSV header without a sku column', () => {
    expect(parseMappingImport('csv', 'code,sellerSku\nA,B\n')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
  });

  it('refuses more than 20,000 lines, and none', () => {
    const many = Array.from({ length: 20_001 }, (_, n) => `{"sku":"S${n}","id":"x"}`).join('\n');
    expect(parseMappingImport('ndjson', many)).toMatchObject({
      ok: false,
      error: { code: 'too_many_lines' },
    });
    expect(parseMappingImport('csv', 'sku,id\n')).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { cartLines, indexMappings, mapLines } from './mapping';

const line = (ref: string, quantity = 1) => ({ lineId: null, ref, quantity });

describe('mapLines', () => {
  it('maps Amazon seller SKUs through the mappings, and by code where a SKU has none', () => {
    const index = indexMappings('amazon', [
      { sku: '85123A', external: { sellerSku: 'SM-85123A' } },
    ]);
    const known = new Set(['85123A', '71053']);
    expect(
      mapLines(
        'amazon',
        [line('SM-85123A'), line('71053'), line('85123A'), line('NOPE')],
        index,
        known,
      ),
    ).toEqual([
      { lineId: null, ref: 'SM-85123A', quantity: 1, sku: '85123A', unmapped: null },
      { lineId: null, ref: '71053', quantity: 1, sku: '71053', unmapped: null },
      // 85123A is listed on Amazon as SM-85123A: a line naming "85123A" is not it.
      { lineId: null, ref: '85123A', quantity: 1, sku: null, unmapped: 'no_mapping' },
      { lineId: null, ref: 'NOPE', quantity: 1, sku: null, unmapped: 'not_in_catalog' },
    ]);
  });

  it('maps Shopify lines only to SKUs the connection maps', () => {
    const index = indexMappings('shopify', [
      { sku: 'TEE', external: { inventoryItemId: 'gid://shopify/InventoryItem/1' } },
    ]);
    const known = new Set(['TEE', 'MUG']);
    expect(mapLines('shopify', [line('TEE'), line('MUG')], index, known).map((l) => l.sku)).toEqual(
      ['TEE', null],
    );
  });

  it('makes one cart line per SKU, quantities summed', () => {
    const index = indexMappings('webhook', []);
    const lines = mapLines(
      'webhook',
      [line('B', 2), line('A', 1), line('B', 3)],
      index,
      new Set(['A', 'B']),
    );
    expect(cartLines(lines)).toEqual([
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 5 },
    ]);
  });
});

import type { InboundKind, OrderLine } from '../../protocol/orders';
import type { InboundLine } from './event';

// A marketplace line names its item the marketplace's way; the channel's connection mappings
// (GET /v1/channels/{code}/mappings) say which of our SKUs that is. Never guessed: a line is
// mapped by an explicit mapping, or by the connector's default mapping (Amazon seller SKU and
// webhook code default to our SKU code) for a SKU that has no explicit one; else it is reported.

/** The channel's mappings, turned around: the marketplace's name for an item → our SKU. */
export type MappingIndex = { byRef: Map<string, string>; mapped: Set<string> };

/** The reverse index of one page of mappings, added to `index`. */
export const indexMappings = (
  kind: InboundKind,
  items: readonly { sku: string; external: Record<string, unknown> }[],
  index: MappingIndex = { byRef: new Map(), mapped: new Set() },
): MappingIndex => {
  for (const { sku, external } of items) {
    index.mapped.add(sku);
    // Shopify maps SKU ↔ inventory item, and order lines carry the variant's SKU: our code.
    const ref = kind === 'shopify' ? sku : kind === 'amazon' ? external.sellerSku : external.code;
    if (typeof ref === 'string') index.byRef.set(ref, sku);
  }
  return index;
};

/** Our SKU for a line's ref, or null; `defaults` when the kind maps unmapped SKUs by code. */
export const skuOf = (kind: InboundKind, ref: string, index: MappingIndex): string | null => {
  const explicit = index.byRef.get(ref);
  if (explicit !== undefined) return explicit;
  if (kind === 'shopify') return null;
  return index.mapped.has(ref) ? null : ref;
};

/** Every line with its SKU or why it has none; `known` holds the SKUs the catalog has. */
export const mapLines = (
  kind: InboundKind,
  lines: readonly InboundLine[],
  index: MappingIndex,
  known: ReadonlySet<string>,
): OrderLine[] =>
  lines.map((l) => {
    const sku = skuOf(kind, l.ref, index);
    const base = { lineId: l.lineId, ref: l.ref, quantity: l.quantity };
    if (sku === null) return { ...base, sku: null, unmapped: 'no_mapping' };
    if (!known.has(sku)) return { ...base, sku: null, unmapped: 'not_in_catalog' };
    return { ...base, sku, unmapped: null };
  });

/** The cart for the mapped lines: one line per SKU, quantities summed, in SKU order. */
export const cartLines = (lines: readonly OrderLine[]): { sku: string; quantity: number }[] => {
  const bySku = new Map<string, number>();
  for (const l of lines) if (l.sku !== null) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  return [...bySku]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
};

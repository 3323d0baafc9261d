import { z } from 'zod';
import type { ItemOutcome, ParsedPush, PushItem } from '../adapter';
import { retryAll } from './http';
import { gid, type ShopifySettings, UserError } from './shopify-graphql';

// One `inventorySetQuantities` call: its variables and the outcome of each of its items, shared by
// the per-item path (shopify.ts) and the bulk path's JSONL lines (shopify-bulk.ts).

export const ShopifyMapping = z.object({ inventoryItemId: gid('InventoryItem') });
export type ShopifyMapping = z.output<typeof ShopifyMapping>;

/** The variables of one `inventorySetQuantities` call: what the bulk JSONL lines carry too. */
export function setVariables(
  items: { inventoryItemId: string; quantity: number; changeFrom: number | null }[],
  settings: ShopifySettings,
  attempt: string,
  key: string,
) {
  return {
    input: {
      name: 'available',
      reason: settings.reason,
      referenceDocumentUri: `gid://stockmesh/PushAttempt/${encodeURIComponent(attempt)}`,
      quantities: items.map((i) => ({
        inventoryItemId: i.inventoryItemId,
        locationId: settings.locationId,
        quantity: i.quantity,
        // Required explicitly from 2026-04; null opts out of the compare-and-set (never pushed).
        changeFromQuantity: i.changeFrom,
      })),
    },
    key,
  };
}

export function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function mapped(item: PushItem): ShopifyMapping {
  return ShopifyMapping.parse(item.external);
}

export const SetPayload = z.object({
  inventorySetQuantities: z
    .object({
      inventoryAdjustmentGroup: z.object({ id: z.string() }).nullish(),
      userErrors: z.array(UserError),
    })
    .nullish(),
});

/**
 * The outcome of each item of one `inventorySetQuantities` call. The mutation is all or nothing:
 * one refused quantity refuses the call, so the other items are sent again.
 */
export function setOutcomes(
  items: PushItem[],
  payload: z.output<typeof SetPayload>,
): {
  items: ItemOutcome[];
  fatal?: ParsedPush['fatal'];
} {
  const result = payload.inventorySetQuantities;
  if (!result) return { items: retryAll(items, 'Shopify returned no result for the mutation') };
  if (result.userErrors.length === 0) {
    return { items: items.map((i) => ({ sku: i.sku, status: 'accepted', quantity: i.quantity })) };
  }
  const byIndex = new Map<number, z.output<typeof UserError>>();
  let fatal: ParsedPush['fatal'];
  for (const e of result.userErrors) {
    const f = e.field ?? [];
    const index = f[1] === 'quantities' && f[2] !== undefined ? Number(f[2]) : Number.NaN;
    // Checked before the index: Shopify names a quantity (`input.quantities.<i>.locationId`) for
    // an unknown location, but every quantity carries the connection's one location setting.
    if (
      ['INVALID_LOCATION', 'INVALID_REASON', 'INVALID_NAME', 'INVALID_REFERENCE_DOCUMENT'].includes(
        e.code ?? '',
      )
    ) {
      fatal = { code: 'settings_invalid', message: `Shopify: ${e.code}: ${e.message}` };
    } else if (Number.isInteger(index)) byIndex.set(index, e);
    else {
      for (let i = 0; i < items.length; i++) if (!byIndex.has(i)) byIndex.set(i, e);
    }
  }
  const outcomes = items.map((item, i): ItemOutcome => {
    const e = byIndex.get(i);
    if (!e)
      return {
        sku: item.sku,
        status: 'retry',
        message: 'not applied: Shopify refused another item of the same call',
      };
    switch (e.code) {
      case 'CHANGE_FROM_QUANTITY_STALE':
      // A failed or mismatched earlier use of this key: re-read and push under a new attempt.
      case 'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED':
      case 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH':
        return { sku: item.sku, status: 'stale', actual: null };
      case 'IDEMPOTENCY_CONCURRENT_REQUEST':
        return { sku: item.sku, status: 'retry', message: e.message };
      default:
        return {
          sku: item.sku,
          status: 'rejected',
          code: e.code ?? 'shopify_user_error',
          message: `SKU ${item.sku} (${mapped(item).inventoryItemId}): ${e.message}`,
        };
    }
  });
  return fatal ? { items: retryAll(items, fatal.message), fatal } : { items: outcomes };
}

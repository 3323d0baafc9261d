import type { ItemOutcome, PushItem } from './adapter';
import type { Totals } from './counters';
import type { ItemError, SyncItem } from './item';

// What the marketplace's answer to an attempt does to each SKU's state.

/** The SKU's state after the marketplace answered `outcome` for what the attempt sent. */
export const applyOutcome = (
  item: SyncItem,
  sent: PushItem,
  outcome: ItemOutcome | undefined,
  now: number,
): SyncItem => {
  if (outcome === undefined) return item;
  switch (outcome.status) {
    case 'accepted':
      return { ...item, pushed: outcome.quantity, pushedAt: now, reread: false, rejected: null };
    case 'stale':
      // The marketplace holds something else: take its figure, or read it before pushing again.
      return {
        ...withError(item, {
          code: 'stale',
          message: `the marketplace held ${outcome.actual ?? 'another quantity'} where ${sent.pushed ?? 'nothing'} was expected`,
          at: now,
        }),
        pushed: outcome.actual,
        reread: outcome.actual === null,
      };
    case 'rejected':
      return {
        ...withError(item, { code: outcome.code, message: outcome.message, at: now }),
        rejected: {
          quantity: sent.quantity,
          code: outcome.code,
          message: outcome.message,
          at: now,
        },
      };
    case 'retry':
      return withError(item, { code: 'retry', message: outcome.message, at: now });
  }
};

/** Records the SKU's last error; the same error again keeps its first time (no rewrite per retry). */
const withError = (item: SyncItem, error: ItemError): SyncItem =>
  item.error !== null && item.error.code === error.code && item.error.message === error.message
    ? item
    : { ...item, error };

/** Adds an attempt's outcomes to the totals; an item without an outcome counts as retried. */
export const countOutcomes = (
  totals: Totals,
  sent: readonly PushItem[],
  outcomes: readonly ItemOutcome[],
): Totals => {
  const t = { ...totals, pushed: totals.pushed + sent.length };
  const bySku = new Map(outcomes.map((o) => [o.sku, o]));
  for (const item of sent) {
    const status = bySku.get(item.sku)?.status ?? 'retry';
    if (status === 'accepted') t.accepted++;
    else if (status === 'stale') t.stale++;
    else if (status === 'rejected') t.rejected++;
    else t.retried++;
  }
  return t;
};

/** Did anything of the attempt go through (the gate resets), or did nothing (it backs off)? */
export const anyProgress = (outcomes: readonly ItemOutcome[]): boolean =>
  outcomes.some((o) => o.status !== 'retry');

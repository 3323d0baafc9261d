import { z } from 'zod';
import type { ActionReason, AdsRules, AdsTarget } from '../../protocol/ads';
import type { SignalEvent } from '../../protocol/webhooks';
import type { SkuFacts } from './rules';
import { judge } from './rules';
import { emptyFacts, foldSignal } from './signals';
import type { AdsStore } from './store';

// Signals in, actions queued: each signal is folded into its SKU's facts once (by id), the rules
// judge the SKU, and every entity mapped to a SKU whose verdict changed is reconsidered. An
// entity is paused while every SKU it serves is sold out. At most one action per entity waits:
// a newer decision supersedes a queued one, so noisy signals never act twice.

/** Signal ids are remembered this long (the producer re-sends within minutes, not days). */
export const SEEN_TTL_MS = 7 * 24 * 3_600_000;

/** A SKU's facts as saved (sold out is a column of its own). */
const StoredFacts = z.object({
  listed: z.number().nullable(),
  locations: z.record(
    z.string(),
    z.object({
      available: z.number().nullable(),
      coverDays: z.number().nullable(),
      ratePerDay: z.number().nullable(),
    }),
  ),
});

export type SignalTally = { received: number; duplicates: number; queued: number };

/** What an entity should be, given its SKUs' verdicts. */
export function targetOf(store: AdsStore, entity: string): AdsTarget {
  const skus = store.skusOfEntity(entity);
  if (skus.length === 0) return 'serving';
  return store.soldOutSkus(skus).size === skus.length ? 'paused' : 'serving';
}

/** Queues the action that brings the entity to its target, superseding a queued one that no longer fits. */
export function reconsider(
  store: AdsStore,
  entity: string,
  reason: ActionReason,
  now: number,
): boolean {
  const row = store.entity(entity);
  if (row === undefined) return false;
  const target = targetOf(store, entity);
  const open = store.openActions(entity);
  const waiting = open.find((a) => a.status === 'queued');
  const sending = open.find((a) => a.status === 'sending');
  // What the entity will be once what is already under way lands.
  const expected = sending ? targetOfAction(sending.action) : row.pushed;
  if (waiting !== undefined) {
    if (targetOfAction(waiting.action) === target) return false;
    store.updateAction(waiting.id, {
      status: 'superseded',
      doneAt: now,
      error: `superseded: ${reason.rule}`,
    });
  }
  if (target === expected) return false;
  store.addAction({
    entity,
    sku: reason.sku,
    action: target === 'paused' ? 'pause' : 'resume',
    status: 'queued',
    reason: JSON.stringify(reason),
    attempts: 0,
    error: null,
    createdAt: now,
    doneAt: null,
  });
  return true;
}

export const targetOfAction = (action: string): AdsTarget =>
  action === 'pause' ? 'paused' : 'serving';

function factsOf(store: AdsStore, sku: string): SkuFacts {
  const row = store.sku(sku);
  if (row === undefined) return emptyFacts();
  const facts: Omit<SkuFacts, 'soldOut'> = StoredFacts.parse(JSON.parse(row.facts));
  return { ...facts, soldOut: row.soldOut };
}

/** Folds signals in (each id once) and queues the actions they call for. */
export function applySignals(
  store: AdsStore,
  events: readonly SignalEvent[],
  ctx: { channel: string; rules: AdsRules; now: number },
): SignalTally {
  const tally: SignalTally = { received: events.length, duplicates: 0, queued: 0 };
  for (const e of events) {
    if (!store.firstSight(e.id, ctx.now)) {
      tally.duplicates++;
      continue;
    }
    if (e.sku === undefined) continue;
    const before = factsOf(store, e.sku);
    const facts = foldSignal(before, e, ctx.channel);
    if (facts === null) continue;
    const verdict = judge(facts, ctx.rules);
    const { soldOut: _, ...kept } = facts;
    store.saveSku(e.sku, kept, verdict.soldOut, ctx.now);
    if (!verdict.changed) continue;
    const reason: ActionReason = {
      rule: verdict.rule,
      sku: e.sku,
      eventId: e.id,
      listed: verdict.listed,
      coverDays: verdict.coverDays,
      threshold: verdict.threshold,
    };
    for (const m of store.mappingsOf(e.sku)) {
      if (reconsider(store, m.entity, reason, ctx.now)) tally.queued++;
    }
  }
  return tally;
}

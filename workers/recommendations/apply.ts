import { and, eq } from 'drizzle-orm';
import { catalogDb } from '../../db/client';
import { nowIso, recommendations } from '../../db/schema';
import type { Principal } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import {
  type AppliedOperation,
  type ApplyResult,
  RecommendationBasis,
} from '../../protocol/recommendations';
import type { Command, StockView } from '../../protocol/stock';
import { canActAtLocation } from '../../shared/auth/can-act';
import { assertKnownSku } from '../../shared/catalog/known-skus';
import { skuStock } from '../../shared/stubs';
import { prepareCommand } from '../stock/prepare';
import { toRecommendation } from './store';
import { streamRecommendations } from './stream';

type Row = typeof recommendations.$inferSelect;

/**
 * Every apply sends its stock operation as this one caller, so the idempotency key
 * `rec:<id>:<revision>` means the same operation whichever API key applies it (SkuStock keeps
 * idempotency records per caller); who applied it is kept in the recommendation's `applied.by`.
 */
export const APPLY_ACTOR = 'recommendations';

/** The idempotency key of one revision of a recommendation (docs/recommendations.md). */
export const applyKey = (id: string, revision: number) => `rec:${id}:${revision}`;

/** The stock operation a recommendation performs: the manual route's command, word for word. */
export const commandFor = (row: Row): Command =>
  row.kind === 'transfer' && row.fromLocation !== null
    ? {
        op: 'transfer-out',
        // One transfer id per revision: a second transfer for the same revision is refused too.
        transferId: applyKey(row.id, row.revision),
        from: row.fromLocation,
        to: row.location,
        quantity: row.quantity,
        reason: 'recommendation',
        ref: row.id,
      }
    : {
        op: 'expect',
        location: row.location,
        quantity: row.quantity,
        reason: 'recommendation',
        ref: row.id,
      };

/** Locations whose available units moved since the recommendation was computed. */
export const changedSince = (basis: Record<string, number>, view: StockView) =>
  Object.entries(basis).flatMap(([location, then]) => {
    const now = view.locations.find((l) => l.location === location)?.available ?? 0;
    return now === then ? [] : [{ location, was: then, now }];
  });

const readRow = async (env: Env, id: string) => {
  const [row] = await catalogDb(env)
    .select()
    .from(recommendations)
    .where(eq(recommendations.id, id));
  return row;
};

const stale = (row: Row, message: string, details: Record<string, number | string>) =>
  new Failure({
    code: 'recommendation_stale',
    message: `Recommendation ${row.id} (${row.kind} of ${row.sku}, revision ${row.revision}): ${message}; recompute and apply the new one`,
    details: { id: row.id, revision: row.revision, ...details },
  });

/**
 * Applies an open recommendation through the same path as the manual operation (role, catalog and
 * SkuStock's own checks), once per revision. Refused as `recommendation_stale` when the caller saw
 * an older revision or available units at its locations moved since its basis; then nothing is
 * sent. A repeat answers the first result with `replayed: true`.
 */
export const applyRecommendation = async (
  env: Env,
  principal: Principal,
  id: string,
  revision: number | undefined,
): Promise<ApplyResult> => {
  const row = await readRow(env, id);
  if (row === undefined)
    throw new Failure({ code: 'not_found', message: `No recommendation ${id}` });
  const concerned = row.fromLocation === null ? [row.location] : [row.fromLocation, row.location];
  const outside = concerned.find((l) => !canActAtLocation(principal, l));
  if (outside !== undefined) {
    throw new Failure({
      code: 'forbidden',
      message: `Key ${principal.keyId} may not apply recommendation ${id}: not allowed at ${outside}`,
      details: { role: principal.role, location: outside },
    });
  }
  if (revision !== undefined && revision !== row.revision) {
    throw stale(row, `revision ${revision} was asked, it is at ${row.revision}`, {
      asked: revision,
    });
  }
  if (row.status === 'applied') return { recommendation: toRecommendation(row), replayed: true };
  if (row.status !== 'open') {
    throw new Failure({
      code: 'invalid_state',
      message: `Recommendation ${id} is ${row.status}: only an open one can be applied`,
      details: { status: row.status },
    });
  }
  const { command, scope } = await prepareCommand(env, principal, commandFor(row));
  await assertKnownSku(env, row.sku);
  const stock = skuStock(env, row.sku);
  const view = await stock.getStock();
  if (!view.ok) throw new Failure(view.error);
  const moved = changedSince(RecommendationBasis.parse(JSON.parse(row.basis)), view.value);
  if (moved.length > 0) {
    // A concurrent apply of this revision may be what moved them.
    const again = await readRow(env, id);
    if (again?.status === 'applied' && again.revision === row.revision) {
      return { recommendation: toRecommendation(again), replayed: true };
    }
    const first = moved[0];
    throw stale(
      row,
      moved.map((m) => `${m.location} had ${m.was} available, now ${m.now}`).join('; '),
      first === undefined ? {} : { location: first.location, was: first.was, now: first.now },
    );
  }
  const key = applyKey(row.id, row.revision);
  const result = await stock.apply(command, { key, actor: APPLY_ACTOR, scope });
  if (!result.ok) throw new Failure(result.error);
  const { event } = result.value;
  const applied: AppliedOperation = {
    op: command.op === 'transfer-out' ? 'transfer-out' : 'expect',
    quantity: row.quantity,
    seq: event.seq,
    transferId: event.transferId,
    idempotencyKey: key,
    by: principal.keyId,
  };
  const [after] = await catalogDb(env)
    .update(recommendations)
    .set({
      status: 'applied',
      appliedAt: new Date().toISOString(),
      applied: JSON.stringify(applied),
      updatedAt: nowIso,
    })
    .where(
      and(
        eq(recommendations.id, id),
        eq(recommendations.status, 'open'),
        eq(recommendations.revision, row.revision),
      ),
    )
    .returning();
  if (after !== undefined) {
    const recommendation = toRecommendation(after);
    await streamRecommendations(env, [{ change: 'applied', recommendation }]);
    return { recommendation, replayed: result.value.replayed };
  }
  // A concurrent apply of the same revision recorded it first: the same operation, replayed.
  const recorded = await readRow(env, id);
  if (recorded === undefined) throw new Error(`recommendation ${id} vanished while applied`);
  return { recommendation: toRecommendation(recorded), replayed: true };
};

import { drizzle } from 'drizzle-orm/d1';
import { chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { movementLocations, movements } from '../../db/schema';
import type { StockEvent } from '../../protocol/stock';

/** Where a SkuStock's outbox goes. Writing the same events twice must change nothing. */
export interface LedgerSink {
  write(events: readonly StockEvent[]): Promise<void>;
}

const MOVEMENT_COLUMNS = 14;
const LOCATION_COLUMNS = 9;

/** The D1 ledger: one atomic `batch()` per flush, idempotent on (sku, seq). */
export const d1LedgerSink = (binding: D1Database): LedgerSink => ({
  async write(events) {
    const db = drizzle(binding);
    const rows = events.map((e) => ({
      sku: e.sku,
      seq: e.seq,
      type: e.type,
      at: e.at,
      actor: e.actor,
      reason: e.reason,
      ref: e.ref,
      idempotencyKey: e.idempotencyKey,
      holdId: e.holdId,
      transferId: e.transferId,
      deltas: JSON.stringify(e.deltas),
      levels: JSON.stringify(e.levels),
      totals: JSON.stringify(e.totals),
    }));
    const lines = events.flatMap((e) =>
      e.deltas.map((d) => ({
        sku: e.sku,
        seq: e.seq,
        location: d.location,
        onHand: d.onHand ?? 0,
        reserved: d.reserved ?? 0,
        committed: d.committed ?? 0,
        unavailable: d.unavailable ?? 0,
        safetyStock: d.safetyStock ?? 0,
        incoming: d.incoming ?? 0,
      })),
    );
    const statements = [
      ...chunks(rows, Math.floor(MAX_BOUND_PARAMS / MOVEMENT_COLUMNS)).map((part) =>
        db.insert(movements).values(part).onConflictDoNothing(),
      ),
      ...chunks(lines, Math.floor(MAX_BOUND_PARAMS / LOCATION_COLUMNS)).map((part) =>
        db.insert(movementLocations).values(part).onConflictDoNothing(),
      ),
    ];
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
  },
});

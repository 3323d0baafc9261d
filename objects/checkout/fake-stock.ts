import { err, ok, type Result } from '../../protocol/errors';
import type { Levels, StockView } from '../../protocol/stock';
import { decide, type HoldRecord } from '../sku-stock/decide';
import { applyDelta, emptyLevels } from '../sku-stock/levels';
import { stockView } from '../sku-stock/views';
import type { CallResult, StockCall } from './saga';

type Sku = {
  levels: Map<string, Levels>;
  holds: Map<string, HoldRecord>;
  /** Idempotency records: key → the command it came with and its first answer. */
  keys: Map<string, { command: string; result: CallResult }>;
  seq: number;
};

/**
 * SkuStock's rules (the same `decide`) over Maps, for testing the saga without the runtime:
 * replays by idempotency key, refuses a reused key, and expires holds lazily by `now()`.
 */
export class FakeStock {
  readonly skus = new Map<string, Sku>();
  /** Calls that reached a counter (replays included), for counting resends. */
  applied = 0;

  constructor(private readonly now: () => number) {}

  receive(sku: string, location: string, quantity: number): void {
    const s = this.sku(sku);
    const l = s.levels.get(location) ?? emptyLevels();
    s.levels.set(location, applyDelta(l, { location, onHand: quantity }));
  }

  view(sku: string): StockView {
    const s = this.sku(sku);
    this.expire(s);
    return stockView({ sku, policy: 'deny', seq: s.seq, levels: s.levels });
  }

  hold(sku: string, holdId: string): HoldRecord | undefined {
    return this.sku(sku).holds.get(holdId);
  }

  readStock = async (skus: readonly string[]): Promise<Map<string, Result<StockView>>> =>
    new Map(
      skus.map((sku) => [
        sku,
        this.skus.has(sku) ? ok(this.view(sku)) : err('unknown_sku', `no SKU ${sku}`),
      ]),
    );

  call = async (calls: readonly StockCall[]): Promise<CallResult[]> =>
    calls.map((c) => this.apply(c));

  apply(c: StockCall): CallResult {
    this.applied++;
    const s = this.sku(c.sku);
    this.expire(s);
    const command = JSON.stringify(c.command);
    const prior = c.key === undefined ? undefined : s.keys.get(c.key);
    if (prior) {
      return prior.command === command
        ? prior.result
        : { ok: false, error: { code: 'idempotency_key_reused', message: `key ${c.key} reused` } };
    }
    const holdId = 'holdId' in c.command ? c.command.holdId : undefined;
    const decided = decide({ sku: c.sku, policy: 'deny', levels: s.levels }, c.command, {
      now: this.now(),
      hold: holdId === undefined ? undefined : s.holds.get(holdId),
      scope: { channels: null, locations: null },
      newId: (p) => `${p}_${s.seq}`,
      // Checkout only holds, commits and releases: no transfer is ever open here.
      inTransit: () => 0,
    });
    const result: CallResult = decided.ok ? { ok: true } : { ok: false, error: decided.error };
    if (decided.ok) this.record(s, decided.value.deltas, decided.value.hold);
    if (c.key !== undefined) s.keys.set(c.key, { command, result });
    return result;
  }

  private record(s: Sku, deltas: Parameters<typeof applyDelta>[1][], hold?: HoldRecord) {
    for (const d of deltas)
      s.levels.set(d.location, applyDelta(s.levels.get(d.location) ?? emptyLevels(), d));
    if (hold) s.holds.set(hold.id, hold);
    s.seq++;
  }

  private expire(s: Sku): void {
    const now = this.now();
    for (const h of s.holds.values()) {
      if (h.status !== 'held' || h.expiresAt === null || h.expiresAt > now) continue;
      const deltas = h.allocations.map((a) => ({ location: a.location, reserved: -a.quantity }));
      this.record(s, deltas, { ...h, status: 'expired', expiresAt: null, updatedAt: now });
    }
  }

  private sku(code: string): Sku {
    let s = this.skus.get(code);
    if (!s) {
      s = { levels: new Map(), holds: new Map(), keys: new Map(), seq: 0 };
      this.skus.set(code, s);
    }
    return s;
  }
}

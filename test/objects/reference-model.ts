// An independent, deliberately plain model of one SKU's counter, written apart
// from objects/sku-stock so that the property tests compare two implementations, not one.

export type Qty = {
  onHand: number;
  reserved: number;
  committed: number;
  unavailable: number;
  safetyStock: number;
  incoming: number;
};
type Hold = {
  status: string;
  allocs: { location: string; quantity: number; shipped: number }[];
  expiresAt: number | null;
  returned: number;
};
type Transfer = { to: string; quantity: number; received: number };

export type ModelOp =
  | { op: 'receive'; location: string; quantity: number; fromIncoming?: boolean }
  | { op: 'expect'; location: string; quantity: number }
  | { op: 'adjust'; location: string; delta: number }
  | { op: 'count'; location: string; onHand: number }
  | { op: 'mark-unavailable'; location: string; quantity: number }
  | { op: 'release-unavailable'; location: string; quantity: number; dispose: boolean }
  | { op: 'set-safety-stock'; location: string; quantity: number }
  | {
      op: 'hold';
      holdId: string;
      quantity: number;
      locations: string[];
      allowSplit: boolean;
      commit: boolean;
      ttlSeconds: number;
    }
  | { op: 'extend'; holdId: string; ttlSeconds: number }
  | { op: 'release' | 'commit' | 'cancel'; holdId: string }
  | { op: 'ship'; holdId: string; quantity?: number }
  | { op: 'transfer-out'; transferId: string; from: string; to: string; quantity: number }
  | { op: 'transfer-in'; transferId: string; quantity?: number }
  | { op: 'return'; location: string; quantity: number; disposition: 'restock' | 'inspect' };

const zero = (): Qty => ({
  onHand: 0,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
});

export class ReferenceModel {
  readonly levels = new Map<string, Qty>();
  readonly holds = new Map<string, Hold>();
  readonly transfers = new Map<string, Transfer>();
  seq = 0;

  constructor(readonly policy: 'deny' | 'continue') {}

  private at(location: string): Qty {
    let q = this.levels.get(location);
    if (!q) {
      q = zero();
      this.levels.set(location, q);
    }
    return q;
  }

  private free(location: string): number {
    const q = this.at(location);
    return q.onHand - q.reserved - q.committed - q.unavailable;
  }

  available(location: string): number {
    const raw = this.free(location) - this.at(location).safetyStock;
    return this.policy === 'deny' ? Math.max(0, raw) : raw;
  }

  /** Units on their way to `location` on transfers not yet received there. */
  inTransit(location: string): number {
    let sum = 0;
    for (const t of this.transfers.values()) if (t.to === location) sum += t.quantity - t.received;
    return sum;
  }

  backordered(location: string): number {
    const q = this.at(location);
    return Math.max(0, q.reserved + q.committed + q.unavailable - q.onHand);
  }

  /** Expires due holds the way the object must: each one an event of its own. */
  expire(now: number): void {
    const due = [...this.holds.entries()]
      .filter(([, h]) => h.status === 'held' && h.expiresAt !== null && h.expiresAt <= now)
      .sort((a, b) => (a[1].expiresAt ?? 0) - (b[1].expiresAt ?? 0));
    for (const [, h] of due) {
      for (const a of h.allocs) this.at(a.location).reserved -= a.quantity;
      h.status = 'expired';
      h.expiresAt = null;
      this.seq++;
    }
  }

  /** Applies an operation; returns the error code that refuses it, or null when it applies. */
  apply(o: ModelOp, now: number): string | null {
    this.expire(now);
    const code = this.applyOp(o, now);
    if (code === null) this.seq++;
    return code;
  }

  private applyOp(o: ModelOp, now: number): string | null {
    switch (o.op) {
      case 'receive': {
        const q = this.at(o.location);
        // A purchase-order receipt may use up what was expected, never a transfer's units.
        if (o.fromIncoming)
          q.incoming -= Math.min(o.quantity, Math.max(0, q.incoming - this.inTransit(o.location)));
        q.onHand += o.quantity;
        return null;
      }
      case 'expect':
        this.at(o.location).incoming += o.quantity;
        return null;
      case 'adjust':
        if (o.delta < 0 && this.free(o.location) < -o.delta) return 'insufficient_stock';
        this.at(o.location).onHand += o.delta;
        return null;
      case 'count':
        this.at(o.location).onHand = o.onHand;
        return null;
      case 'mark-unavailable':
        if (this.free(o.location) < o.quantity) return 'insufficient_stock';
        this.at(o.location).unavailable += o.quantity;
        return null;
      case 'release-unavailable': {
        const q = this.at(o.location);
        if (q.unavailable < o.quantity || (o.dispose && q.onHand < o.quantity))
          return 'insufficient_stock';
        q.unavailable -= o.quantity;
        if (o.dispose) q.onHand -= o.quantity;
        return null;
      }
      case 'set-safety-stock':
        this.at(o.location).safetyStock = o.quantity;
        return null;
      case 'hold':
        return this.hold(o, now);
      case 'extend':
      case 'release':
      case 'commit': {
        const h = this.holds.get(o.holdId);
        if (!h) return 'unknown_hold';
        if (h.status !== 'held') return h.status === 'expired' ? 'hold_expired' : 'invalid_state';
        if (o.op === 'extend') h.expiresAt = now + o.ttlSeconds * 1000;
        else {
          for (const a of h.allocs) {
            this.at(a.location).reserved -= a.quantity;
            if (o.op === 'commit') this.at(a.location).committed += a.quantity;
          }
          h.status = o.op === 'commit' ? 'committed' : 'released';
          h.expiresAt = null;
        }
        return null;
      }
      case 'cancel': {
        const h = this.holds.get(o.holdId);
        if (!h) return 'unknown_hold';
        if (h.status !== 'committed')
          return h.status === 'expired' ? 'hold_expired' : 'invalid_state';
        for (const a of h.allocs) this.at(a.location).committed -= a.quantity - a.shipped;
        h.status = 'cancelled';
        return null;
      }
      case 'ship':
        return this.ship(o);
      case 'transfer-out': {
        if (this.transfers.has(o.transferId)) return 'already_exists';
        if (this.free(o.from) < o.quantity) return 'insufficient_stock';
        this.at(o.from).onHand -= o.quantity;
        this.at(o.to).incoming += o.quantity;
        this.transfers.set(o.transferId, { to: o.to, quantity: o.quantity, received: 0 });
        return null;
      }
      case 'transfer-in': {
        const t = this.transfers.get(o.transferId);
        if (!t) return 'unknown_transfer';
        const left = t.quantity - t.received;
        const q = o.quantity ?? left;
        if (left === 0 || q > left) return 'invalid_state';
        t.received += q;
        this.at(t.to).incoming -= q;
        this.at(t.to).onHand += q;
        return null;
      }
      case 'return':
        this.at(o.location).onHand += o.quantity;
        if (o.disposition === 'inspect') this.at(o.location).unavailable += o.quantity;
        return null;
    }
  }

  private hold(o: Extract<ModelOp, { op: 'hold' }>, now: number): string | null {
    if (this.holds.has(o.holdId)) return 'already_exists';
    let picks: { location: string; quantity: number }[] | null = null;
    const avail = o.locations.map((l) => ({ l, a: Math.max(0, this.available(l)) }));
    const whole = avail.find((x) => x.a >= o.quantity);
    if (whole) picks = [{ location: whole.l, quantity: o.quantity }];
    else {
      let left = o.quantity;
      const parts: { location: string; quantity: number }[] = [];
      if (o.allowSplit) {
        for (const x of avail) {
          const take = Math.min(x.a, left);
          if (take > 0) parts.push({ location: x.l, quantity: take });
          left -= take;
        }
      }
      if (left === 0) picks = parts;
      else if (this.policy === 'continue') {
        const first = o.locations[0] as string;
        const existing = parts.find((p) => p.location === first);
        if (existing) existing.quantity += left;
        else parts.unshift({ location: first, quantity: left });
        picks = parts;
      }
    }
    if (!picks) return 'insufficient_stock';
    for (const p of picks) {
      if (o.commit) this.at(p.location).committed += p.quantity;
      else this.at(p.location).reserved += p.quantity;
    }
    this.holds.set(o.holdId, {
      status: o.commit ? 'committed' : 'held',
      allocs: picks.map((p) => ({ ...p, shipped: 0 })),
      expiresAt: o.commit ? null : now + o.ttlSeconds * 1000,
      returned: 0,
    });
    return null;
  }

  private ship(o: Extract<ModelOp, { op: 'ship' }>): string | null {
    const h = this.holds.get(o.holdId);
    if (!h) return 'unknown_hold';
    if (h.status !== 'committed') return h.status === 'expired' ? 'hold_expired' : 'invalid_state';
    const left = h.allocs.reduce((s, a) => s + a.quantity - a.shipped, 0);
    const q = o.quantity ?? left;
    if (q > left) return 'invalid_state';
    let rest = q;
    const plan = h.allocs.map((a) => {
      const take = Math.min(a.quantity - a.shipped, rest);
      rest -= take;
      return take;
    });
    if (
      h.allocs.some((a, i) => (plan[i] ?? 0) > 0 && this.at(a.location).onHand < (plan[i] ?? 0))
    ) {
      return 'insufficient_stock';
    }
    h.allocs.forEach((a, i) => {
      const take = plan[i] ?? 0;
      a.shipped += take;
      this.at(a.location).onHand -= take;
      this.at(a.location).committed -= take;
    });
    if (h.allocs.every((a) => a.shipped === a.quantity)) h.status = 'shipped';
    return null;
  }
}

import type { Allocation, BackorderPolicy, LevelDelta, Levels } from '../../protocol/stock';

export type HoldRecord = {
  id: string;
  status: 'held' | 'committed' | 'shipped' | 'released' | 'expired' | 'cancelled';
  quantity: number;
  channel: string | null;
  /** The ref the hold was placed with (a cart's reservation id, an order id), or null. */
  ref: string | null;
  allocations: Allocation[];
  returned: number;
  /** Epoch ms; null once the hold no longer expires (committed or ended). */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
};

export type TransferRecord = {
  id: string;
  from: string;
  to: string;
  quantity: number;
  received: number;
  createdAt: number;
  updatedAt: number;
};

export type StockState = {
  sku: string;
  policy: BackorderPolicy;
  levels: ReadonlyMap<string, Levels>;
};

/** Who may be touched: null means unrestricted. Checked here for what only the object knows. */
export type Scope = { channels: readonly string[] | null; locations: readonly string[] | null };

export type DecideContext = {
  now: number;
  /** The hold the command names, if it exists. */
  hold?: HoldRecord;
  /** The transfer the command names, if it exists. */
  transfer?: TransferRecord;
  scope: Scope;
  newId: (prefix: string) => string;
  /**
   * Units on their way to `location` on open transfers: incoming that only those transfers'
   * receipts may take.
   */
  inTransit: (location: string) => number;
};

/** What applying a command changes; the caller persists it atomically. */
export type Decision = {
  deltas: LevelDelta[];
  reason: string;
  hold?: HoldRecord;
  transfer?: TransferRecord;
};

import type { AppError } from '../../protocol/errors';
import type {
  OrderHold,
  OrderLine,
  OrderStatus,
  OrderView,
  Shortfall,
} from '../../protocol/orders';
import type { OrderEvent, Source } from './event';

// One marketplace order as ChannelOrders keeps it (JSON in its SQLite), and as the API shows it.

export type OrderRecord = {
  orderId: string;
  status: OrderStatus;
  source: Source | null;
  lines: OrderLine[];
  reservationId: string | null;
  holds: OrderHold[];
  shortfall: Shortfall[];
  failure: AppError | null;
  refunds: string[];
  /** Refunds that arrived before their order, applied once it is reserved. */
  waiting: Extract<OrderEvent, { type: 'refund' }>[];
  notes: { at: number; message: string }[];
  createdAt: number;
  updatedAt: number;
};

/** A record for an order id first met by `source` at `now`. */
export const newRecord = (orderId: string, source: Source, now: number): OrderRecord => ({
  orderId,
  status: 'pending',
  source,
  lines: [],
  reservationId: null,
  holds: [],
  shortfall: [],
  failure: null,
  refunds: [],
  waiting: [],
  notes: [],
  createdAt: now,
  updatedAt: now,
});

/** The record with a note added (at most the last 20 kept). */
export const noted = (r: OrderRecord, message: string, now: number): OrderRecord => ({
  ...r,
  notes: [...r.notes, { at: now, message }].slice(-20),
  updatedAt: now,
});

const iso = (ms: number) => new Date(ms).toISOString();

export const orderView = (channel: string, r: OrderRecord): OrderView => ({
  channel,
  orderId: r.orderId,
  status: r.status,
  source: r.source,
  lines: r.lines,
  reservationId: r.reservationId,
  holds: r.holds,
  shortfall: r.shortfall,
  failure: r.failure,
  refunds: r.refunds,
  notes: r.notes.map((n) => ({ at: iso(n.at), message: n.message })),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

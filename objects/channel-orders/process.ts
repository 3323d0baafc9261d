import type { AppError } from '../../protocol/errors';
import type { OrderHold, OrderLine, Shortfall } from '../../protocol/orders';
import type { InboundLine, OrderEvent, Source } from './event';
import { cartLines } from './mapping';
import { newRecord, noted, type OrderRecord } from './record';

// What one event does to one order, with the stock calls injected: an order is reserved and
// committed once (a later copy of it changes nothing), a cancellation gives back what is still
// committed, a refund with restock gives back its units. Events may come in any order: a
// cancellation before its order leaves a cancelled record the order then finds; a refund before
// its order waits in the record.

export type ReserveOutcome =
  | { kind: 'committed'; reservationId: string; holds: OrderHold[] }
  | { kind: 'oversold'; reservationId: string; shortfall: Shortfall[] }
  | { kind: 'failed'; error: AppError };

export type HoldState = 'committed' | 'shipped' | 'other';

export type Ports = {
  now(): number;
  /** Maps the lines with the channel's mappings and the catalog. */
  map(lines: readonly InboundLine[]): Promise<OrderLine[]>;
  /** Reserves and commits the cart for the order (idempotent on the order id). */
  reserve(orderId: string, lines: { sku: string; quantity: number }[]): Promise<ReserveOutcome>;
  /**
   * Tells the channel's sync that the marketplace already took these units off its count (once per
   * order id; best effort: a compare-and-set push catches a missed one).
   */
  expectSold(orderId: string, lines: { sku: string; quantity: number }[]): Promise<void>;
  /** Tells the channel's sync that the marketplace put a cancelled order's units back (once). */
  expectRestocked(orderId: string, lines: { sku: string; quantity: number }[]): Promise<void>;
  holdState(hold: OrderHold): Promise<HoldState>;
  /** Cancels a committed hold (idempotent on `key`). */
  cancel(hold: OrderHold, key: string): Promise<AppError | null>;
  /** Returns units to stock at the hold's location (idempotent on `key`). */
  restock(hold: OrderHold, quantity: number, key: string): Promise<AppError | null>;
};

/** The record after the event; `record` is undefined for an order not seen before. */
export const apply = async (
  record: OrderRecord | undefined,
  event: OrderEvent,
  source: Source,
  ports: Ports,
): Promise<OrderRecord> => {
  const now = ports.now();
  const r = record ?? newRecord(event.orderId, source, now);
  switch (event.type) {
    case 'order':
      return r.status === 'pending' ? placeOrder(r, event.lines, source, ports) : r;
    case 'cancel':
      return cancelOrder(r, ports);
    case 'refund':
      if (r.refunds.includes(event.refundId)) return r;
      if (r.status === 'pending') {
        if (r.waiting.some((w) => w.refundId === event.refundId)) return r;
        return { ...r, waiting: [...r.waiting, event], updatedAt: now };
      }
      return refund(r, event, ports);
  }
};

const placeOrder = async (
  pending: OrderRecord,
  inbound: readonly InboundLine[],
  source: Source,
  ports: Ports,
): Promise<OrderRecord> => {
  const lines = await ports.map(inbound);
  const base: OrderRecord = { ...pending, source, lines };
  const cart = cartLines(lines);
  let r: OrderRecord;
  if (cart.length === 0) {
    r = noted(
      { ...base, status: 'unmapped' },
      'No line maps to a SKU: nothing reserved',
      ports.now(),
    );
  } else {
    const out = await ports.reserve(pending.orderId, cart);
    // After the reservation, whatever became of it: the marketplace sold the units either way,
    // and told now, the sync already sees (or soon sees) our listed quantity drop by them.
    await ports.expectSold(pending.orderId, cart);
    const now = ports.now();
    if (out.kind === 'committed') {
      r = {
        ...base,
        status: 'committed',
        reservationId: out.reservationId,
        holds: out.holds,
        updatedAt: now,
      };
    } else if (out.kind === 'oversold') {
      const short = out.shortfall.map((s) => `${s.sku} short ${s.short}`).join(', ');
      r = noted(
        { ...base, status: 'oversold', reservationId: out.reservationId, shortfall: out.shortfall },
        `Stock could not cover the order: ${short}; nothing reserved`,
        now,
      );
    } else {
      r = noted({ ...base, status: 'failed', failure: out.error }, out.error.message, now);
    }
    const unmapped = lines.filter((l) => l.sku === null).length;
    if (unmapped > 0 && r.status === 'committed') {
      r = noted(r, `${unmapped} line(s) not mapped: not reserved`, now);
    }
  }
  for (const w of pending.waiting) r = await refund({ ...r, waiting: [] }, w, ports);
  return { ...r, waiting: [] };
};

/** Statuses whose sale the channel's sync was told of (placeOrder's expectSold). */
const SOLD: readonly OrderRecord['status'][] = ['committed', 'oversold', 'failed'];

const cancelOrder = async (r: OrderRecord, ports: Ports): Promise<OrderRecord> => {
  if (r.status === 'cancelled') return r;
  // The marketplace gives the units back to its own count as it cancels: whatever we give back.
  if (SOLD.includes(r.status)) await ports.expectRestocked(r.orderId, cartLines(r.lines));
  const holds: OrderHold[] = [];
  const problems: string[] = [];
  for (const h of r.holds) {
    const left = h.quantity - h.restocked;
    if (left <= 0) {
      holds.push(h);
      continue;
    }
    const state = await ports.holdState(h);
    if (state !== 'committed') {
      problems.push(
        `hold ${h.holdId} (${h.sku}) is ${state === 'shipped' ? 'shipped' : 'not committed'}: left as it is`,
      );
      holds.push(h);
      continue;
    }
    const error = await ports.cancel(h, `ord:cancel:${h.holdId}`);
    if (error) {
      problems.push(`hold ${h.holdId} (${h.sku}): ${error.message}`);
      holds.push(h);
    } else holds.push({ ...h, restocked: h.quantity });
  }
  const now = ports.now();
  const message =
    r.status === 'pending'
      ? 'Cancelled before the order itself arrived: it will not be reserved'
      : problems.length > 0
        ? `Cancelled; ${problems.join('; ')}`
        : 'Cancelled: every committed unit given back';
  return noted({ ...r, status: 'cancelled', holds }, message, now);
};

const refund = async (
  r: OrderRecord,
  event: Extract<OrderEvent, { type: 'refund' }>,
  ports: Ports,
): Promise<OrderRecord> => {
  let holds = [...r.holds];
  const problems: string[] = [];
  let restocked = 0;
  for (const [i, line] of event.lines.entries()) {
    if (line.restock === 'none') continue;
    const sku =
      r.lines.find((l) => line.lineId !== null && l.lineId === line.lineId)?.sku ??
      r.lines.find((l) => line.ref !== null && l.ref === line.ref)?.sku ??
      null;
    const at = holds.findIndex((h) => h.sku === sku && h.quantity - h.restocked >= line.quantity);
    const hold = holds[at];
    if (sku === null || hold === undefined) {
      problems.push(`line ${line.lineId ?? line.ref}: no committed units of it to restock`);
      continue;
    }
    const state = await ports.holdState(hold);
    let error: AppError | null;
    if (state === 'shipped') {
      error = await ports.restock(hold, line.quantity, `ord:refund:${event.refundId}:${i}`);
    } else if (
      state === 'committed' &&
      hold.quantity - hold.restocked === line.quantity &&
      hold.restocked === 0
    ) {
      error = await ports.cancel(hold, `ord:cancel:${hold.holdId}`);
    } else {
      problems.push(
        `${sku}: ${line.quantity} of ${hold.quantity} units of an unshipped hold cannot be given back in part; cancel or ship it by hand`,
      );
      continue;
    }
    if (error) {
      problems.push(`${sku}: ${error.message}`);
      continue;
    }
    restocked += line.quantity;
    holds = holds.map((h, j) => (j === at ? { ...h, restocked: h.restocked + line.quantity } : h));
  }
  const message = `Refund ${event.refundId}: ${restocked} unit(s) back to stock${problems.length > 0 ? `; ${problems.join('; ')}` : ''}`;
  return noted({ ...r, holds, refunds: [...r.refunds, event.refundId] }, message, ports.now());
};

import { describe, expect, it } from 'vitest';
import type { OrderHold } from '../../protocol/orders';
import type { OrderEvent } from './event';
import { apply, type Ports } from './process';
import type { OrderRecord } from './record';

// A fake stock: one location, `free` units per SKU; holds committed or cancelled.
const fakeStock = (free: Record<string, number>) => {
  const holds = new Map<string, { hold: OrderHold; state: 'committed' | 'cancelled' }>();
  const calls = { reserve: 0, cancel: 0 };
  const expected: { orderId: string; lines: { sku: string; quantity: number }[] }[] = [];
  const restocked: { orderId: string; lines: { sku: string; quantity: number }[] }[] = [];
  const ports: Ports = {
    now: () => 1_000,
    map: async (lines) =>
      lines.map((l) => ({
        ...l,
        sku: l.ref in free ? l.ref : null,
        unmapped: l.ref in free ? null : 'no_mapping',
      })),
    reserve: async (orderId, lines) => {
      calls.reserve++;
      const short = lines.filter((l) => (free[l.sku] ?? 0) < l.quantity);
      if (short.length > 0) {
        return {
          kind: 'oversold',
          reservationId: `r_${orderId}`,
          shortfall: short.map((l) => ({
            sku: l.sku,
            requested: l.quantity,
            available: free[l.sku] ?? 0,
            short: l.quantity - (free[l.sku] ?? 0),
          })),
        };
      }
      const made = lines.map((l) => {
        free[l.sku] = (free[l.sku] ?? 0) - l.quantity;
        const hold = {
          sku: l.sku,
          holdId: `${orderId}-${l.sku}`,
          location: 'WH',
          quantity: l.quantity,
          restocked: 0,
        };
        holds.set(hold.holdId, { hold, state: 'committed' });
        return hold;
      });
      return { kind: 'committed', reservationId: `r_${orderId}`, holds: made };
    },
    expectSold: async (orderId, lines) => {
      expected.push({ orderId, lines });
    },
    expectRestocked: async (orderId, lines) => {
      restocked.push({ orderId, lines });
    },
    holdState: async (h) => (holds.get(h.holdId)?.state === 'committed' ? 'committed' : 'other'),
    cancel: async (h) => {
      calls.cancel++;
      const held = holds.get(h.holdId);
      if (held?.state !== 'committed') return { code: 'invalid_state', message: 'not committed' };
      held.state = 'cancelled';
      free[h.sku] = (free[h.sku] ?? 0) + h.quantity;
      return null;
    },
    restock: async () => null,
  };
  return { ports, free, calls, expected, restocked };
};

const order = (orderId: string, ...lines: [string, number][]): OrderEvent => ({
  type: 'order',
  orderId,
  lines: lines.map(([ref, quantity]) => ({ lineId: null, ref, quantity })),
});

const run = async (ports: Ports, events: OrderEvent[]) => {
  const records = new Map<string, OrderRecord>();
  for (const e of events)
    records.set(e.orderId, await apply(records.get(e.orderId), e, 'webhook', ports));
  return records;
};

describe('apply', () => {
  it('reserves an order once, however often it arrives', async () => {
    const { ports, free, calls } = fakeStock({ A: 5 });
    const r = await run(ports, [order('1', ['A', 2]), order('1', ['A', 2]), order('1', ['A', 2])]);
    expect(r.get('1')?.status).toBe('committed');
    expect(calls.reserve).toBe(1);
    expect(free.A).toBe(3);
  });

  it('gives back the committed units when cancelled, once', async () => {
    const { ports, free, calls } = fakeStock({ A: 5 });
    const r = await run(ports, [
      order('1', ['A', 2]),
      { type: 'cancel', orderId: '1' },
      { type: 'cancel', orderId: '1' },
    ]);
    expect(r.get('1')?.status).toBe('cancelled');
    expect(calls.cancel).toBe(1);
    expect(free.A).toBe(5);
  });

  it('never reserves an order whose cancellation came first', async () => {
    const { ports, free, calls } = fakeStock({ A: 5 });
    const r = await run(ports, [{ type: 'cancel', orderId: '1' }, order('1', ['A', 2])]);
    expect(r.get('1')?.status).toBe('cancelled');
    expect(calls.reserve).toBe(0);
    expect(free.A).toBe(5);
  });

  it('records an order stock cannot cover as oversold with the shortfall per line', async () => {
    const { ports, free } = fakeStock({ A: 1, B: 9 });
    const r = await run(ports, [order('1', ['A', 3], ['B', 1])]);
    expect(r.get('1')).toMatchObject({
      status: 'oversold',
      shortfall: [{ sku: 'A', requested: 3, available: 1, short: 2 }],
    });
    expect(free).toEqual({ A: 1, B: 9 });
  });

  it('tells the sync once per order what the marketplace sold, oversold or not', async () => {
    const { ports, expected } = fakeStock({ A: 1, B: 9 });
    await run(ports, [order('1', ['A', 3], ['X', 1]), order('1', ['A', 3]), order('2', ['B', 2])]);
    expect(expected).toEqual([
      { orderId: '1', lines: [{ sku: 'A', quantity: 3 }] },
      { orderId: '2', lines: [{ sku: 'B', quantity: 2 }] },
    ]);
  });

  it('reports unmapped lines and reserves none when no line maps', async () => {
    const { ports, calls } = fakeStock({ A: 1 });
    const r = await run(ports, [order('1', ['X', 1])]);
    expect(r.get('1')).toMatchObject({
      status: 'unmapped',
      lines: [{ ref: 'X', sku: null, unmapped: 'no_mapping' }],
    });
    expect(calls.reserve).toBe(0);
  });

  it('applies a refund that came before its order once the order is reserved', async () => {
    const { ports, free } = fakeStock({ A: 5 });
    const refund: OrderEvent = {
      type: 'refund',
      orderId: '1',
      refundId: 'rf1',
      lines: [{ lineId: null, ref: 'A', quantity: 2, restock: 'cancel' }],
    };
    const r = await run(ports, [refund, order('1', ['A', 2]), refund]);
    expect(r.get('1')).toMatchObject({ status: 'committed', refunds: ['rf1'] });
    expect(free.A).toBe(5);
  });

  it('tells the sync once that the marketplace restocked a cancelled order it was told was sold', async () => {
    const { ports, restocked } = fakeStock({ A: 5, B: 0 });
    await run(ports, [
      order('1', ['A', 2], ['X', 1]),
      { type: 'cancel', orderId: '1' },
      { type: 'cancel', orderId: '1' },
      order('2', ['B', 1]), // oversold: sold on the marketplace all the same
      { type: 'cancel', orderId: '2' },
      { type: 'cancel', orderId: '3' }, // before its order: never sold, nothing to restock
      order('4', ['X', 1]), // unmapped: never told
      { type: 'cancel', orderId: '4' },
    ]);
    expect(restocked).toEqual([
      { orderId: '1', lines: [{ sku: 'A', quantity: 2 }] },
      { orderId: '2', lines: [{ sku: 'B', quantity: 1 }] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Cart } from './cart';
import { FakeStock } from './fake-stock';
import type { CartItem, ReserveInput } from './input';
import { drive, type Ports, Unsettled } from './runner';
import { newCart, type StockCall, startOp } from './saga';

const ID = `r_${'a'.repeat(32)}`;

const cartOf = (
  items: Omit<CartItem, 'line' | 'kit'>[],
  over: Partial<ReserveInput> = {},
): ReserveInput => ({
  reservationId: ID,
  request: '{}',
  channel: { code: 'web', routing: 'priority', allowSplit: false },
  candidates: [
    { location: 'A', distanceKm: null },
    { location: 'B', distanceKm: null },
  ],
  basis: 'channel priority',
  lines: items.map((i) => ({ sku: i.sku, quantity: i.quantity, kit: false })),
  items: items.map((i, line) => ({ ...i, line, kit: null })),
  shipTo: null,
  ttlSeconds: 60,
  actor: 'key_test',
  ...over,
});

/** Ports over a FakeStock; `saved` keeps every cart written, as the object's SQLite would. */
const harness = (now = 1_000_000) => {
  const clock = { now };
  const stock = new FakeStock(() => clock.now);
  const saved: Cart[] = [];
  const ports: Ports = {
    now: () => clock.now,
    save: (c) => {
      saved.push(c);
      return c;
    },
    readStock: stock.readStock,
    call: async (calls, _actor, peek) => stock.call(calls, peek),
  };
  return { clock, stock, saved, ports };
};

const reserved = (stock: FakeStock, sku: string) =>
  [...stock.view(sku).locations].reduce((s, l) => s + l.reserved, 0);

describe('drive: reserve', () => {
  it('holds every line at the planned location, each hold named after the cart', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 3);
    stock.receive('Y', 'A', 1);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 1 },
        ]),
        0,
      ),
      ports,
    );
    expect(cart).toMatchObject({ status: 'held', op: null, failure: null, expiresAt: 1_060_000 });
    expect(cart.holds.map((h) => [h.holdId, h.sku, h.location, h.state])).toEqual([
      [`${ID}:1.0`, 'X', 'A', 'held'],
      [`${ID}:1.1`, 'Y', 'A', 'held'],
    ]);
    expect(stock.hold('X', `${ID}:1.0`)).toMatchObject({
      status: 'held',
      quantity: 2,
      expiresAt: 1_060_000,
    });
  });

  it('saves the plan before the first hold goes out', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 1);
    let seen: Cart | undefined;
    await drive(newCart(cartOf([{ sku: 'X', quantity: 1 }]), 0), {
      ...ports,
      call: async (calls) => {
        seen = saved.at(-1);
        return stock.call(calls);
      },
    });
    expect(seen).toMatchObject({ status: 'pending', op: { phase: 'acting' } });
    expect(seen?.holds.map((h) => h.state)).toEqual(['planned']);
  });

  it('holds without reading stock: one round of holds, the intent and the outcome its only writes', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 3);
    stock.receive('X', 'B', 3);
    stock.receive('Y', 'A', 1);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 1 },
        ]),
        0,
      ),
      {
        ...ports,
        readStock: () => Promise.reject(new Error('a reserve must not read stock')),
      },
    );
    expect(cart.status).toBe('held');
    expect(stock.applied).toBe(2);
    expect(saved.map((c) => [c.status, c.op?.phase ?? null])).toEqual([
      ['pending', 'acting'],
      ['held', null],
    ]);
    // The note a plan from a read would give: the answers showed both locations could ship X
    // but only A has Y.
    expect(cart.routes).toEqual([
      {
        reason: 'single_location',
        note: 'A ships the whole cart: the only one of 2 locations that can',
      },
      {
        reason: 'single_location',
        note: 'A ships the whole cart: the only one of 2 locations that can',
      },
    ]);
    expect(cart.shipments).toEqual(['A']);
  });

  it('refuses a short cart with one round of holds and one of releases, every counter as it was', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 5);
    stock.receive('Y', 'A', 1);
    stock.receive('Y', 'B', 1);
    const before = ['X', 'Y'].map((sku) => stock.view(sku).locations);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 3 },
        ]),
        0,
      ),
      ports,
    );
    expect(cart).toMatchObject({
      status: 'failed',
      attempt: 1,
      failure: { code: 'insufficient_stock' },
    });
    expect(cart.failure?.details?.lines).toEqual([
      {
        line: 1,
        sku: 'Y',
        component: null,
        requested: 3,
        available: 2,
        locations: ['A', 'B'],
        availableAt: [1, 1],
        reason: 'out_of_stock',
      },
    ]);
    // Two holds, then X's release with Y's stock asked for in the same round: nothing more.
    expect(stock.applied).toBe(3);
    expect(stock.peeked).toEqual([['Y']]);
    expect(['X', 'Y'].map((sku) => stock.view(sku).locations)).toEqual(before);
    expect(stock.hold('X', `${ID}:1.0`)).toMatchObject({ status: 'released', quantity: 2 });
    expect(saved.map((c) => [c.status, c.op?.phase ?? null])).toEqual([
      ['pending', 'acting'],
      ['pending', 'compensating'],
      ['failed', null],
    ]);
  });

  it('refuses a cart whose every hold is refused with one round of calls and two writes', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 1);
    const cart = await drive(newCart(cartOf([{ sku: 'X', quantity: 2 }]), 0), ports);
    expect(cart).toMatchObject({ status: 'failed', failure: { code: 'insufficient_stock' } });
    expect(cart.failure?.details?.lines).toEqual([
      expect.objectContaining({
        sku: 'X',
        requested: 2,
        availableAt: [1, 0],
        reason: 'out_of_stock',
      }),
    ]);
    expect(stock.applied).toBe(1);
    expect(stock.view('X').totals).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
    expect(saved.map((c) => c.status)).toEqual(['pending', 'failed']);
  });

  it('says split_refused when the locations have enough together but the channel does not split', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    stock.receive('X', 'B', 1);
    const cart = await drive(newCart(cartOf([{ sku: 'X', quantity: 2 }]), 0), ports);
    expect(cart.failure?.details?.lines).toEqual([
      expect.objectContaining({ requested: 2, available: 2, reason: 'split_refused' }),
    ]);
  });

  it('re-plans from the answers when the first location is short and another ships the cart', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    stock.receive('X', 'B', 2);
    stock.receive('Y', 'A', 1);
    stock.receive('Y', 'B', 1);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 1 },
        ]),
        0,
      ),
      { ...ports, readStock: () => Promise.reject(new Error('the answers suffice')) },
    );
    expect(cart).toMatchObject({ status: 'held', attempt: 2, shipments: ['B'] });
    expect(cart.holds.map((h) => [h.holdId, h.sku, h.location, h.state])).toEqual([
      [`${ID}:2.0`, 'X', 'B', 'held'],
      [`${ID}:2.1`, 'Y', 'B', 'held'],
    ]);
    expect(cart.routes[0]?.note).toBe(
      'B ships the whole cart: the only one of 2 locations that can',
    );
    // Attempt 1's hold on Y at A was released: A has its unit again.
    expect(stock.view('Y').locations.map((l) => [l.location, l.reserved])).toEqual([
      ['A', 0],
      ['B', 1],
    ]);
    // Two holds, one release, two holds.
    expect(stock.applied).toBe(5);
  });

  it('loses each re-plan to a race, re-plans once more, then fails as taken concurrently, holding nothing', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 5);
    stock.receive('Y', 'B', 1);
    let round = 0;
    let taken = 0;
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 1 },
        ]),
        0,
      ),
      {
        ...ports,
        // A unit of Y arrives at A and at B after every round of calls, and before each new plan's
        // holds another cart takes every unit of Y where that plan holds it: each plan loses the
        // race, though the last answers still show Y elsewhere.
        call: async (calls) => {
          const y = calls.find((c) => c.sku === 'Y')?.command;
          const at = y?.op === 'hold' ? y.locations?.[0] : undefined;
          const free = stock.view('Y').locations.find((l) => l.location === at)?.available ?? 0;
          if (round > 0 && at !== undefined && free > 0) {
            stock.apply({
              sku: 'Y',
              key: `other-${round}`,
              command: { op: 'hold', holdId: `other-${round}`, quantity: free, locations: [at] },
            });
            taken += free;
          }
          round++;
          const answers = await stock.call(calls);
          stock.receive('Y', 'A', 1);
          stock.receive('Y', 'B', 1);
          return answers;
        },
      },
    );
    expect(cart).toMatchObject({
      status: 'failed',
      attempt: 3,
      failure: { code: 'insufficient_stock' },
    });
    expect(cart.failure?.details?.lines).toEqual([
      expect.objectContaining({ line: 1, sku: 'Y', requested: 1, reason: 'taken_concurrently' }),
    ]);
    expect(stock.view('X').totals).toMatchObject({ reserved: 0, onHand: 5 });
    expect(taken).toBe(7);
    expect(stock.view('Y').totals.reserved).toBe(taken);
    expect(cart.holds.map((h) => [h.sku, h.location, h.state])).toEqual([
      ['X', 'A', 'released'],
      ['Y', 'A', 'refused'],
    ]);
  });

  it('names unknown SKUs', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 1 },
          { sku: 'NOPE', quantity: 1 },
        ]),
        0,
      ),
      ports,
    );
    expect(cart.failure).toMatchObject({
      code: 'unknown_sku',
      details: { lines: [{ line: 1, sku: 'NOPE', component: null }] },
    });
  });
});

describe('drive after a crash', () => {
  it('finishes a reserve that stopped between holds, holding each exactly once', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 1);
    stock.receive('Y', 'A', 1);
    const input = cartOf([
      { sku: 'X', quantity: 1 },
      { sku: 'Y', quantity: 1 },
    ]);
    // The object dies after X's hold landed and before Y's was sent.
    await expect(
      drive(newCart(input, 0), {
        ...ports,
        call: async (calls) => {
          await stock.call(calls.filter((c) => c.sku === 'X'));
          throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    const last = saved.at(-1);
    expect(last?.op?.phase).toBe('acting');
    const cart = await drive(must(last), ports);
    expect(cart.status).toBe('held');
    expect(reserved(stock, 'X')).toBe(1);
    expect(reserved(stock, 'Y')).toBe(1);
    // X's hold was sent again and answered already_exists: one hold, counted once.
    expect(stock.hold('X', `${ID}:1.0`)).toMatchObject({ status: 'held', quantity: 1 });
    expect(cart.holds.map((h) => [h.sku, h.state])).toEqual([
      ['X', 'held'],
      ['Y', 'held'],
    ]);
  });

  it('compensates a reserve that stopped between holds when the rest can no longer be held', async () => {
    const { stock, saved, ports } = harness();
    stock.receive('X', 'A', 1);
    stock.receive('Y', 'A', 1);
    const input = cartOf([
      { sku: 'X', quantity: 1 },
      { sku: 'Y', quantity: 1 },
    ]);
    await expect(
      drive(newCart(input, 0), {
        ...ports,
        call: async (calls) => {
          await stock.call(calls.filter((c) => c.sku === 'X'));
          throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    stock.apply(steal('Y', 'other'));
    const cart = await drive(must(saved.at(-1)), ports);
    expect(cart.status).toBe('failed');
    expect(reserved(stock, 'X')).toBe(0);
    expect(reserved(stock, 'Y')).toBe(1);
  });

  it('keeps a call that never answered pending, and settles it with the same key later', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    const lost = {
      ...ports,
      call: async (calls: readonly StockCall[]) => {
        await stock.call(calls);
        return {
          results: calls.map(() => ({ ok: false as const, unknown: 'timeout' })),
          stock: {},
        };
      },
    };
    const saved: Cart[] = [];
    const keep = (c: Cart) => {
      saved.push(c);
      return c;
    };
    const cart = newCart(cartOf([{ sku: 'X', quantity: 1 }]), 0);
    await expect(drive(cart, { ...lost, save: keep })).rejects.toBeInstanceOf(Unsettled);
    const stuck = saved.at(-1);
    expect(stuck?.holds.map((h) => [h.state, h.pending])).toEqual([['planned', 'hold']]);
    const done = await drive(must(stuck), ports);
    expect(done.status).toBe('held');
    expect(reserved(stock, 'X')).toBe(1);
  });
});

describe('drive: commit, extend, expire', () => {
  const held = async () => {
    const h = harness();
    h.stock.receive('X', 'A', 2);
    h.stock.receive('Y', 'A', 2);
    const cart = await drive(
      newCart(
        cartOf([
          { sku: 'X', quantity: 1 },
          { sku: 'Y', quantity: 1 },
        ]),
        0,
      ),
      h.ports,
    );
    return { ...h, cart };
  };

  it('commits every hold', async () => {
    const { stock, clock, ports, cart } = await held();
    const done = await drive(
      startOp(cart, 'commit', 'key_test', clock.now, { ref: 'ORD-1' }),
      ports,
    );
    expect(done.status).toBe('committed');
    expect(stock.view('X').totals).toMatchObject({ committed: 1, reserved: 0 });
  });

  it('cancels the commits it made when one hold expired first, and ends expired', async () => {
    const { stock, clock, ports, cart } = await held();
    // Y's hold expires a moment earlier than X's (they were placed at different instants).
    const y = stock.hold('Y', `${ID}:1.1`);
    if (y) stock.skus.get('Y')?.holds.set(y.id, { ...y, expiresAt: clock.now + 10 });
    clock.now += 20;
    const done = await drive(startOp(cart, 'commit', 'key_test', clock.now), ports);
    expect(done).toMatchObject({ status: 'expired', failure: { code: 'hold_expired' } });
    expect(stock.view('X').totals).toMatchObject({ committed: 0, reserved: 0 });
    expect(stock.view('Y').totals).toMatchObject({ committed: 0, reserved: 0 });
    expect(done.holds.map((h) => h.state)).toEqual(['cancelled', 'expired']);
  });

  it('extends every hold and moves the deadline', async () => {
    const { stock, clock, ports, cart } = await held();
    clock.now += 30_000;
    const deadline = clock.now + 120_000;
    const done = await drive(
      startOp(cart, 'extend', 'key_test', clock.now, { ttlSeconds: 120, deadline }),
      ports,
    );
    expect(done).toMatchObject({ status: 'held', expiresAt: deadline });
    expect(stock.hold('X', `${ID}:1.0`)?.expiresAt).toBe(deadline);
  });

  it('expires by releasing what is still held', async () => {
    const { stock, clock, ports, cart } = await held();
    clock.now = (cart.expiresAt ?? 0) - 1;
    const done = await drive(startOp(cart, 'expire', 'system', clock.now), ports);
    expect(done.status).toBe('expired');
    expect(stock.view('X').totals.reserved).toBe(0);
    expect(stock.hold('X', `${ID}:1.0`)?.status).toBe('released');
  });
});

const must = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error('expected a value');
  return value;
};

/** A one-unit hold by someone else, taking stock from under the cart. */
const steal = (sku: string, holdId: string, location = 'A'): StockCall => ({
  sku,
  key: holdId,
  command: { op: 'hold', holdId, quantity: 1, locations: [location] },
});

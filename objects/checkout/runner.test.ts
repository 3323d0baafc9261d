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
    call: async (calls) => stock.call(calls),
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

  it('releases the holds it got when another is refused, re-plans once, then fails holding nothing', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 5);
    stock.receive('Y', 'A', 1);
    let stolen = 0;
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
        // Another cart takes Y's last unit between each plan and its holds; a unit arrives while
        // the cart compensates, so it plans again and loses again.
        call: async (calls) => {
          if (calls.some((c) => c.command.op === 'hold'))
            stock.apply(steal('Y', `other-${stolen++}`));
          else stock.receive('Y', 'A', 1);
          return stock.call(calls);
        },
      },
    );
    expect(cart.status).toBe('failed');
    expect(cart.attempt).toBe(2);
    expect(cart.failure).toMatchObject({ code: 'insufficient_stock' });
    expect(cart.failure?.details?.lines).toEqual([
      expect.objectContaining({ line: 1, sku: 'Y', requested: 1, reason: 'taken_concurrently' }),
    ]);
    expect(reserved(stock, 'X')).toBe(0);
    expect(cart.holds.map((h) => [h.sku, h.state])).toEqual([
      ['X', 'released'],
      ['Y', 'refused'],
    ]);
  });

  it('re-plans after losing a race and succeeds from the stock that is left', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    stock.receive('X', 'B', 1);
    let raced = false;
    const cart = await drive(newCart(cartOf([{ sku: 'X', quantity: 1 }]), 0), {
      ...ports,
      call: async (calls) => {
        if (!raced) {
          raced = true;
          stock.apply(steal('X', 'other', 'A'));
        }
        return stock.call(calls);
      },
    });
    expect(cart).toMatchObject({ status: 'held', attempt: 2 });
    expect(cart.holds.map((h) => [h.holdId, h.location])).toEqual([[`${ID}:2.0`, 'B']]);
  });

  it('fails at once, holding nothing, when the plan is short', async () => {
    const { stock, ports } = harness();
    stock.receive('X', 'A', 1);
    const cart = await drive(newCart(cartOf([{ sku: 'X', quantity: 2 }]), 0), ports);
    expect(cart).toMatchObject({
      status: 'failed',
      holds: [],
      failure: { code: 'insufficient_stock' },
    });
    expect(stock.applied).toBe(0);
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
          stock.call(calls.filter((c) => c.sku === 'X'));
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
          stock.call(calls.filter((c) => c.sku === 'X'));
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
        stock.call(calls);
        return calls.map(() => ({ ok: false as const, unknown: 'timeout' }));
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

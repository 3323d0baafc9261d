import { beforeAll, describe, expect, it } from 'vitest';
import type { Kit, ReservationView } from '../../protocol/reservations';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
import {
  makeChannel,
  makeSites,
  makeSku,
  placed,
  reserve,
  shortLines,
  stockOf,
  totals,
} from './support';

type Answer = Kit & ErrorBody;
let MAN: string;
let RTM: string;
beforeAll(async () => {
  ({ MAN, RTM } = await makeSites('MAN', 'RTM'));
});

const putKit = (kit: string, components: { sku: string; quantity: number }[], key?: string) =>
  api<Answer>(`/v1/skus/${kit}/kit`, {
    method: 'PUT',
    body: { components },
    ...(key !== undefined && { key }),
  });

describe('kit definitions', () => {
  it('defines, reads, redefines and removes a kit', async () => {
    const [kit, a, b] = [await makeSku(), await makeSku(), await makeSku()];
    const put = await putKit(kit, [
      { sku: b, quantity: 1 },
      { sku: a, quantity: 2 },
    ]);
    expect(put.status).toBe(200);
    const sorted = [a, b].sort();
    expect(put.body.components.map((c) => c.sku)).toEqual(sorted);
    expect((await api<Answer>(`/v1/skus/${kit}/kit`)).body).toEqual(put.body);
    await putKit(kit, [{ sku: a, quantity: 3 }]);
    expect((await api<Answer>(`/v1/skus/${kit}/kit`)).body.components).toEqual([
      { sku: a, quantity: 3 },
    ]);
    const removed = await api<Answer>(`/v1/skus/${kit}/kit`, { method: 'DELETE' });
    expect(removed.body.components).toEqual([{ sku: a, quantity: 3 }]);
    expect((await api<Answer>(`/v1/skus/${kit}/kit`)).body.error.code).toBe('not_found');
  });

  it('refuses unknown components, a kit in itself, nested kits, a SKU with stock, and non-admin keys', async () => {
    const [kit, a, inner] = [await makeSku(), await makeSku(), await makeSku()];
    const stocked = await makeSku({ [MAN]: 1 });
    await putKit(inner, [{ sku: a, quantity: 1 }]);
    const viewer = await createKey('viewer');
    const cases: [string, Promise<{ status: number; body: Answer }>, number, string][] = [
      ['unknown', putKit(kit, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]), 404, 'unknown_sku'],
      ['itself', putKit(kit, [{ sku: kit, quantity: 1 }]), 400, 'validation_failed'],
      ['kit as component', putKit(kit, [{ sku: inner, quantity: 1 }]), 409, 'invalid_state'],
      ['component as kit', putKit(a, [{ sku: kit, quantity: 1 }]), 409, 'invalid_state'],
      ['has stock', putKit(stocked, [{ sku: a, quantity: 1 }]), 409, 'invalid_state'],
      ['zero', putKit(kit, [{ sku: a, quantity: 0 }]), 400, 'validation_failed'],
      ['viewer', putKit(kit, [{ sku: a, quantity: 1 }], viewer), 403, 'forbidden'],
    ];
    for (const [name, call, status, code] of cases) {
      const res = await call;
      expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
    }
  });

  it('refuses a single-SKU hold on a kit, and says to reserve it as a cart', async () => {
    const [kit, a] = [await makeSku(), await makeSku({ [MAN]: 5 })];
    await putKit(kit, [{ sku: a, quantity: 1 }]);
    const hold = await api<ErrorBody>(`/v1/skus/${kit}/holds`, { body: { quantity: 1 } });
    expect([hold.status, hold.body.error.code]).toEqual([409, 'invalid_state']);
    expect(hold.body.error.message).toContain('/v1/reservations');
    const batch = await api<ErrorBody>('/v1/movements/batch', {
      body: { lines: [{ sku: kit, op: 'hold', quantity: 1 }] },
    });
    expect(batch.body.error).toMatchObject({
      code: 'invalid_state',
      details: { line: 0, sku: kit },
    });
  });
});

describe('kits in carts', () => {
  it('holds a kit as its components, with the quantities multiplied', async () => {
    const channel = await makeChannel([MAN]);
    const [kit, a, b, c] = [
      await makeSku(),
      await makeSku({ [MAN]: 9 }),
      await makeSku({ [MAN]: 9 }),
      await makeSku({ [MAN]: 9 }),
    ];
    await putKit(kit, [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    const res = await reserve({
      channel,
      lines: [
        { sku: kit, quantity: 3 },
        { sku: c, quantity: 1 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.lines[0]).toMatchObject({ sku: kit, quantity: 3, kit: true });
    expect(placed(res.body)).toEqual([
      [a, MAN, 6],
      [b, MAN, 3],
      [c, MAN, 1],
    ]);
    expect(await totals(kit)).toMatchObject({ reserved: 0 });
  });

  it('never sells a kit when a component is short, and names the component', async () => {
    const channel = await makeChannel([MAN, RTM]);
    const [kit, a, b] = [
      await makeSku(),
      await makeSku({ [MAN]: 9 }),
      await makeSku({ [MAN]: 1, [RTM]: 1 }),
    ];
    await putKit(kit, [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ]);
    const res = await reserve({ channel, lines: [{ sku: kit, quantity: 2 }] });
    expect(res.body.error.code).toBe('insufficient_stock');
    expect(shortLines(res)).toEqual([
      {
        line: 0,
        sku: kit,
        component: b,
        requested: 2,
        available: 2,
        locations: [MAN, RTM],
        availableAt: [1, 1],
        reason: 'split_refused',
      },
    ]);
    expect(await totals(a)).toMatchObject({ reserved: 0 });
  });

  it('never oversells a component when kits and the component itself sell concurrently', async () => {
    const channel = await makeChannel([MAN, RTM], { allowSplit: true });
    const [kit, a, b] = [
      await makeSku(),
      await makeSku({ [MAN]: 12, [RTM]: 8 }),
      await makeSku({ [MAN]: 9, [RTM]: 6 }),
    ];
    await putKit(kit, [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    const mixes = [
      [{ sku: kit, quantity: 1 }],
      [{ sku: a, quantity: 1 }],
      [{ sku: b, quantity: 2 }],
      [
        { sku: kit, quantity: 1 },
        { sku: a, quantity: 1 },
      ],
      [
        { sku: kit, quantity: 2 },
        { sku: b, quantity: 1 },
      ],
    ];
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => reserve({ channel, lines: mixes[i % mixes.length] })),
    );
    expect(answers.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    const won = answers.filter((r) => r.status === 201).map((r) => r.body as ReservationView);
    expect(won.length).toBeGreaterThan(5);
    expect(answers.some((r) => r.status === 409)).toBe(true);
    const want = new Map<string, number>();
    for (const view of won) {
      for (const [sku, , quantity] of placed(view)) {
        want.set(String(sku), (want.get(String(sku)) ?? 0) + Number(quantity));
      }
    }
    for (const [sku, onHand] of [
      [a, 20],
      [b, 15],
    ] as const) {
      const view = await stockOf(sku);
      expect([sku, view.totals.reserved]).toEqual([sku, want.get(sku) ?? 0]);
      expect(view.totals.reserved).toBeLessThanOrEqual(onHand);
      for (const l of view.locations) expect(l.reserved).toBeLessThanOrEqual(l.onHand);
    }
    // Every kit that was sold got all of its components.
    for (const view of won) {
      for (const line of view.lines.filter((l) => l.kit)) {
        const units = (sku: string) =>
          line.fulfilment.filter((f) => f.sku === sku).reduce((s, f) => s + f.quantity, 0);
        expect([units(a), units(b)]).toEqual([2 * line.quantity, line.quantity]);
      }
    }
  });
});

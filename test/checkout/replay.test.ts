import { describe, expect, it } from 'vitest';
import csvText from '../../data/online-retail-2010-12.csv?raw';
import type { StockView } from '../../protocol/stock';
import {
  cartsOf,
  demandOf,
  type Invoice,
  invoicesOf,
  SERVICE_CODES,
} from '../../scripts/order-stream';
import { parseCsv } from '../../workers/catalog/csv';
import { api, uniq } from '../support/client';
import { post } from '../support/fixtures';
import { makeChannel, makeSites, reserve, shortLines } from './support';

const records = () => {
  const parsed = parseCsv(csvText);
  if (!parsed.ok) throw new Error(`order stream line ${parsed.line}: ${parsed.message}`);
  return parsed.records.map((r) => r.fields);
};

/**
 * The workers test pool slows down as objects pile up in one run (measured: 200 new objects took
 * 2.7 s, the next 400 took 31 s, the next 800 took 393 s), so the pool replays the day's carts
 * until they name this many SKUs: the morning, up to 11:00. `npm run bench:carts` replays the
 * whole stream against wrangler dev and reconciles it the same way.
 */
const MAX_SKUS = 210;

/** The first carts that together name at most `max` SKUs. */
const untilSkus = (carts: readonly Invoice[], max: number): Invoice[] => {
  const seen = new Set<string>();
  const taken: Invoice[] = [];
  for (const cart of carts) {
    const next = new Set([...seen, ...cart.lines.map((l) => l.sku)]);
    if (next.size > max) break;
    for (const sku of next) seen.add(sku);
    taken.push(cart);
  }
  return taken;
};

describe('the first day of the real order stream, replayed as carts', () => {
  it('holds, commits and refuses carts so that held, committed and short reconcile exactly with SkuStock', async () => {
    const day = cartsOf(invoicesOf(records()), 1);
    expect(day.length).toBe(136);
    const carts = untilSkus(day, MAX_SKUS);
    const demand = demandOf(carts);
    // SKU codes are per test run, so replays never share counters with other tests.
    const run = uniq('R');
    const code = (sku: string) => `${run}-${sku}`;
    const { MAN, RTM } = await makeSites('MAN', 'RTM');
    const channel = await makeChannel([MAN, RTM], { routing: 'nearest', allowSplit: true });

    const skus = [...demand.keys()];
    const imported = await api('/v1/skus/import', {
      rawBody: skus
        .map((sku) =>
          JSON.stringify({
            code: code(sku),
            title: `Order stream ${sku}`,
            backorderPolicy: SERVICE_CODES.has(sku) ? 'continue' : 'deny',
          }),
        )
        .join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.status).toBe(200);
    // Each SKU gets the units the replayed carts ask for, over two warehouses, except one SKU
    // in twenty, which gets half: enough for most carts, not for all of them.
    const seeded = new Map<string, number>();
    const receipts = skus.flatMap((sku, i) => {
      if (SERVICE_CODES.has(sku)) return [];
      const units = (demand.get(sku) ?? 0) >> (i % 20 === 19 ? 1 : 0);
      const man = Math.ceil(units * 0.6);
      const rtm = units - man;
      seeded.set(sku, units);
      return [
        ...(man > 0 ? [{ sku: code(sku), op: 'receive', location: MAN, quantity: man }] : []),
        ...(rtm > 0 ? [{ sku: code(sku), op: 'receive', location: RTM, quantity: rtm }] : []),
      ];
    });
    await post('/v1/movements/batch', { lines: receipts });

    // The model: what each SKU should have reserved (held carts) and committed, cart by cart.
    const held = new Map<string, number>();
    const committed = new Map<string, number>();
    const taken = (sku: string) => (held.get(sku) ?? 0) + (committed.get(sku) ?? 0);
    const add = (into: Map<string, number>, sku: string, n: number) =>
      into.set(sku, (into.get(sku) ?? 0) + n);
    let [heldCarts, committedCarts, shortCarts, shortUnits] = [0, 0, 0, 0];

    for (const [n, cart] of carts.entries()) {
      const res = await reserve(
        {
          channel,
          lines: cart.lines.map((l) => ({ sku: code(l.sku), quantity: l.quantity })),
          ...(cart.shipTo !== null && { shipTo: { country: cart.shipTo } }),
        },
        undefined,
        `${run}-${cart.invoice}`,
      );
      if (res.status === 409) {
        shortCarts++;
        // Each short line reports exactly what SkuStock had left for it at that moment.
        for (const line of shortLines(res)) {
          const sku = line.sku.slice(run.length + 1);
          expect([cart.invoice, sku, line.available]).toEqual([
            cart.invoice,
            sku,
            (seeded.get(sku) ?? 0) - taken(sku),
          ]);
          expect(line.requested).toBeGreaterThan(line.available);
          shortUnits += line.requested - line.available;
        }
        continue;
      }
      expect([cart.invoice, res.status]).toEqual([cart.invoice, 201]);
      // Every fourth cart stays held; the rest are paid for.
      const commit = n % 4 !== 3;
      if (commit) {
        const c = await api<{ status: string }>(
          `/v1/reservations/${res.body.reservationId}/commit`,
          {
            body: { ref: cart.invoice },
          },
        );
        expect(c.body.status).toBe('committed');
        committedCarts++;
      } else heldCarts++;
      for (const l of cart.lines) add(commit ? committed : held, l.sku, l.quantity);
    }

    expect(heldCarts + committedCarts + shortCarts).toBe(carts.length);
    expect(carts.length).toBe(30);
    expect(heldCarts).toBeGreaterThan(2);
    expect(committedCarts).toBeGreaterThan(10);
    expect(shortCarts).toBeGreaterThan(2);
    expect(shortUnits).toBeGreaterThan(0);

    const stock = await Promise.all(
      skus.map((sku) => api<StockView>(`/v1/skus/${code(sku)}/stock`)),
    );
    const mismatches = stock.flatMap(({ body }, i) => {
      const sku = skus[i] ?? '';
      const want = {
        onHand: seeded.get(sku) ?? 0,
        reserved: held.get(sku) ?? 0,
        committed: committed.get(sku) ?? 0,
      };
      const got = {
        onHand: body.totals.onHand,
        reserved: body.totals.reserved,
        committed: body.totals.committed,
      };
      return JSON.stringify(want) === JSON.stringify(got) ? [] : [{ sku, want, got }];
    });
    expect(mismatches).toEqual([]);
  }, 90_000);
});

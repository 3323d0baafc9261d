import { z } from 'zod';
import { devFetch } from '../../lib/api.ts';
import { summarize } from '../../lib/stats.ts';
import { orderRecords, type ReplayEvent, replayEvents, SERVICE_CODES } from '../order-stream.ts';
import {
  createLocation,
  loadInWaves,
  postBatch,
  secondsSince,
  WAVE,
  waitFlushed,
  waitObjectsClosed,
} from '../setup.ts';
import { absorbProxyReset } from '../target.ts';
import { check, figure, type Scenario, type Size, type Target } from '../types.ts';

const MAN = 'RP-MAN';
const RTM = 'RP-RTM';
const CHANNEL = 'replay';

const SIZES = {
  /** The first events of the first day. */
  smoke: { runs: 1, events: 12, concurrency: 4 },
  /** The first day: 136 carts. */
  quick: { runs: 1, events: 'day 1', concurrency: 8 },
  /** All 13 days. */
  full: { runs: 1, events: 'all', concurrency: 8 },
} satisfies Record<Size, { runs: number; events: number | 'day 1' | 'all'; concurrency: number }>;

/** Share of each SKU's demand over the replayed events received before it starts: not all of it. */
const SEED = { [MAN]: 0.6, [RTM]: 0.35 };

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const Reserved = z.object({ reservationId: z.string(), status: z.string() });
const Reconcile = z.object({
  checkedSkus: z.number(),
  lag: z.object({ skus: z.number(), events: z.number() }),
  drift: z.object({ skus: z.number(), items: z.array(z.object({ message: z.string() })) }),
});
const Stock = z.object({
  policy: z.enum(['deny', 'continue']),
  totals: z.object({
    onHand: z.number(),
    reserved: z.number(),
    committed: z.number(),
    unavailable: z.number(),
    safetyStock: z.number(),
  }),
});
const Oversold = z.object({
  denyEvents: z.number(),
  oversold: z.array(z.object({ sku: z.string(), seq: z.number(), sellable: z.number() })),
});

type ReplayRun = {
  events: number;
  carts: number;
  cartLines: number;
  returnLines: number;
  committed: number;
  refused: number;
  errors: string[];
  seconds: number;
  linesPerSecond: number;
  cartsPerSecond: number;
  cartMs: ReturnType<typeof summarize>;
  /** After the last event: until /v1/health said 0 unflushed, and until every check was done. */
  flushSeconds: number;
  settleSeconds: number;
  reconcile: { checkedSkus: number; lagEvents: number; driftSkus: number; drift: string[] };
  oversold: z.infer<typeof Oversold>;
  stockMismatches: string[];
};

const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);

const selectEvents = (all: ReplayEvent[], which: number | 'day 1' | 'all') => {
  if (which === 'all') return all;
  if (which === 'day 1') {
    const first = all.find((e) => e.kind === 'cart');
    const day = first?.kind === 'cart' ? first.invoice.day : '';
    const end = all.findIndex((e) => e.kind === 'cart' && e.invoice.day !== day);
    return end < 0 ? all : all.slice(0, end);
  }
  return all.slice(0, which);
};

/** Once per server: two warehouses (Manchester, Rotterdam) and a storefront routing nearest. */
const setUp = async (t: Target) => {
  await createLocation(t, MAN, { country: 'GB', latitude: 53.48, longitude: -2.24 });
  await createLocation(t, RTM, { country: 'NL', latitude: 51.92, longitude: 4.48 });
  await t.api.post('/v1/channels', {
    code: CHANNEL,
    name: 'Replay storefront',
    kind: 'storefront',
    locations: [MAN, RTM],
    routing: 'nearest',
    allowSplit: true,
  });
};

const replayOnce = async (
  t: Target,
  run: number,
  events: ReplayEvent[],
  concurrency: number,
  log: (line: string) => void,
): Promise<ReplayRun> => {
  const prefix = `RP${run}-`;
  const code = (sku: string) => `${prefix}${sku}`;
  const demand = new Map<string, number>();
  const skus = new Set<string>();
  for (const e of events) {
    const lines = e.kind === 'cart' ? e.invoice.lines : e.lines;
    for (const l of lines) skus.add(l.sku);
    if (e.kind === 'cart') for (const l of e.invoice.lines) add(demand, l.sku, l.quantity);
  }
  const seeded = new Map<string, number>();
  const receiptsOf = (sku: string) => {
    const units = demand.get(sku) ?? 0;
    if (SERVICE_CODES.has(sku) || units === 0) return [];
    const man = Math.ceil(units * SEED[MAN]);
    const rtm = Math.floor(units * SEED[RTM]);
    seeded.set(sku, man + rtm);
    return [
      { sku: code(sku), op: 'receive', location: MAN, quantity: man, reason: 'opening_stock' },
      ...(rtm > 0
        ? [{ sku: code(sku), op: 'receive', location: RTM, quantity: rtm, reason: 'opening_stock' }]
        : []),
    ];
  };
  const { failedLines } = await loadInWaves(
    t,
    [...skus].map((sku) => ({
      code: code(sku),
      title: `Order stream ${sku}`,
      backorderPolicy: SERVICE_CODES.has(sku) ? 'continue' : 'deny',
    })),
    (wave) => wave.flatMap((s) => receiptsOf(s.code.slice(prefix.length))),
    log,
  );
  if (failedLines > 0) throw new Error(`${failedLines} opening receipts failed`);
  // A catalog loaded in waves: let the last wave close before the replay opens them again.
  if (skus.size > WAVE) await waitObjectsClosed(t);
  await waitFlushed(t, 120_000, 250);
  log(`  run ${run}: ${skus.size} SKUs imported and stocked; replaying ${events.length} events`);

  const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
  const committed = new Map<string, number>();
  const returned = new Map<string, number>();
  const cartMs: number[] = [];
  const errors: string[] = [];
  let [committedCarts, refused, cartLines, returnLines, next] = [0, 0, 0, 0, 0];
  const post = async (path: string, body: unknown, key?: string) => {
    const res = await devFetch(
      `${t.url}${path}`,
      {
        method: 'POST',
        headers: { ...headers, ...(key !== undefined && { 'idempotency-key': key }) },
        body: JSON.stringify(body),
      },
      120_000,
    );
    return { status: res.status, body: JSON.parse(await res.text()) as unknown };
  };
  const cart = async (e: Extract<ReplayEvent, { kind: 'cart' }>) => {
    const started = performance.now();
    const { invoice } = e;
    cartLines += invoice.lines.length;
    const reserved = await post(
      '/v1/reservations',
      {
        channel: CHANNEL,
        lines: invoice.lines.map((l) => ({ sku: code(l.sku), quantity: l.quantity })),
        ...(invoice.shipTo !== null && { shipTo: { country: invoice.shipTo } }),
      },
      `${prefix}${invoice.invoice}`,
    );
    if (
      reserved.status === 409 &&
      ErrorBody.parse(reserved.body).error.code === 'insufficient_stock'
    ) {
      refused++;
      cartMs.push(performance.now() - started);
      return;
    }
    if (reserved.status !== 201) {
      errors.push(
        `cart ${invoice.invoice}: ${reserved.status} ${JSON.stringify(reserved.body).slice(0, 200)}`,
      );
      return;
    }
    const { reservationId } = Reserved.parse(reserved.body);
    const done = await post(`/v1/reservations/${reservationId}/commit`, { ref: invoice.invoice });
    cartMs.push(performance.now() - started);
    if (done.status !== 200 || Reserved.parse(done.body).status !== 'committed') {
      errors.push(
        `commit ${invoice.invoice}: ${done.status} ${JSON.stringify(done.body).slice(0, 200)}`,
      );
      return;
    }
    committedCarts++;
    for (const l of invoice.lines) add(committed, l.sku, l.quantity);
  };
  const giveBack = async (e: Extract<ReplayEvent, { kind: 'return' }>) => {
    returnLines += e.lines.length;
    const answer = await postBatch(
      t,
      e.lines.map((l) => ({
        sku: code(l.sku),
        op: 'return',
        location: MAN,
        quantity: l.quantity,
        disposition: 'restock',
        ref: e.invoice,
      })),
    );
    answer.results.forEach((r, i) => {
      const line = e.lines[i];
      if (r.ok && line) add(returned, line.sku, line.quantity);
      else errors.push(`return ${e.invoice} ${r.sku}: ${r.error?.code ?? 'failed'}`);
    });
  };
  // In time order, `concurrency` events in flight: a cart is reserved then committed.
  const started = performance.now();
  let lastReport = started;
  const worker = async () => {
    while (next < events.length) {
      const e = events[next++];
      if (e === undefined) continue;
      await (e.kind === 'cart' ? cart(e) : giveBack(e));
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        log(
          `    ${next} of ${events.length} events after ${secondsSince(started).toFixed(0)} s, ${errors.length} errors${errors[0] === undefined ? '' : ` (first: ${errors[0]})`}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = secondsSince(started);
  const carts = events.filter((e) => e.kind === 'cart').length;

  // The flush, then the checks: ledger against counters, oversell in the ledger, counters
  // against what the replay did.
  const settleStarted = performance.now();
  await waitFlushed(t, 180_000, 250);
  const flushSeconds = secondsSince(settleStarted);
  // Reconcile and read the counters WAVE SKUs at a time: each call opens every SKU's object.
  const reconcile = { checkedSkus: 0, lagEvents: 0, driftSkus: 0, drift: [] as string[] };
  const stockMismatches: string[] = [];
  const list = [...skus];
  for (let i = 0; i < list.length; i += WAVE) {
    if (i > 0) await waitObjectsClosed(t);
    const wave = list.slice(i, i + WAVE);
    let report: z.infer<typeof Reconcile> | undefined;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = await post('/v1/admin/reconcile', { skus: wave.map(code) });
      await absorbProxyReset(t);
      if (res.status !== 200) {
        throw new Error(`reconcile answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      report = Reconcile.parse(res.body);
      if (report.lag.events === 0) break;
      await waitFlushed(t, 60_000, 250);
    }
    if (report === undefined) throw new Error('no reconcile report');
    reconcile.checkedSkus += report.checkedSkus;
    reconcile.lagEvents += report.lag.events;
    reconcile.driftSkus += report.drift.skus;
    reconcile.drift.push(...report.drift.items.map((d) => d.message));
    let at = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (at < wave.length) {
          const sku = wave[at++] ?? '';
          const res = await devFetch(
            `${t.url}/v1/skus/${encodeURIComponent(code(sku))}/stock`,
            { headers },
            60_000,
          );
          const s = Stock.parse(JSON.parse(await res.text()));
          const want = {
            onHand: (seeded.get(sku) ?? 0) + (returned.get(sku) ?? 0),
            reserved: 0,
            committed: committed.get(sku) ?? 0,
          };
          const got = {
            onHand: s.totals.onHand,
            reserved: s.totals.reserved,
            committed: s.totals.committed,
          };
          if (JSON.stringify(want) !== JSON.stringify(got)) {
            stockMismatches.push(
              `${sku}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`,
            );
          }
          const { onHand, reserved, committed: c, unavailable, safetyStock } = s.totals;
          if (s.policy === 'deny' && onHand - reserved - c - unavailable - safetyStock < 0) {
            stockMismatches.push(`${sku}: oversold (${JSON.stringify(s.totals)})`);
          }
        }
      }),
    );
  }
  const settleSeconds = secondsSince(settleStarted);
  const oversoldRes = await devFetch(
    `${t.url}/bench/ledger/oversold?${new URLSearchParams({ prefix })}`,
    {},
    120_000,
  );
  const oversold = Oversold.parse(JSON.parse(await oversoldRes.text()));
  const lines = cartLines + returnLines;
  return {
    events: events.length,
    carts,
    cartLines,
    returnLines,
    committed: committedCarts,
    refused,
    errors,
    seconds,
    linesPerSecond: lines / seconds,
    cartsPerSecond: carts / seconds,
    cartMs: summarize(cartMs),
    flushSeconds,
    settleSeconds,
    reconcile,
    oversold,
    stockMismatches,
  };
};

/**
 * The real order stream replayed as fast as it goes: every invoice a cart (POST /v1/reservations,
 * then commit), every negative line a return, in time order with `concurrency` in flight; then
 * the ledger is flushed and reconciled, and nothing may have been oversold.
 */
export const replay: Scenario = {
  name: 'replay',
  description:
    'The 13-day real order stream as carts, commits and returns, then reconcile: nothing oversold',
  run: async (ctx) => {
    const t = ctx.target;
    const s = { ...SIZES[ctx.size], runs: ctx.runs ?? SIZES[ctx.size].runs };
    const events = selectEvents(replayEvents(orderRecords()), s.events);
    await setUp(t);
    const runs: ReplayRun[] = [];
    for (let run = 1; run <= s.runs; run++) {
      const r = await replayOnce(t, run, events, s.concurrency, ctx.log);
      runs.push(r);
      ctx.log(
        `  run ${run}: ${r.carts} carts (${r.committed} committed, ${r.refused} refused short) and ${r.returnLines} return lines in ${r.seconds.toFixed(1)} s: ${Math.round(r.linesPerSecond)} lines/s; settled and reconciled in ${r.settleSeconds.toFixed(1)} s, drift ${r.reconcile.driftSkus}, lag ${r.reconcile.lagEvents}`,
      );
    }
    const first = runs[0];
    return {
      parameters: {
        ...s,
        replayedEvents: events.length,
        carts: first?.carts,
        cartLines: first?.cartLines,
        returnLines: first?.returnLines,
        locations: [MAN, RTM],
        channel: { code: CHANNEL, routing: 'nearest', allowSplit: true },
        seededShareOfDemand: SEED,
      },
      figures: [
        figure(
          `${events.length.toLocaleString('en-US')} events: wall time`,
          's',
          runs.map((r) => r.seconds),
          1,
        ),
        figure(
          'order lines (cart lines + return lines)',
          'lines/s',
          runs.map((r) => r.linesPerSecond),
        ),
        figure(
          'carts (reserve + commit)',
          'carts/s',
          runs.map((r) => r.cartsPerSecond),
          1,
        ),
        figure(
          'cart p50',
          'ms',
          runs.map((r) => r.cartMs.p50),
        ),
        figure(
          'cart p99',
          'ms',
          runs.map((r) => r.cartMs.p99),
        ),
        figure(
          'carts refused (short under deny)',
          '%',
          runs.map((r) => (100 * r.refused) / r.carts),
          1,
        ),
        figure(
          'ledger flushed after the last event',
          's',
          runs.map((r) => r.flushSeconds),
          1,
        ),
        figure(
          'flush + reconcile + counter check',
          's',
          runs.map((r) => r.settleSeconds),
          1,
        ),
      ],
      checks: [
        check(
          'no unexpected error',
          runs.every((r) => r.errors.length === 0),
          runs
            .flatMap((r) => r.errors)
            .slice(0, 5)
            .join('; ') || 'none',
        ),
        check(
          'reconcile: drift 0',
          runs.every((r) => r.reconcile.driftSkus === 0),
          runs
            .map(
              (r) =>
                `${r.reconcile.driftSkus} of ${r.reconcile.checkedSkus} SKUs ${r.reconcile.drift.slice(0, 2).join('; ')}`,
            )
            .join(', '),
        ),
        check(
          'reconcile: lag 0 after the flush',
          runs.every((r) => r.reconcile.lagEvents === 0),
          runs.map((r) => `${r.reconcile.lagEvents} events`).join(', '),
        ),
        check(
          'no deny SKU oversold at any event in the ledger',
          runs.every((r) => r.oversold.oversold.length === 0 && r.oversold.denyEvents > 0),
          runs
            .map((r) => `${r.oversold.oversold.length} of ${r.oversold.denyEvents} events`)
            .join(', '),
        ),
        check(
          'counters match the replay',
          runs.every((r) => r.stockMismatches.length === 0),
          runs
            .flatMap((r) => r.stockMismatches)
            .slice(0, 3)
            .join('; ') || 'all SKUs',
        ),
      ],
      data: { runs },
    };
  },
};

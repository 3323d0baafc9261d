import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { skusFromOrders } from '../../../scripts/demo-catalog.ts';
import { devFetch } from '../../lib/api.ts';
import { repoRoot } from '../../lib/repo.ts';
import { summarize } from '../../lib/stats.ts';
import {
  type Account,
  connectPaused,
  drainShopifyBucket,
  inventoryItemId,
  type Listed,
  listing,
  pause,
  resume,
  startSimulators,
  syncStatus,
  waitListed,
  waitReachable,
} from '../marketplaces.ts';
import { paced } from '../pace.ts';
import {
  applyLines,
  createLocation,
  loadInWaves,
  sleep,
  WAVE,
  waitObjectsClosed,
} from '../setup.ts';
import { check, type Figure, figure, type Scenario, type Size } from '../types.ts';

// Channel connectors against the marketplace simulators: a full first sync per marketplace, the
// latency from an accepted change to the marketplace showing it (Shopify Standard and Plus,
// Amazon) at 50 and 200 changes a second, and SKU updates a second against each rate limit.
// See bench/README.md.

const SIZES = {
  // Amazon takes 5 patches a second: the smoke keeps its changes that few.
  smoke: {
    skus: 120,
    runs: 1,
    rates: [
      { rate: 50, seconds: 0.2 },
      { rate: 200, seconds: 0.05 },
    ],
    amazonDrain: 7,
    visibleMs: 10_000,
    settle: false,
  },
  quick: {
    skus: 800,
    runs: 1,
    rates: [
      { rate: 50, seconds: 4 },
      { rate: 200, seconds: 2 },
    ],
    amazonDrain: 20,
    visibleMs: 30_000,
    settle: true,
  },
  full: {
    skus: Number.POSITIVE_INFINITY,
    runs: 3,
    rates: [
      { rate: 50, seconds: 20 },
      { rate: 200, seconds: 6 },
    ],
    amazonDrain: 60,
    visibleMs: 60_000,
    settle: true,
  },
} satisfies Record<Size, unknown>;

const LOCATION = 'CX-WH';
const STOCK = 1000;
const STANDARD: Account = {
  channel: 'cx-shopify-std',
  kind: 'shopify',
  account: 'cx-standard',
  plan: 'standard',
};
const PLUS: Account = {
  channel: 'cx-shopify-plus',
  kind: 'shopify',
  account: 'cx-plus',
  plan: 'plus',
};
const AMAZON: Account = { channel: 'cx-amazon', kind: 'amazon', account: 'A2CXBENCHSELLER' };
const WEBHOOK: Account = { channel: 'cx-webhook', kind: 'webhook', account: 'cx-webhook' };
/** Measured for latency and limits: every change reaches all three at once. */
const MEASURED = [STANDARD, PLUS, AMAZON];
const NAMES = new Map([
  [STANDARD, 'Shopify Standard'],
  [PLUS, 'Shopify Plus'],
  [AMAZON, 'Amazon'],
  [WEBHOOK, 'webhook'],
]);
const nameOf = (a: Account) => NAMES.get(a) ?? a.channel;

/** SKU updates a second each limit allows: Shopify 10 points a call of 250, Amazon 5 patches/s. */
const CEILING = new Map([
  [STANDARD, (100 / 10) * 250],
  [PLUS, (1000 / 10) * 250],
  [AMAZON, 5],
]);
/**
 * Requests a second each limit allows the per-item path: Shopify's restore ÷ 10 points a call
 * (a call of up to 250 quantities), Amazon's 5 patches. The share of the limit is the drain's
 * requests a second against this: a drain's last call carries what is left (800 SKUs are three
 * calls of 250 and one of 50), so its SKUs a second understate a drain paced at the limit.
 */
const CALLS_CEILING = new Map([
  [STANDARD, 100 / 10],
  [PLUS, 1000 / 10],
  [AMAZON, 5],
]);
/** Amazon's burst: the first patches of a drain go at once, so the rate is timed after them. */
const AMAZON_BURST = 5;

/** The part of an adjustment's answer the latency is timed from: when SkuStock accepted it. */
const Adjusted = z.object({ event: z.object({ at: z.string() }) });

type ChangeRun = {
  rate: number;
  sent: number;
  failed: number;
  perSecond: number;
  byAccount: { channel: string; visible: number; latencyMs: ReturnType<typeof summarize> }[];
};

export const connectors: Scenario = {
  name: 'connectors',
  description:
    'Channel connectors on the marketplace simulators: first sync, change → marketplace latency, SKU updates/s against each limit',
  run: async (ctx) => {
    const t = ctx.target;
    const size = SIZES[ctx.size];
    const runs = ctx.runs ?? size.runs;
    // Started while the catalog loads; a failed start is reported when it is awaited.
    const starting = startSimulators(t);
    starting.catch(() => undefined);
    let sims: Awaited<typeof starting> | undefined;
    try {
      const orders = readFileSync(join(repoRoot, 'data', 'online-retail-2010-12.csv'), 'utf8');
      const skus = skusFromOrders(orders)
        .slice(0, size.skus)
        .map((s) => `CX-${s.code}`);
      const skuOfItem = new Map(skus.map((sku, i) => [inventoryItemId(i), sku]));
      const onHand = new Map(skus.map((sku) => [sku, STOCK]));
      const expect = (of: readonly string[]) =>
        new Map(of.map((sku) => [sku, onHand.get(sku) ?? 0]));

      ctx.log(`  ${skus.length} SKUs of the demo catalog, ${STOCK} units each at ${LOCATION}`);
      await createLocation(t, LOCATION);
      for (const a of [...MEASURED, WEBHOOK]) {
        await t.api.post('/v1/channels', {
          code: a.channel,
          name: `Bench ${nameOf(a)}`,
          kind: 'marketplace',
          locations: [LOCATION],
        });
      }
      await loadInWaves(
        t,
        skus.map((code) => ({ code })),
        (wave) =>
          wave.map((s) => ({ sku: s.code, op: 'receive', location: LOCATION, quantity: STOCK })),
        ctx.log,
      );
      const simulators = await starting;
      sims = simulators;

      // 1. A full first sync per marketplace: connect, map, resume; until every SKU is listed.
      const firstSync = new Map<Account, number[]>();
      const firstChecks: string[] = [];
      for (const a of [STANDARD, PLUS, AMAZON, WEBHOOK]) {
        for (let r = 0; r < runs; r++) {
          await connectPaused(t, simulators, a, skus);
          await waitReachable(t, a);
          const started = Date.now();
          await resume(t, a);
          const { listed, matched, seenAt } = await waitListed(
            simulators,
            a,
            skuOfItem,
            expect(skus),
            size.visibleMs * 2,
          );
          const last = Math.max(0, ...[...listed.items.values()].map((i) => i.at));
          const seconds = ((last > 0 ? last : seenAt) - started) / 1000;
          firstSync.set(a, [...(firstSync.get(a) ?? []), seconds]);
          if (matched < skus.length) firstChecks.push(`${nameOf(a)}: ${matched}/${skus.length}`);
          ctx.log(`  first sync, ${nameOf(a)}: ${skus.length} SKUs in ${seconds.toFixed(2)} s`);
        }
      }
      await pause(t, WEBHOOK);

      // 2. Latency: adjustments at a paced rate, each to a SKU not changed before in the run.
      const changeRuns: ChangeRun[] = [];
      let cursor = 0;
      for (const { rate, seconds } of size.rates) {
        for (let r = 0; r < runs; r++) {
          if (size.settle) await waitObjectsClosed(t);
          const count = Math.min(skus.length, Math.round(rate * seconds));
          const batch = Array.from(
            { length: count },
            (_, i) => skus[(cursor + i) % skus.length] ?? '',
          );
          cursor += count;
          const acceptedAt = new Map<string, number>();
          const run = await paced({
            rate,
            seconds,
            maxInFlight: 64,
            send: async (i) => {
              const sku = batch[i];
              if (sku === undefined) return 'no_sku';
              const res = await devFetch(
                `${t.url}/v1/skus/${encodeURIComponent(sku)}/adjust`,
                {
                  method: 'POST',
                  headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ location: LOCATION, delta: -1, reason: 'damaged' }),
                },
                30_000,
              );
              const body: unknown = await res.json().catch(() => null);
              if (!res.ok) return `http_${res.status}`;
              const answer = Adjusted.safeParse(body);
              if (!answer.success) return 'unreadable';
              acceptedAt.set(sku, Date.parse(answer.data.event.at));
              onHand.set(sku, (onHand.get(sku) ?? 0) - 1);
              return null;
            },
          });
          const changed = [...acceptedAt.keys()];
          const byAccount = await Promise.all(
            MEASURED.map(async (a) => {
              const { listed } = await waitListed(
                simulators,
                a,
                skuOfItem,
                expect(changed),
                size.visibleMs,
              );
              return { channel: a.channel, ...latencies(listed, changed, acceptedAt, onHand) };
            }),
          );
          changeRuns.push({
            rate,
            sent: run.sent,
            failed: run.failed,
            perSecond: run.perSecond,
            byAccount,
          });
          ctx.log(
            `  ${rate}/s asked, ${run.perSecond.toFixed(0)}/s sent: ${byAccount
              .map(
                (b) =>
                  `${b.channel} ${b.visible}/${changed.length} visible, p50 ${b.latencyMs.p50} ms p99 ${b.latencyMs.p99} ms`,
              )
              .join('; ')}`,
          );
        }
      }

      // 3. Limits: a backlog of sell-outs (urgent, so never the bulk path) built while the
      // connection is paused, then drained at the limit alone (Shopify's bucket emptied first).
      const limitRuns = new Map<Account, { perSecond: number; share: number }[]>();
      const record = (a: Account, v: { perSecond: number; share: number }) =>
        limitRuns.set(a, [...(limitRuns.get(a) ?? []), v]);
      const zero = (of: readonly string[]) =>
        applyLines(
          t,
          of.map((sku) => ({ sku, op: 'count', location: LOCATION, onHand: 0 })),
        ).then(() => {
          for (const sku of of) onHand.set(sku, 0);
        });
      const refill = (of: readonly string[]) =>
        applyLines(
          t,
          of.map((sku) => ({ sku, op: 'receive', location: LOCATION, quantity: STOCK })),
        ).then(() => {
          for (const sku of of) onHand.set(sku, STOCK);
        });
      const drainRate = async (
        a: Account,
        of: readonly string[],
        skip: number,
        resumedAt: number,
      ) => {
        const { listed, matched } = await waitListed(
          simulators,
          a,
          skuOfItem,
          expect(of),
          size.visibleMs + (of.length / (CEILING.get(a) ?? 1)) * 1000,
        );
        const at = of
          .map((sku) => listed.items.get(sku)?.at ?? Number.NaN)
          .filter((x) => !Number.isNaN(x))
          .sort((x, y) => x - y);
        const first = at[skip === 0 ? 0 : skip - 1] ?? Number.NaN;
        // Items sent with the first request share its time: they start the clock.
        const startCount = skip === 0 ? at.filter((x) => x === first).length : skip;
        const last = at[at.length - 1] ?? Number.NaN;
        // A drain that did not finish: what the sync says, to tell the limit from a stall.
        if (matched < of.length) ctx.log(`  ${nameOf(a)}: sync ${await syncStatus(t, a)}`);
        // One request carried them all (a small catalog): timed from the resume instead.
        const perSecond =
          last > first
            ? (matched - startCount) / ((last - first) / 1000)
            : matched / (Math.max(1, last - resumedAt) / 1000);
        // Each request's items share its time: the requests after the first, a second.
        const calls = new Set(at.filter((x) => x > first)).size;
        const callsPerSecond = last > first ? calls / ((last - first) / 1000) : Number.NaN;
        return { perSecond, matched, share: callsPerSecond / (CALLS_CEILING.get(a) ?? 1) };
      };
      for (let r = 0; r < runs; r++) {
        if (size.settle) await waitObjectsClosed(t);
        const drained = skus.slice(0, Math.min(skus.length, WAVE));
        for (const a of MEASURED) await pause(t, a);
        await zero(drained);
        await sleep(1000);
        for (const a of [STANDARD, PLUS]) {
          await drainShopifyBucket(simulators, a);
          const resumedAt = Date.now();
          await resume(t, a);
          const d = await drainRate(a, drained, 0, resumedAt);
          record(a, d);
          ctx.log(
            `  ${nameOf(a)}: ${d.matched} sell-outs at ${d.perSecond.toFixed(0)} SKU/s, ${d.share.toFixed(2)} of the limit's requests/s`,
          );
        }
        await refill(drained);
        await Promise.all(
          [STANDARD, PLUS].map((a) =>
            waitListed(simulators, a, skuOfItem, expect(drained), size.visibleMs),
          ),
        );
        // Amazon: the refill left what it lists unchanged, so there is nothing to push on resume.
        await resume(t, AMAZON);
        await waitListed(simulators, AMAZON, skuOfItem, expect(skus), size.visibleMs);
        const few = skus.slice(0, size.amazonDrain);
        await pause(t, AMAZON);
        await zero(few);
        await sleep(1000);
        const resumedAt = Date.now();
        await resume(t, AMAZON);
        const d = await drainRate(AMAZON, few, AMAZON_BURST, resumedAt);
        record(AMAZON, d);
        ctx.log(
          `  Amazon: ${d.matched} sell-outs at ${d.perSecond.toFixed(2)} SKU/s, ${d.share.toFixed(2)} of the limit`,
        );
        await refill(few);
        await waitListed(simulators, AMAZON, skuOfItem, expect(few), size.visibleMs);
      }

      const figures: Figure[] = [];
      for (const [a, values] of firstSync) {
        figures.push(figure(`first sync of ${skus.length} SKUs: ${nameOf(a)}`, 's', values, 1));
      }
      for (const { rate } of size.rates) {
        const these = changeRuns.filter((c) => c.rate === rate);
        figures.push(
          figure(
            `${rate}/s asked: changes/s sent`,
            'changes/s',
            these.map((c) => c.perSecond),
          ),
        );
        for (const a of MEASURED) {
          const mine = these.flatMap((c) => c.byAccount.filter((b) => b.channel === a.channel));
          const visible = these.map((c, i) => {
            const b = mine[i];
            return b === undefined || c.sent === 0 ? 0 : (100 * b.visible) / (c.sent - c.failed);
          });
          const n = `${rate}/s, ${nameOf(a)}`;
          figures.push(
            figure(
              `${n}: visible p50`,
              'ms',
              mine.map((b) => b.latencyMs.p50),
            ),
            figure(
              `${n}: visible p99`,
              'ms',
              mine.map((b) => b.latencyMs.p99),
            ),
            figure(
              `${n}: visible max`,
              'ms',
              mine.map((b) => b.latencyMs.max),
            ),
            figure(`${n}: shown within ${size.visibleMs / 1000} s`, '%', visible, 1),
          );
        }
      }
      for (const a of MEASURED) {
        const values = limitRuns.get(a) ?? [];
        const ceiling = CEILING.get(a) ?? 1;
        const calls = CALLS_CEILING.get(a) ?? 1;
        figures.push(
          figure(
            `sell-out drain, ${nameOf(a)}: SKU updates/s (limit ${ceiling.toLocaleString('en-US')}/s)`,
            'SKU/s',
            values.map((v) => v.perSecond),
            a === AMAZON ? 2 : 0,
          ),
          figure(
            `sell-out drain, ${nameOf(a)}: share of the limit's ${calls} requests/s`,
            'fraction',
            values.map((v) => v.share),
            2,
          ),
        );
      }

      const shopifyShown = changeRuns.every((c) =>
        c.byAccount
          .filter((b) => b.channel !== AMAZON.channel)
          .every((b) => b.visible === c.sent - c.failed),
      );
      const duplicates = await Promise.all(
        [STANDARD, PLUS].map(async (a) => (await listing(simulators, a, skuOfItem)).duplicates),
      );
      return {
        parameters: {
          skus: skus.length,
          runs,
          rates: size.rates,
          stockPerSku: STOCK,
          sellOutBacklog: { shopify: Math.min(skus.length, WAVE), amazon: size.amazonDrain },
          ceilings: Object.fromEntries([...CEILING].map(([a, v]) => [nameOf(a), v])),
          visibleWithinMs: size.visibleMs,
        },
        figures,
        checks: [
          check(
            'the first sync lists every SKU on every marketplace',
            firstChecks.length === 0,
            firstChecks.length === 0 ? `${skus.length} SKUs each` : firstChecks.join('; '),
          ),
          check(
            'Shopify shows every change',
            shopifyShown,
            `within ${size.visibleMs / 1000} s of the run's end`,
          ),
          check(
            'no Shopify push applied twice',
            duplicates.every((d) => d === 0),
            `duplicates: ${duplicates.join(', ')}`,
          ),
        ],
        data: {
          firstSync: Object.fromEntries([...firstSync].map(([a, v]) => [a.channel, v])),
          changeRuns,
          limitRuns: Object.fromEntries([...limitRuns].map(([a, v]) => [a.channel, v])),
        },
      };
    } finally {
      await (sims ?? (await starting.catch(() => undefined)))?.stop();
    }
  },
};

/** Change → shown latencies of the changed SKUs the marketplace shows with their new quantity. */
const latencies = (
  listed: Listed,
  changed: readonly string[],
  acceptedAt: ReadonlyMap<string, number>,
  onHand: ReadonlyMap<string, number>,
) => {
  const values: number[] = [];
  for (const sku of changed) {
    const item = listed.items.get(sku);
    const at = acceptedAt.get(sku);
    if (item === undefined || at === undefined || item.quantity !== onHand.get(sku)) continue;
    values.push(Math.max(0, item.at - at));
  }
  return { visible: values.length, latencyMs: summarize(values) };
};

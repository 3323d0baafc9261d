import { z } from 'zod';
import { devFetch } from '../../lib/api.ts';
import { summarize } from '../../lib/stats.ts';
import type { DevServer } from '../../lib/wrangler-dev.ts';
import { startSimulators } from '../marketplaces.ts';
import { paced } from '../pace.ts';
import { createLocation, loadInWaves, sleep } from '../setup.ts';
import { check, figure, type Scenario, type Size } from '../types.ts';
import { replaySignals } from './signals-replay.ts';

// Stock signals that act (docs/signals.md, docs/ads.md): SKUs sold out one by one at a paced
// rate, each on a SKU of its own, while a webhook subscription (the simulators' Standard Webhooks
// receiver, which checks every signature) takes `out` signals and a Google Ads connection (the
// simulated Google Ads API) follows the channel. Measured per sell-out: stock change → signed
// webhook received (the receiver's arrival time − the time SkuStock accepted the change) and sold
// out → ad group paused (the simulator's ad-seconds on a sold-out entity: it is told the entity is
// sold out just before the change is sent, and counts until the pause lands). Then the same over
// the real order stream replayed on a compressed clock, with the ads automation on and off side by
// side (signals-replay.ts). See bench/README.md.

const SIZES = {
  smoke: { perRun: 6, rate: 6, runs: 1, settleMs: 20_000 },
  quick: { perRun: 40, rate: 10, runs: 1, settleMs: 60_000 },
  full: { perRun: 100, rate: 10, runs: 3, settleMs: 120_000 },
} satisfies Record<Size, unknown>;

const LOCATION = 'SG-WH';
const CHANNEL = 'sg-web';
const RECEIVER = 'sg-hooks';
const ADS = 'sg-google';
const CUSTOMER = '1234500088';
const entityOf = (i: number) => `customers/${CUSTOMER}/adGroups/${7_100_000 + i}`;

const Adjusted = z.object({ event: z.object({ at: z.string() }) });
const Created = z.object({ secret: z.string() });
const Received = z.object({
  signals: z.array(
    z.object({
      type: z.string(),
      data: z.looseObject({ sku: z.string(), location: z.string().optional() }),
      receivedAt: z.number(),
    }),
  ),
});
const AdsListing = z.object({
  entities: z.array(
    z.object({ entity: z.string(), status: z.string(), soldOutServingSeconds: z.number() }),
  ),
});

type Run = {
  changes: number;
  failed: number;
  errors: Record<string, number>;
  changesPerSecond: number;
  webhooks: number;
  webhookMs: ReturnType<typeof summarize>;
  webhooksPerSecond: number;
  paused: number;
  pauseMs: ReturnType<typeof summarize>;
  pausesPerSecond: number;
};

const sim = async (sims: DevServer, path: string, body?: object): Promise<unknown> => {
  const res = await fetch(`${sims.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

export const signals: Scenario = {
  name: 'signals',
  description:
    'Stock signals that act: stock change → signed webhook received, sold out → Google Ads ad group paused (simulators), latency and throughput; then over the order stream replay, ad-seconds on sold-out SKUs with the automation on and off',
  run: async (ctx) => {
    const t = ctx.target;
    const size = SIZES[ctx.size];
    const runs = ctx.runs ?? size.runs;
    const starting = startSimulators(t);
    starting.catch(() => undefined);
    let sims: DevServer | undefined;
    try {
      const total = size.perRun * runs;
      const skus = Array.from({ length: total }, (_, i) => `SG-${String(i).padStart(5, '0')}`);
      await createLocation(t, LOCATION);
      await t.api.post('/v1/channels', {
        code: CHANNEL,
        name: 'Bench signals',
        kind: 'storefront',
        locations: [LOCATION],
      });
      await loadInWaves(
        t,
        skus.map((code) => ({ code })),
        (wave) =>
          wave.map((s) => ({ sku: s.code, op: 'receive', location: LOCATION, quantity: 1 })),
        ctx.log,
      );
      sims = await starting;
      const simulators = sims;
      const hook = Created.parse(
        await t.api.post('/v1/webhooks', {
          url: `https://bench.simulators.test/webhook/${RECEIVER}`,
          events: ['out'],
          filter: { locations: [LOCATION] },
        }),
      );
      await sim(simulators, `/_sim/webhook/config?account=${RECEIVER}`, { secret: hook.secret });
      const put = await devFetch(`${t.url}/v1/ads/${ADS}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'google_ads',
          channel: CHANNEL,
          settings: { customerId: CUSTOMER },
          credentials: {
            clientId: 'stockmesh-bench.apps.googleusercontent.com',
            clientSecret: 'GOCSPX-bench',
            refreshToken: '1//stockmesh-bench-refresh',
            developerToken: 'dev-token-bench-0123456789',
          },
        }),
      });
      if (!put.ok) throw new Error(`ads connection: ${put.status} ${await put.text()}`);
      const mappings = skus
        .map((sku, i) => JSON.stringify({ sku, level: 'ad_group', id: entityOf(i).split('/')[3] }))
        .join('\n');
      const imported = await devFetch(`${t.url}/v1/ads/${ADS}/mappings/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/x-ndjson' },
        body: mappings,
      });
      if (!imported.ok) throw new Error(`mappings: ${imported.status} ${await imported.text()}`);
      ctx.log(`  ${total} SKUs with 1 unit at ${LOCATION}, each its own ad group`);

      const results: Run[] = [];
      for (let r = 0; r < runs; r++) {
        const from = r * size.perRun;
        const batch = skus.slice(from, from + size.perRun);
        const acceptedAt = new Map<string, number>();
        const run = await paced({
          rate: size.rate,
          // Half a change over: paced() sends floor(elapsed × rate), so exactly perRun go out.
          seconds: (size.perRun + 0.5) / size.rate,
          maxInFlight: 64,
          send: async (i) => {
            const sku = batch[i];
            if (sku === undefined) return 'no_sku';
            // The ads API is told first, so its count of serving while sold out starts before.
            await sim(simulators, `/_sim/google_ads/truth?account=${CUSTOMER}`, {
              entities: { [entityOf(from + i)]: true },
            });
            const res = await devFetch(`${t.url}/v1/skus/${sku}/adjust`, {
              method: 'POST',
              headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ location: LOCATION, delta: -1, reason: 'damaged' }),
            });
            if (!res.ok) return `adjust ${res.status}: ${(await res.text()).slice(0, 120)}`;
            acceptedAt.set(sku, Date.parse(Adjusted.parse(await res.json()).event.at));
            return null;
          },
        });
        const started = Math.min(...acceptedAt.values());
        const inRun = new Set(batch);
        const mine = new Set(batch.map((_, i) => entityOf(from + i)));
        const deadline = Date.now() + size.settleMs;
        let received: z.infer<typeof Received>['signals'] = [];
        let entities: z.infer<typeof AdsListing>['entities'] = [];
        for (;;) {
          received = Received.parse(
            await sim(simulators, `/_sim/webhook/listing?account=${RECEIVER}`),
          ).signals.filter((s) => s.type === 'stock.out' && inRun.has(s.data.sku));
          entities = AdsListing.parse(
            await sim(simulators, `/_sim/google_ads/listing?account=${CUSTOMER}`),
          ).entities.filter((e) => mine.has(e.entity));
          const paused = entities.filter((e) => e.status === 'PAUSED').length;
          if (received.length >= acceptedAt.size && paused >= acceptedAt.size) break;
          if (Date.now() > deadline) break;
          await sleep(100);
        }
        const webhookMs = received.flatMap((s) => {
          const at = acceptedAt.get(s.data.sku);
          return at === undefined ? [] : [s.receivedAt - at];
        });
        const paused = entities.filter((e) => e.status === 'PAUSED');
        const lastReceived = Math.max(...received.map((s) => s.receivedAt));
        const seconds = (ms: number) => Math.max(0.001, ms / 1000);
        const result: Run = {
          changes: acceptedAt.size,
          failed: run.failed,
          errors: run.errors,
          changesPerSecond: run.perSecond,
          webhooks: received.length,
          webhookMs: summarize(webhookMs),
          webhooksPerSecond: received.length / seconds(lastReceived - started),
          paused: paused.length,
          pauseMs: summarize(paused.map((e) => e.soldOutServingSeconds * 1000)),
          // The last pause lands at most its own latency after the last change was accepted.
          pausesPerSecond:
            paused.length /
            seconds(
              Math.max(...acceptedAt.values()) -
                started +
                Math.max(...paused.map((e) => e.soldOutServingSeconds * 1000)),
            ),
        };
        results.push(result);
        ctx.log(
          `  run ${r + 1}: ${result.failed > 0 ? `${result.failed} failed (${JSON.stringify(result.errors)}); ` : ''}${result.changes} sell-outs at ${result.changesPerSecond.toFixed(1)}/s; webhook ${result.webhooks} (p50 ${result.webhookMs.p50.toFixed(0)} ms, p99 ${result.webhookMs.p99.toFixed(0)} ms); paused ${result.paused} (p50 ${result.pauseMs.p50.toFixed(0)} ms, p99 ${result.pauseMs.p99.toFixed(0)} ms)`,
        );
      }
      const all = (f: (r: Run) => number) => results.map(f);
      const replay = await replaySignals(t, simulators, ctx.size, ctx.log);
      return {
        parameters: {
          ...size,
          runs,
          channel: CHANNEL,
          ads: 'Google Ads (simulated)',
          replay: replay.parameters,
        },
        figures: [
          figure(
            'sell-outs sent',
            'changes/s',
            all((r) => r.changesPerSecond),
            1,
          ),
          figure(
            'change → webhook min',
            'ms',
            all((r) => r.webhookMs.min),
          ),
          figure(
            'change → webhook p50',
            'ms',
            all((r) => r.webhookMs.p50),
          ),
          figure(
            'change → webhook p99',
            'ms',
            all((r) => r.webhookMs.p99),
          ),
          figure(
            'change → webhook max',
            'ms',
            all((r) => r.webhookMs.max),
          ),
          figure(
            'webhooks received',
            'signals/s',
            all((r) => r.webhooksPerSecond),
            1,
          ),
          figure(
            'sold out → ad paused min',
            'ms',
            all((r) => r.pauseMs.min),
          ),
          figure(
            'sold out → ad paused p50',
            'ms',
            all((r) => r.pauseMs.p50),
          ),
          figure(
            'sold out → ad paused p99',
            'ms',
            all((r) => r.pauseMs.p99),
          ),
          figure(
            'sold out → ad paused max',
            'ms',
            all((r) => r.pauseMs.max),
          ),
          figure(
            'ad groups paused',
            'pauses/s',
            all((r) => r.pausesPerSecond),
            1,
          ),
          ...replay.figures,
        ],
        checks: [
          check(
            'every sell-out accepted, signed webhook received once, ad group paused',
            results.every(
              (r) =>
                r.failed === 0 &&
                r.changes === size.perRun &&
                r.webhooks === r.changes &&
                r.paused === r.changes,
            ),
            results
              .map(
                (r) =>
                  `${r.changes}/${size.perRun} accepted, ${r.webhooks} webhooks, ${r.paused} paused`,
              )
              .join('; '),
          ),
          ...replay.checks,
        ],
        data: { paced: results, replay: replay.data },
      };
    } finally {
      await (sims ?? (await starting.catch(() => undefined)))?.stop();
    }
  },
};

import { z } from 'zod';
import { devFetch } from '../../lib/api.ts';
import { type LatencySummary, summarize } from '../../lib/stats.ts';
import type { DevServer } from '../../lib/wrangler-dev.ts';
import { orderRecords, type ReplayEvent, replayEvents } from '../order-stream.ts';
import {
  applyLines,
  createLocation,
  importSkus,
  postBatch,
  sleep,
  WAVE,
  waitObjectsClosed,
} from '../setup.ts';
import { absorbProxyReset } from '../target.ts';
import { type Check, check, type Figure, figure, type Size, type Target } from '../types.ts';
import { type Plan, planReplay, type Step, skusOf, soldOutMs } from './signals-replay-plan.ts';

// The signals scenario's second part (bench/README.md, "`signals`: how it measures"): the real
// order stream replayed on a compressed clock over low opening stock with restocks, while a
// webhook subscription takes `out` signals and two Google Ads connections follow the channel,
// every SKU its own ad group: one acting (automation on), one created paused (automation off:
// the product's own off switch, nothing is sent). Both simulated ads accounts are told the truth
// (sold out or not) at the same moments, so each counts the ad-seconds its ads served on sold-out
// SKUs over the same replay.

const SIZES = {
  /** The first events of the first day, no restock due within them. */
  smoke: {
    events: 4,
    openingShare: 0.5,
    restockAfterMinutes: 120,
    seconds: 1,
    maxInFlight: 4,
    tailMs: 20_000,
  },
  /** The first day on a 30 s clock. */
  quick: {
    events: 'day 1',
    openingShare: 0.5,
    restockAfterMinutes: 180,
    seconds: 30,
    maxInFlight: 8,
    tailMs: 30_000,
  },
  /** All 13 days on an 8-minute clock; a sold-out SKU is restocked the next day. */
  full: {
    events: 'all',
    openingShare: 0.5,
    restockAfterMinutes: 24 * 60,
    seconds: 480,
    maxInFlight: 8,
    tailMs: 60_000,
  },
} satisfies Record<
  Size,
  {
    events: number | 'day 1' | 'all';
    openingShare: number;
    restockAfterMinutes: number;
    seconds: number;
    maxInFlight: number;
    tailMs: number;
  }
>;

const LOCATION = 'SR-WH';
/** SKUs per import request (see the load below). */
const LOAD_CHUNK = 500;
const CHANNEL = 'sr-web';
const RECEIVER = 'sr-hooks';
const PREFIX = 'SR-';
const ON = { name: 'sr-on', customer: '1234500091' };
const OFF = { name: 'sr-off', customer: '1234500092' };
const entityOf = (customer: string, index: number) =>
  `customers/${customer}/adGroups/${8_000_000 + index}`;

const Created = z.object({ id: z.string(), secret: z.string() });
const Deliveries = z.object({
  items: z.array(
    z.object({ eventId: z.string(), createdAt: z.string(), deliveredAt: z.string().nullable() }),
  ),
  nextCursor: z.string().nullable(),
});
const Actions = z.object({
  items: z.array(
    z.object({
      action: z.string(),
      status: z.string(),
      reason: z.object({ eventId: z.string().nullable() }),
      createdAt: z.string(),
      doneAt: z.string().nullable(),
    }),
  ),
  nextCursor: z.number().nullable(),
});
const RelayStatus = z.object({
  entities: z.object({ queued: z.number() }),
  relay: z.object({ behind: z.number(), oldestAgeSeconds: z.number().nullable() }).nullable(),
});
const Episode = z.object({
  soldOutAt: z.number(),
  servingAtStart: z.boolean(),
  servedMs: z.number(),
  stoppedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
});
const Listing = z.object({
  entities: z.array(
    z.object({
      entity: z.string(),
      soldOutServingSeconds: z.number(),
      episodes: z.array(Episode),
    }),
  ),
  adSecondsOnSoldOut: z.number(),
  totals: z.object({ requests: z.number(), applied: z.number() }),
});
type Listing = z.infer<typeof Listing>;
const Received = z.object({
  signals: z.array(
    z.object({
      type: z.string(),
      data: z.looseObject({ id: z.string(), location: z.string().optional() }),
      receivedAt: z.number(),
    }),
  ),
});
const SignalPage = z.object({
  items: z.array(z.object({ id: z.string(), at: z.string() })),
  nextCursor: z.string().nullable(),
});

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

// devFetch: a POST the simulators' proxy failed to deliver (503, restarted mid-request) is sent
// again, as a truth call lost that way would leave the accounts and the stock apart.
const sim = async (sims: DevServer, path: string, body?: object): Promise<unknown> => {
  const res = await devFetch(`${sims.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

export type ReplayOutcome = {
  parameters: Record<string, unknown>;
  figures: Figure[];
  checks: Check[];
  data: unknown;
};

/** What one ads account's listing says over the replay's window. */
const accountFigures = (l: Listing, closedAt: number) => {
  const spells = l.entities.flatMap((e) => e.episodes);
  const served = spells.filter((p) => p.servingAtStart);
  const paused = served.filter((p) => p.stoppedAt !== null && p.stoppedAt <= (p.endedAt ?? 1e15));
  const unpaused = served.filter((p) => !paused.includes(p));
  return {
    spells: spells.length,
    servingAtSellOut: served.length,
    alreadyStopped: spells.length - served.length,
    pausedInSpell: paused.length,
    backBeforePaused: unpaused.filter((p) => p.endedAt !== null && p.endedAt < closedAt).length,
    servingAtWindowEnd: unpaused.filter((p) => p.endedAt === null || p.endedAt >= closedAt).length,
    pauseMs: summarize(paused.map((p) => (p.stoppedAt ?? 0) - p.soldOutAt)),
    adSeconds: l.adSecondsOnSoldOut,
    soldOutSeconds: spells.reduce((s, p) => s + ((p.endedAt ?? closedAt) - p.soldOutAt) / 1000, 0),
    requests: l.totals.requests,
  };
};

/**
 * Replays the order stream against the mesh with the ads automation on and off side by side
 * (the simulators already running); answers its figures and checks.
 */
export const replaySignals = async (
  t: Target,
  sims: DevServer,
  size: Size,
  log: (line: string) => void,
): Promise<ReplayOutcome> => {
  const partStarted = performance.now();
  // SIGNALS_REPLAY_SECONDS stretches the clock (bench/README.md: the same day with the mesh not
  // saturated, to tell queueing in the signal path from a runtime short of CPU).
  const stretched = Number(process.env.SIGNALS_REPLAY_SECONDS);
  const s = {
    ...SIZES[size],
    ...(stretched > 0 && { seconds: stretched, tailMs: Math.max(SIZES[size].tailMs, 30_000) }),
  };
  const plan: Plan = planReplay(selectEvents(replayEvents(orderRecords()), s.events), s);
  const skus = [...plan.opening.keys()].sort();
  const index = new Map(skus.map((sku, i) => [sku, i]));
  const code = (sku: string) => `${PREFIX}${sku}`;
  const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };

  // The first part's last call to the mesh may be seconds old: a pooled connection the proxy
  // closed meanwhile fails the next request ("fetch failed"); one throwaway request absorbs it.
  await absorbProxyReset(t);
  await createLocation(t, LOCATION);
  await t.api.post('/v1/channels', {
    code: CHANNEL,
    name: 'Bench signals replay',
    kind: 'storefront',
    locations: [LOCATION],
  });
  // Loaded a few hundred at a time: one import request configures each SKU's object, and under
  // other suites' load a 1,500-SKU request failed here twice (500 internal) where 500 did not.
  let failedLines = 0;
  for (let i = 0; i < skus.length; i += LOAD_CHUNK) {
    // Each chunk's objects are left to close first: a quick run (1,346 SKUs, under a WAVE) failed
    // its import with SQLITE_NOMEM once (workerd's SQLite memory limit, bench/README.md).
    if (i > 0) await waitObjectsClosed(t);
    const chunk = skus.slice(i, i + LOAD_CHUNK);
    try {
      await importSkus(
        t,
        chunk.map((sku) => ({ code: code(sku), title: `Order stream ${sku}` })),
      );
    } catch (error) {
      throw new Error(
        `SKUs ${i} to ${i + chunk.length}: ${String(error)}\n--- wrangler log ---\n${t.logTail(80)}`,
      );
    }
    failedLines += await applyLines(
      t,
      chunk.flatMap((sku) => {
        const quantity = plan.opening.get(sku) ?? 0;
        return quantity === 0
          ? []
          : [
              {
                sku: code(sku),
                op: 'receive',
                location: LOCATION,
                quantity,
                reason: 'opening_stock',
              },
            ];
      }),
    );
  }
  if (failedLines > 0) throw new Error(`${failedLines} opening receipts failed`);
  if (skus.length > WAVE) await waitObjectsClosed(t);
  const hook = Created.parse(
    await t.api.post('/v1/webhooks', {
      url: `https://bench.simulators.test/webhook/${RECEIVER}`,
      events: ['out'],
      filter: { locations: [LOCATION] },
    }),
  );
  await sim(sims, `/_sim/webhook/reset?account=${RECEIVER}`, {});
  await sim(sims, `/_sim/webhook/config?account=${RECEIVER}`, { secret: hook.secret });
  for (const [a, paused] of [
    [ON, false],
    [OFF, true],
  ] as const) {
    await sim(sims, `/_sim/google_ads/reset?account=${a.customer}`, {});
    const put = await devFetch(`${t.url}/v1/ads/${a.name}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        kind: 'google_ads',
        channel: CHANNEL,
        settings: { customerId: a.customer },
        credentials: {
          clientId: 'stockmesh-bench.apps.googleusercontent.com',
          clientSecret: 'GOCSPX-bench',
          refreshToken: '1//stockmesh-bench-refresh',
          developerToken: 'dev-token-bench-0123456789',
        },
        paused,
      }),
    });
    if (!put.ok) throw new Error(`ads ${a.name}: ${put.status} ${await put.text()}`);
    const imported = await devFetch(`${t.url}/v1/ads/${a.name}/mappings/import`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      body: skus
        .map((sku, i) =>
          JSON.stringify({
            sku: code(sku),
            level: 'ad_group',
            id: entityOf(a.customer, i).split('/')[3],
          }),
        )
        .join('\n'),
    });
    if (!imported.ok) throw new Error(`mappings: ${imported.status} ${await imported.text()}`);
  }
  const first = plan.steps[0]?.at ?? 0;
  const span = (plan.steps.at(-1)?.at ?? first) - first;
  const factor = span / (s.seconds * 1000);
  log(
    `  replay: ${skus.length} SKUs at ${LOCATION} (opening ${s.openingShare * 100}% of demand), ${plan.steps.length} steps (${plan.sellOuts} sell-outs, ${plan.restocks} restocks after ${s.restockAfterMinutes} min) over ${(span / 3.6e6).toFixed(1)} h of replay time in ${s.seconds} s: ×${Math.round(factor)}`,
  );

  // The truth, told to both accounts at once: before the cart that takes a SKU's last units,
  // after the receipt or return that brings it back.
  const truth = (of: readonly string[], soldOut: boolean) =>
    Promise.all(
      [ON, OFF].map((a) =>
        sim(sims, `/_sim/google_ads/truth?account=${a.customer}`, {
          entities: Object.fromEntries(
            of.map((sku) => [entityOf(a.customer, index.get(sku) ?? -1), soldOut]),
          ),
        }),
      ),
    );
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
    return { status: res.status, text: await res.text() };
  };
  const errors: string[] = [];
  const soldOutNow = new Set<string>();
  const send = async (step: Step) => {
    if (step.kind === 'cart') {
      if (step.soldOut.length > 0) {
        for (const sku of step.soldOut) soldOutNow.add(sku);
        await truth(step.soldOut, true);
      }
      const held = await post(
        '/v1/reservations',
        { channel: CHANNEL, lines: step.lines.map((l) => ({ ...l, sku: code(l.sku) })) },
        `${PREFIX}${step.invoice}`,
      );
      if (held.status !== 201) {
        errors.push(`cart ${step.invoice}: ${held.status} ${held.text.slice(0, 200)}`);
        return;
      }
      const { reservationId } = z
        .object({ reservationId: z.string() })
        .parse(JSON.parse(held.text));
      const done = await post(`/v1/reservations/${reservationId}/commit`, {});
      if (done.status !== 200) errors.push(`commit ${step.invoice}: ${done.status}`);
      return;
    }
    const answer = await postBatch(
      t,
      step.lines.map((l) =>
        step.kind === 'return'
          ? {
              sku: code(l.sku),
              op: 'return',
              location: LOCATION,
              quantity: l.quantity,
              disposition: 'restock',
              ref: step.invoice,
            }
          : {
              sku: code(l.sku),
              op: 'receive',
              location: LOCATION,
              quantity: l.quantity,
              reason: 'po_receipt',
            },
      ),
    );
    for (const r of answer.results) {
      if (!r.ok) errors.push(`${step.kind} ${r.sku}: ${r.error?.code ?? 'failed'}`);
    }
    if (step.back.length > 0) {
      await truth(step.back, false);
      for (const sku of step.back) soldOutNow.delete(sku);
    }
  };

  // On the clock, in order, at most maxInFlight at once; a step that adds stock to a SKU never
  // overlaps another step of that SKU, so every cart finds the units the plan gave it.
  const carts = new Map<string, number>();
  const adding = new Map<string, number>();
  const bump = (m: Map<string, number>, keys: readonly string[], by: number) => {
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + by);
  };
  const blocked = (step: Step) =>
    skusOf(step).some(
      (k) => (adding.get(k) ?? 0) > 0 || (step.kind !== 'cart' && (carts.get(k) ?? 0) > 0),
    );
  // The simulators keep each account in the memory of its object, which workerd drops after
  // some idle seconds (an account that lost its spells listed none at the end of two quick runs):
  // a no-op admin call every 2 s keeps the three accounts alive until they are read.
  const keepAlive = setInterval(() => {
    for (const path of [
      `/_sim/google_ads/faults?account=${ON.customer}`,
      `/_sim/google_ads/faults?account=${OFF.customer}`,
      `/_sim/webhook/faults?account=${RECEIVER}`,
    ]) {
      sim(sims, path, {}).catch(() => undefined);
    }
  }, 2_000);
  keepAlive.unref();
  // Where the signal path queues (bench/README.md, "where the time goes"): every 2 s, how far the
  // ads relay is behind toward the acting connection and how many actions wait in it.
  const relaySamples: { at: number; behind: number; oldestAgeSeconds: number; queued: number }[] =
    [];
  const sampler = setInterval(() => {
    t.api
      .get(`/v1/ads/${ON.name}/status`)
      .then((body) => {
        const st = RelayStatus.parse(body);
        relaySamples.push({
          at: Date.now(),
          behind: st.relay?.behind ?? 0,
          oldestAgeSeconds: st.relay?.oldestAgeSeconds ?? 0,
          queued: st.entities.queued,
        });
      })
      .catch(() => undefined);
  }, 2_000);
  sampler.unref();
  const pending = new Set<Promise<void>>();
  const lagMs: number[] = [];
  const started = performance.now();
  const wallStart = Date.now();
  let lastReport = started;
  for (const [i, step] of plan.steps.entries()) {
    const due = started + (step.at - first) / factor;
    if (performance.now() < due) await sleep(due - performance.now());
    while (pending.size >= s.maxInFlight || blocked(step)) await Promise.race(pending);
    lagMs.push(Math.max(0, performance.now() - due));
    const keys = skusOf(step);
    const counts = step.kind === 'cart' ? carts : adding;
    bump(counts, keys, 1);
    const p: Promise<void> = send(step)
      .catch((e: unknown) => {
        errors.push(`${step.kind}: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        bump(counts, keys, -1);
        pending.delete(p);
      });
    pending.add(p);
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      log(
        `    ${i + 1} of ${plan.steps.length} steps after ${((lastReport - started) / 1000).toFixed(0)} s (${(lagMs.at(-1) ?? 0).toFixed(0)} ms behind the clock), ${errors.length} errors${errors[0] === undefined ? '' : ` (first: ${errors[0]})`}`,
      );
    }
  }
  await Promise.all(pending);
  clearInterval(sampler);
  const replaySeconds = (performance.now() - started) / 1000;

  // The tail: the acting account's last pauses land, then the window closes for both at once.
  const onListing = async () =>
    Listing.parse(await sim(sims, `/_sim/google_ads/listing?account=${ON.customer}`));
  const tailEnd = Date.now() + s.tailMs;
  while (Date.now() < tailEnd) {
    const open = (await onListing()).entities
      .flatMap((e) => e.episodes)
      .filter((p) => p.servingAtStart && p.endedAt === null && p.stoppedAt === null);
    if (open.length === 0) break;
    await sleep(250);
  }
  const closedAt = Date.now();
  if (soldOutNow.size > 0) await truth([...soldOutNow], false);
  const figuresOf = async (a: { customer: string }) =>
    accountFigures(
      Listing.parse(await sim(sims, `/_sim/google_ads/listing?account=${a.customer}`)),
      closedAt,
    );
  const [on, off] = [await figuresOf(ON), await figuresOf(OFF)];
  const windowSeconds = (closedAt - wallStart) / 1000;

  // change → webhook: the receiver's arrival − the `at` of the change SkuStock accepted, which
  // the signal carries (GET /v1/signals).
  const at = new Map<string, number>();
  for (let cursor: string | null = null; ; ) {
    const q = new URLSearchParams({ type: 'out', location: LOCATION, limit: '200' });
    if (cursor !== null) q.set('cursor', cursor);
    const page = SignalPage.parse(await t.api.get(`/v1/signals?${q}`));
    for (const i of page.items) at.set(i.id, Date.parse(i.at));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  let received = Received.parse(
    await sim(sims, `/_sim/webhook/listing?account=${RECEIVER}`),
  ).signals.filter((r) => r.type === 'stock.out' && r.data.location === LOCATION);
  for (let waited = 0; received.length < plan.sellOuts && waited < s.tailMs; waited += 500) {
    await sleep(500);
    received = Received.parse(
      await sim(sims, `/_sim/webhook/listing?account=${RECEIVER}`),
    ).signals.filter((r) => r.type === 'stock.out' && r.data.location === LOCATION);
  }
  const webhookMs = summarize(
    received.flatMap((r) => {
      const changed = at.get(r.data.id);
      return changed === undefined ? [] : [r.receivedAt - changed];
    }),
  );
  clearInterval(keepAlive);
  const stages = await signalStages(t, hook.id, at);
  log(`  replay, where the time goes: ${JSON.stringify(stages.summary)}`);
  const relayMax = {
    behind: Math.max(0, ...relaySamples.map((r) => r.behind)),
    oldestAgeSeconds: Math.max(0, ...relaySamples.map((r) => r.oldestAgeSeconds)),
    queued: Math.max(0, ...relaySamples.map((r) => r.queued)),
  };
  log(
    `  replay, ads relay toward ${ON.name} at its worst (2 s samples): ${JSON.stringify(relayMax)}`,
  );
  const uniqueWebhooks = new Set(received.map((r) => r.data.id)).size;
  const ms = (l: LatencySummary, k: keyof LatencySummary) => l[k];
  log(
    `  replay: ${plan.steps.length} steps in ${replaySeconds.toFixed(1)} s (behind the clock p99 ${summarize(lagMs).p99.toFixed(0)} ms), ${errors.length} errors; ${plan.sellOuts} sell-outs, webhooks ${received.length} (p50 ${webhookMs.p50.toFixed(0)} ms, p99 ${webhookMs.p99.toFixed(0)} ms); on: ${on.pausedInSpell}/${on.servingAtSellOut} paused (p50 ${on.pauseMs.p50.toFixed(0)} ms, p99 ${on.pauseMs.p99.toFixed(0)} ms, max ${on.pauseMs.max.toFixed(0)} ms), ${on.adSeconds.toFixed(1)} ad-s on sold-out; off: ${off.adSeconds.toFixed(1)} ad-s (window ${windowSeconds.toFixed(1)} s; clock ×${Math.round(factor)} planned, ×${Math.round(span / 1000 / replaySeconds)} reached); this part took ${((performance.now() - partStarted) / 1000).toFixed(1)} s`,
  );
  // Replay time: a spell's length on the stream's own clock comes from the plan (its cart to the
  // step that brings the SKU back); the off account's ads serve through all of it (checked below).
  // The acting account's cost is its pause latency, which does not stretch with the clock, so it
  // is given in wall seconds per sell-out.
  const soldOutReplayHours = soldOutMs(plan.steps) / 3.6e6;
  const offServedShare = off.soldOutSeconds > 0 ? off.adSeconds / off.soldOutSeconds : Number.NaN;
  const effectiveCompression = span / 1000 / replaySeconds;
  const one = (v: number) => [v];
  return {
    parameters: {
      events: s.events,
      steps: plan.steps.length,
      skus: skus.length,
      openingShareOfDemand: s.openingShare,
      restockAfterMinutes: s.restockAfterMinutes,
      sellOuts: plan.sellOuts,
      restocks: plan.restocks,
      unitsSold: plan.unitsSold,
      unitsLost: plan.unitsLost,
      replayHours: span / 3.6e6,
      soldOutReplayHours,
      wallSeconds: s.seconds,
      compression: factor,
      effectiveCompression,
      replaySeconds,
      maxInFlight: s.maxInFlight,
      ads: { on: ON.name, off: `${OFF.name} (created paused)` },
    },
    figures: [
      figure('replay: steps behind the clock p99', 'ms', one(summarize(lagMs).p99)),
      figure('replay: change → webhook p50', 'ms', one(ms(webhookMs, 'p50'))),
      figure('replay: change → webhook p99', 'ms', one(ms(webhookMs, 'p99'))),
      figure('replay: sold out → ad paused min', 'ms', one(on.pauseMs.min)),
      figure('replay: sold out → ad paused p50', 'ms', one(on.pauseMs.p50)),
      figure('replay: sold out → ad paused p99', 'ms', one(on.pauseMs.p99)),
      figure('replay: sold out → ad paused max', 'ms', one(on.pauseMs.max)),
      figure(
        'replay: ad-seconds on sold-out SKUs, automation off',
        's wall',
        one(off.adSeconds),
        1,
      ),
      figure('replay: ad-seconds on sold-out SKUs, automation on', 's wall', one(on.adSeconds), 1),
      figure(
        'replay: ad-hours on sold-out SKUs, automation off (stream clock)',
        'h',
        one(soldOutReplayHours * offServedShare),
        1,
      ),
      figure(
        'replay: ad-seconds per sell-out, automation on',
        's',
        one(on.adSeconds / Math.max(1, on.spells)),
        2,
      ),
      figure(
        'replay: ad time on sold-out SKUs cut by the automation',
        '%',
        one(off.adSeconds > 0 ? 100 * (1 - on.adSeconds / off.adSeconds) : Number.NaN),
        1,
      ),
    ],
    checks: [
      check(
        'replay: every cart held and committed, every return and receipt applied',
        errors.length === 0,
        errors.slice(0, 3).join('; ') || `${plan.steps.length} steps`,
      ),
      check(
        'replay: every sell-out raised one out signal, delivered signed to the webhook',
        received.length === plan.sellOuts && uniqueWebhooks === plan.sellOuts,
        `${received.length} received (${uniqueWebhooks} distinct) for ${plan.sellOuts} sell-outs`,
      ),
      check(
        'replay, automation on: every ad serving at a sell-out paused before its SKU came back',
        on.spells === plan.sellOuts && on.pausedInSpell === on.servingAtSellOut,
        `${on.spells} spells for ${plan.sellOuts} sell-outs; ${on.pausedInSpell} of ${on.servingAtSellOut} paused, ${on.backBeforePaused} back first, ${on.servingAtWindowEnd} still serving at the end`,
      ),
      check(
        'replay, automation off: nothing sent to the ads API, every ad served through every sell-out',
        off.requests === 0 &&
          off.spells === plan.sellOuts &&
          Math.abs(off.adSeconds - off.soldOutSeconds) < 0.001 * off.spells + 0.01,
        `${off.requests} requests; ${off.adSeconds.toFixed(3)} ad-s over ${off.soldOutSeconds.toFixed(3)} s sold out`,
      ),
    ],
    data: {
      plan: { ...plan, steps: undefined, opening: undefined },
      on,
      off,
      windowSeconds,
      replaySeconds,
      factor,
      webhookMs,
      lag: summarize(lagMs),
      stages: stages.summary,
      relayMax,
      relaySamples,
      errors: errors.slice(0, 50),
    },
  };
};

/**
 * The signal path cut into stages, from what the mesh records: a location `out` from its change
 * to the Webhooks object taking it (the delivery's createdAt: SkuStock's outbox) and from there
 * to delivered (the Webhooks alarm); a channel `out` from its change to the acting AdsSync
 * taking it (the action's createdAt: the hub's outbox, the Webhooks object and its relay) and
 * from there to the ads API's answer (the action's doneAt: AdsSync's pusher).
 */
const signalStages = async (t: Target, hookId: string, locationAt: Map<string, number>) => {
  const createdAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  for (let cursor: string | null = null; ; ) {
    const q = new URLSearchParams({ limit: '200' });
    if (cursor !== null) q.set('cursor', cursor);
    const page = Deliveries.parse(await t.api.get(`/v1/webhooks/${hookId}/deliveries?${q}`));
    for (const d of page.items) {
      createdAt.set(d.eventId, Date.parse(d.createdAt));
      if (d.deliveredAt !== null) deliveredAt.set(d.eventId, Date.parse(d.deliveredAt));
    }
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const channelAt = new Map<string, number>();
  for (let cursor: string | null = null; ; ) {
    const q = new URLSearchParams({ type: 'out', channel: CHANNEL, limit: '200' });
    if (cursor !== null) q.set('cursor', cursor);
    const page = SignalPage.parse(await t.api.get(`/v1/signals?${q}`));
    for (const i of page.items) channelAt.set(i.id, Date.parse(i.at));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const toAds: number[] = [];
  const push: number[] = [];
  for (let before: number | null = null; ; ) {
    const q = new URLSearchParams({ limit: '500' });
    if (before !== null) q.set('before', String(before));
    const page = Actions.parse(await t.api.get(`/v1/ads/${ON.name}/actions?${q}`));
    for (const a of page.items) {
      const changed = a.reason.eventId === null ? undefined : channelAt.get(a.reason.eventId);
      if (a.action !== 'pause' || changed === undefined) continue;
      toAds.push(Date.parse(a.createdAt) - changed);
      if (a.doneAt !== null) push.push(Date.parse(a.doneAt) - Date.parse(a.createdAt));
    }
    before = page.nextCursor;
    if (before === null) break;
  }
  const outbox: number[] = [];
  const delivery: number[] = [];
  for (const [id, changed] of locationAt) {
    const taken = createdAt.get(id);
    if (taken === undefined) continue;
    outbox.push(taken - changed);
    const done = deliveredAt.get(id);
    if (done !== undefined) delivery.push(done - taken);
  }
  const brief = (xs: number[]) => {
    const l = summarize(xs);
    return { n: xs.length, p50: Math.round(l.p50), p99: Math.round(l.p99), max: Math.round(l.max) };
  };
  return {
    summary: {
      'location out: change → Webhooks took it (SkuStock outbox)': brief(outbox),
      'location out: Webhooks took it → delivered (Webhooks alarm)': brief(delivery),
      'channel out: change → AdsSync took it (hub outbox, Webhooks, relay)': brief(toAds),
      'channel out: AdsSync took it → ads API answered (pusher)': brief(push),
    },
  };
};

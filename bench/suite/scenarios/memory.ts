import { devFetch } from '../../lib/api.ts';
import { SubscriberPool } from '../../stream/pool.ts';
import { createLocation, loadInWaves, sleep, WAVE, waitFlushed } from '../setup.ts';
import { proxyWorkerdPid, rssKiB, startTarget, workerdPid } from '../target.ts';
import { check, figure, type Scenario, type Size, type Target } from '../types.ts';

const LOCATION = 'MEM-1';

const SIZES = {
  smoke: { skus: 200, subscribers: 20, steps: 2, settleMs: 300 },
  quick: { skus: 2_000, subscribers: 200, steps: 2, settleMs: 500 },
  full: { skus: 20_000, subscribers: 1_000, steps: 4, settleMs: 1_000 },
} satisfies Record<Size, unknown>;

const MiB = (kib: number) => kib / 1024;

type Step = {
  subscribers: number;
  rssKiB: number;
  perSubscriberKiB: number;
  /** wrangler dev's HTTP proxy is a second workerd; every WebSocket passes through it too. */
  proxyRssKiB: number | null;
};

/**
 * The resident size of workerd (VmRSS of wrangler's workerd child, from /proc). Per WebSocket
 * subscriber, on the scenario's fresh runtime whose RSS holds still: `subscribers` opened in
 * `steps` equal steps (idle: their filter matches no SKU). Then, on a second fresh runtime (the
 * first never gives back what the sockets took), `skus` SKUs created and stocked (every counter,
 * its hub row, its ledger row) WAVE at a time: the RSS after.
 */
export const memory: Scenario = {
  name: 'memory',
  description: 'Resident size of workerd after loading 20,000 SKUs, and per open subscriber',
  run: async (ctx) => {
    const s = SIZES[ctx.size];
    const sockets = await measureSubscribers(ctx.target, s, ctx.log);
    // Smoke shares one server and must stay short: its catalog goes on that server too.
    const fresh = ctx.size === 'smoke' ? undefined : await startTarget();
    try {
      const catalog = await measureCatalog(fresh ?? ctx.target, s, ctx.log);
      const perSkuStock = (catalog.firstWaveKiB - catalog.baselineKiB) / catalog.firstWave;
      // On its own runtime too, since memory one measure frees is reused by the next (the
      // smoke, on its one server, measures it last and only checks that it runs).
      const floor = await measureEmptyObjects(
        ctx.size === 'smoke' ? ctx.target : undefined,
        s,
        ctx.log,
      );
      return {
        parameters: {
          ...s,
          location: LOCATION,
          subscriberFilter: 'prefix BS-, shard 0 (no SKU matches: idle sockets)',
          catalogOnFreshServer: fresh !== undefined,
        },
        figures: [
          figure('workerd RSS at rest', 'MiB', [MiB(catalog.baselineKiB)]),
          figure(`workerd RSS after loading ${s.skus.toLocaleString('en-US')} SKUs`, 'MiB', [
            MiB(catalog.loadedKiB),
          ]),
          figure(
            `per open SkuStock object (first ${catalog.firstWave.toLocaleString('en-US')} at once)`,
            'KiB',
            [perSkuStock],
            1,
          ),
          figure(
            `per open empty SQLite object (workerd's floor, ${floor.objects.toLocaleString('en-US')} at once)`,
            'KiB',
            [floor.perObjectKiB],
            1,
          ),
          figure('per open SkuStock object above the floor', 'KiB', [
            perSkuStock - floor.perObjectKiB,
          ]),
          figure(
            `per open subscriber (0 to ${sockets.subscribers.toLocaleString('en-US')})`,
            'KiB',
            [sockets.perSubscriberKiB],
            1,
          ),
          figure(
            `per open subscriber, by step of ${sockets.step}`,
            'KiB',
            sockets.steps.map((x) => x.perSubscriberKiB),
            1,
          ),
        ],
        checks: [
          check(
            'every SKU stocked',
            catalog.failedLines === 0,
            `${catalog.failedLines} receive lines failed`,
          ),
          check(
            'workerd RSS read',
            sockets.baselineKiB > 0 && catalog.loadedKiB > 0,
            `${sockets.baselineKiB} KiB, ${catalog.loadedKiB} KiB`,
          ),
        ],
        data: { sockets, floor, catalog },
      };
    } finally {
      await fresh?.stop();
    }
  },
};

const rssAfter = async (pid: number, settleMs: number) => {
  await sleep(settleMs);
  return rssKiB(pid);
};

/** Idle subscribers opened step by step on a runtime at rest: RSS per subscriber. */
const measureSubscribers = async (
  t: Target,
  s: (typeof SIZES)[Size],
  log: (line: string) => void,
) => {
  const pid = workerdPid(t);
  const proxyPid = proxyWorkerdPid(t);
  const proxyKiB = () => (proxyPid === undefined ? null : rssKiB(proxyPid));
  const baselineKiB = await rssAfter(pid, s.settleMs);

  const pool = new SubscriberPool(t.url, t.key, 4);
  const steps: Step[] = [];
  const step = Math.ceil(s.subscribers / s.steps);
  try {
    let before = baselineKiB;
    for (let open = step; open <= s.subscribers; open += step) {
      await pool.grow(open);
      const now = await rssAfter(pid, s.settleMs);
      steps.push({
        subscribers: open,
        rssKiB: now,
        perSubscriberKiB: (now - before) / step,
        proxyRssKiB: proxyKiB(),
      });
      log(
        `  ${open} subscribers: ${MiB(now).toFixed(0)} MiB, ${((now - before) / step).toFixed(1)} KiB each over the last ${step}`,
      );
      before = now;
    }
  } finally {
    await pool.close();
  }
  const subscribers = steps.at(-1)?.subscribers ?? 0;
  const perSubscriber = ((steps.at(-1)?.rssKiB ?? baselineKiB) - baselineKiB) / subscribers;
  return {
    pid,
    proxyPid: proxyPid ?? null,
    baselineKiB,
    step,
    steps,
    subscribers,
    perSubscriberKiB: perSubscriber,
    closedKiB: await rssAfter(pid, s.settleMs),
  };
};

/**
 * What workerd spends per open object before any code of ours runs: RSS before and after waking
 * as many empty SQLite objects (bench/worker/EmptyObject.ts) as the catalog's first wave.
 */
const measureEmptyObjects = async (
  shared: Target | undefined,
  s: (typeof SIZES)[Size],
  log: (line: string) => void,
) => {
  const fresh = shared === undefined ? await startTarget() : undefined;
  try {
    return await emptyObjectsOn(shared ?? (fresh as Target), s, log);
  } finally {
    await fresh?.stop();
  }
};

const emptyObjectsOn = async (t: Target, s: (typeof SIZES)[Size], log: (line: string) => void) => {
  const pid = workerdPid(t);
  const objects = Math.min(WAVE, s.skus);
  const beforeKiB = await rssAfter(pid, s.settleMs);
  const res = await devFetch(`${t.url}/bench/empty?n=${objects}&tag=floor`, { method: 'POST' });
  if (!res.ok) throw new Error(`waking ${objects} empty objects answered ${res.status}`);
  const afterKiB = rssKiB(pid);
  const perObjectKiB = (afterKiB - beforeKiB) / objects;
  log(`  ${objects} empty SQLite objects open: ${perObjectKiB.toFixed(1)} KiB each`);
  return { objects, beforeKiB, afterKiB, perObjectKiB };
};

/** SKUs created and stocked in waves on a runtime at rest: RSS after, and per open object. */
const measureCatalog = async (t: Target, s: (typeof SIZES)[Size], log: (line: string) => void) => {
  const pid = workerdPid(t);
  await createLocation(t, LOCATION);
  const baselineKiB = await rssAfter(pid, s.settleMs);
  const skus = Array.from({ length: s.skus }, (_, i) => `MEM-${i}`);
  const loadStarted = performance.now();
  let firstWaveKiB = 0;
  const { failedLines, waitedSeconds } = await loadInWaves(
    t,
    skus.map((code) => ({ code })),
    (wave) =>
      wave.map((sku, i) => ({
        sku: sku.code,
        op: 'receive',
        location: LOCATION,
        quantity: 1 + (i % 50),
      })),
    (line) => {
      firstWaveKiB ||= rssKiB(pid);
      log(line);
    },
  );
  firstWaveKiB ||= rssKiB(pid);
  const firstWave = Math.min(WAVE, s.skus);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const loadedKiB = await rssAfter(pid, s.settleMs);
  log(
    `  workerd ${pid}: ${MiB(baselineKiB).toFixed(0)} MiB at rest, ${MiB(loadedKiB).toFixed(0)} MiB after ${s.skus} SKUs (${loadSeconds.toFixed(0)} s to load)`,
  );
  // For the JSON: the RSS once the ledger has every event of the load.
  await waitFlushed(t, 180_000, 500);
  const flushedKiB = await rssAfter(pid, s.settleMs);
  return {
    pid,
    baselineKiB,
    firstWave,
    firstWaveKiB,
    loadedKiB,
    flushedKiB,
    loadSeconds,
    waitedSeconds,
    failedLines,
  };
};

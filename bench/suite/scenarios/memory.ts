import { SubscriberPool } from '../../stream/pool.ts';
import { createLocation, loadInWaves, sleep, WAVE, waitFlushed } from '../setup.ts';
import { proxyWorkerdPid, rssKiB, workerdPid } from '../target.ts';
import { check, figure, type Scenario, type Size } from '../types.ts';

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
 * The resident size of workerd (VmRSS of wrangler's workerd child, from /proc). First, on the
 * fresh runtime whose RSS holds still, per WebSocket subscriber: `subscribers` opened in `steps`
 * equal steps (idle: their filter matches no SKU), then closed. Then `skus` SKUs created and
 * stocked (every counter, its hub row, its ledger row), WAVE at a time: the RSS after.
 */
export const memory: Scenario = {
  name: 'memory',
  description: 'Resident size of workerd after loading 20,000 SKUs, and per open subscriber',
  run: async (ctx) => {
    const t = ctx.target;
    const s = SIZES[ctx.size];
    const pid = workerdPid(t);
    const proxyPid = proxyWorkerdPid(t);
    const proxyKiB = () => (proxyPid === undefined ? null : rssKiB(proxyPid));
    const rss = async () => {
      await sleep(s.settleMs);
      return rssKiB(pid);
    };
    await createLocation(t, LOCATION);
    const baselineKiB = await rss();

    // Subscribers, on the runtime at rest.
    const pool = new SubscriberPool(t.url, t.key, 4);
    const steps: Step[] = [];
    const step = Math.ceil(s.subscribers / s.steps);
    try {
      let before = baselineKiB;
      for (let open = step; open <= s.subscribers; open += step) {
        await pool.grow(open);
        const now = await rss();
        steps.push({
          subscribers: open,
          rssKiB: now,
          perSubscriberKiB: (now - before) / step,
          proxyRssKiB: proxyKiB(),
        });
        ctx.log(
          `  ${open} subscribers: ${MiB(now).toFixed(0)} MiB, ${((now - before) / step).toFixed(1)} KiB each over the last ${step}`,
        );
        before = now;
      }
    } finally {
      await pool.close();
    }
    const subscribers = steps.at(-1)?.subscribers ?? 0;
    const perSubscriber = ((steps.at(-1)?.rssKiB ?? baselineKiB) - baselineKiB) / subscribers;
    const closedKiB = await rss();

    // The catalog.
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
        ctx.log(line);
      },
    );
    firstWaveKiB ||= rssKiB(pid);
    const firstWave = Math.min(WAVE, s.skus);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const loadedKiB = await rss();
    ctx.log(
      `  workerd ${pid}: ${MiB(baselineKiB).toFixed(0)} MiB at rest, ${MiB(closedKiB).toFixed(0)} MiB after the subscribers closed, ${MiB(loadedKiB).toFixed(0)} MiB after ${s.skus} SKUs (${loadSeconds.toFixed(0)} s to load)`,
    );
    // For the JSON: the RSS once the ledger has every event of the load.
    await waitFlushed(t, 180_000, 500);
    const flushedKiB = await rss();
    return {
      parameters: {
        ...s,
        location: LOCATION,
        workerdPid: pid,
        proxyWorkerdPid: proxyPid ?? null,
        subscriberFilter: 'prefix BS-, shard 0 (no SKU matches: idle sockets)',
      },
      figures: [
        figure('workerd RSS at rest', 'MiB', [MiB(baselineKiB)]),
        figure(
          `per open subscriber (0 to ${subscribers.toLocaleString('en-US')})`,
          'KiB',
          [perSubscriber],
          1,
        ),
        figure(
          `per open subscriber, by step of ${step}`,
          'KiB',
          steps.map((x) => x.perSubscriberKiB),
          1,
        ),
        figure(`workerd RSS after loading ${s.skus.toLocaleString('en-US')} SKUs`, 'MiB', [
          MiB(loadedKiB),
        ]),
        figure(
          `per open SkuStock object (first ${firstWave.toLocaleString('en-US')} at once)`,
          'KiB',
          [(firstWaveKiB - closedKiB) / firstWave],
          1,
        ),
      ],
      checks: [
        check('every SKU stocked', failedLines === 0, `${failedLines} receive lines failed`),
        check(
          'workerd RSS read',
          baselineKiB > 0 && loadedKiB > 0,
          `${baselineKiB} KiB, ${loadedKiB} KiB`,
        ),
      ],
      data: {
        baselineKiB,
        steps,
        closedKiB,
        firstWaveKiB,
        loadedKiB,
        flushedKiB,
        loadSeconds,
        waitedSeconds,
      },
    };
  },
};

import type { ApiClient } from '../lib/api.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { type Spread, spread, summarize } from '../lib/stats.ts';
import { createCatalog } from './catalog.ts';
import { driveChanges } from './changes.ts';
import { type HoldTarget, holdsInsideWorkerd, holdsOverHttp } from './holds.ts';
import { SubscriberPool } from './pool.ts';
import type { LatencyRun } from './report.ts';

export type StreamSettings = {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  changesPerSecond: number;
  skus: number;
  subscribers: number[];
  holdConcurrency: number;
  /** Time after the last change for its updates to arrive before a window is closed. */
  drainMs: number;
  /** Measure holds/s on the hot SKU with and without the largest subscriber count (default true). */
  holds?: boolean;
};

type Holds = { http: LoadResult[]; inside: LoadResult[] };

export type StreamRun = {
  latency: LatencyRun[];
  holds: {
    without: Holds;
    with: Holds;
    perSecond: Record<'http' | 'inside', { without: Spread; with: Spread }>;
  };
};

/**
 * bench:stream against a running bench Worker: holds with no subscriber, then arrival latency at
 * each subscriber count while `changesPerSecond` adjustments flow, then holds with the largest
 * count attached.
 */
export const runStream = async (
  target: { url: string; key: string; api: ApiClient },
  settings: StreamSettings,
  log: (line: string) => void = console.log,
): Promise<StreamRun> => {
  const { url, key, api } = target;
  const shards = 4;
  const catalog = await createCatalog(api, settings.skus, shards);
  const holdTarget: HoldTarget = {
    url,
    key,
    sku: catalog.hot,
    concurrency: settings.holdConcurrency,
  };
  const measureHolds = settings.holds ?? true;
  const holdRuns = async (label: string): Promise<Holds> => {
    const out: Holds = { http: [], inside: [] };
    if (!measureHolds) return out;
    if (settings.warmupSeconds > 0) await holdsOverHttp(holdTarget, settings.warmupSeconds);
    for (let run = 1; run <= settings.runs; run++) {
      const http = await holdsOverHttp(holdTarget, settings.seconds);
      const inside = await holdsInsideWorkerd(holdTarget, settings.seconds);
      log(
        `  holds ${label}, run ${run}: ${Math.round(http.perSecond)}/s over HTTP, ${Math.round(inside.perSecond)}/s inside workerd, ${http.failed + inside.failed} failed`,
      );
      out.http.push(http);
      out.inside.push(inside);
    }
    return out;
  };

  const holdsWithout = await holdRuns('with no subscriber');
  const subs = new SubscriberPool(url, key, shards);
  const latency: LatencyRun[] = [];
  let holdsWith: Holds;
  try {
    for (const level of settings.subscribers) {
      const opening = Date.now();
      await subs.grow(level);
      log(`  ${level} subscriber(s) caught up (${Date.now() - opening} ms to open)`);
      if (settings.warmupSeconds > 0) {
        const warmup = { url, key, skus: catalog.skus, seconds: settings.warmupSeconds };
        await driveChanges({ ...warmup, rate: settings.changesPerSecond });
      }
      let resyncs = 0;
      for (let run = 1; run <= settings.runs; run++) {
        await subs.start();
        const changes = await driveChanges({
          url,
          key,
          skus: catalog.skus,
          rate: settings.changesPerSecond,
          seconds: settings.seconds,
        });
        await new Promise((r) => setTimeout(r, settings.drainMs));
        const { samples, resyncs: total } = await subs.stop();
        const r: LatencyRun = {
          subscribers: level,
          run,
          changes,
          changesPerSecond: (changes.ok / changes.elapsedMs) * 1000,
          delivered: samples.length / Math.max(1, changes.ok * level),
          resyncs: total - resyncs,
          latencyMs: summarize(samples),
        };
        resyncs = total;
        latency.push(r);
        log(
          `  ${level} subscriber(s), run ${run}: ${Math.round(r.changesPerSecond)} changes/s (POST p50 ${r.changes.requestMs.p50} ms), arrival p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, delivered ${(r.delivered * 100).toFixed(1)}%`,
        );
      }
    }
    holdsWith = await holdRuns(`with ${subs.count} subscribers`);
  } finally {
    await subs.close();
  }

  const perSecond = (runs: LoadResult[]) => spread(runs.map((r) => r.perSecond));
  return {
    latency,
    holds: {
      without: holdsWithout,
      with: holdsWith,
      perSecond: {
        http: { without: perSecond(holdsWithout.http), with: perSecond(holdsWith.http) },
        inside: { without: perSecond(holdsWithout.inside), with: perSecond(holdsWith.inside) },
      },
    },
  };
};

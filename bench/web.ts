// npm run bench:web [-- --quick | --runs N --seconds S --skus N --rate R]
// The stock wall in Debian's Chromium while R changes a second arrive for an N-SKU catalog
// (default 500 and 20,000): frame rate, frame gaps, and main-thread busy time. The page is
// the production build; the gateway is a protocol-exact stand-in (bench/web/fake-gateway.ts).
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { CDPSession } from 'playwright-core';
import { launchChromium } from '../test/web/support/browser.ts';
import { buildWeb, WEB_DIST } from '../web/build.ts';
import { positive } from './lib/args.ts';
import { machineInfo } from './lib/machine.ts';
import { repoRoot } from './lib/repo.ts';
import { writeResults } from './lib/results.ts';
import { percentile, type Spread, spread } from './lib/stats.ts';
import { formatTable, num } from './lib/table.ts';
import { startFakeGateway } from './web/fake-gateway.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    skus: { type: 'string' },
    rate: { type: 'string' },
  },
});
const settings = {
  quick: args.quick,
  runs: positive(args.runs, args.quick ? 1 : 3),
  seconds: positive(args.seconds, args.quick ? 8 : 20),
  warmupSeconds: args.quick ? 1 : 3,
  skus: positive(args.skus, 20_000),
  changesPerSecond: positive(args.rate, 500),
  viewport: { width: 1280, height: 800 },
};

type Run = {
  loadSeconds: number;
  fps: number;
  frameGapP50: number;
  frameGapP95: number;
  frameGapMax: number;
  /** Share of the wall-clock time the renderer's main thread was running tasks (CDP). */
  busyPercent: number;
  scriptPercent: number;
  longTasksPerSecond: number;
  longTaskMsPerSecond: number;
  changesApplied: number;
  changesSent: number;
};

const ProbeResult = (value: unknown) => {
  if (typeof value !== 'object' || value === null) throw new Error('no probe result');
  const get = (k: string): unknown => Reflect.get(value, k);
  const gaps = get('frameGaps');
  return {
    seconds: Number(get('seconds')),
    frames: Number(get('frames')),
    frameGaps: Array.isArray(gaps) ? gaps.map(Number) : [],
    longTasks: Number(get('longTasks')),
    longTaskMs: Number(get('longTaskMs')),
  };
};

const metrics = async (cdp: CDPSession) => {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  const m = new Map(list.map((x) => [x.name, x.value]));
  return { task: m.get('TaskDuration') ?? 0, script: m.get('ScriptDuration') ?? 0 };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const main = async () => {
  const started = Date.now();
  const machineBefore = machineInfo();
  console.log(
    `bench:web${settings.quick ? ' (quick)' : ''}: ${num(settings.skus)} SKUs, ${num(settings.changesPerSecond)} changes/s, ` +
      `${settings.runs} run(s) x ${settings.seconds} s at ${settings.viewport.width}x${settings.viewport.height}`,
  );
  await buildWeb();
  const probe = await build({
    entryPoints: [`${repoRoot}bench/web/probe.ts`],
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'warning',
  });
  const probeJs = probe.outputFiles[0]?.text ?? '';
  const gateway = await startFakeGateway(WEB_DIST, settings.skus);
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    for (let i = 1; i <= settings.runs; i++) {
      const context = await browser.newContext({ viewport: settings.viewport });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.addInitScript({ content: probeJs });
      const t0 = Date.now();
      await page.goto(`${gateway.url}/#key=bench-local-key`);
      // Page expressions are strings: this file is checked without the DOM's types.
      await page.waitForFunction("window.stockmeshWall?.state() === 'live'", null, {
        timeout: 120_000,
      });
      const loadSeconds = (Date.now() - t0) / 1000;
      const shown = Number(await page.evaluate('window.stockmeshWall.shown()'));
      if (shown !== settings.skus)
        throw new Error(`the wall shows ${shown} of ${settings.skus} SKUs`);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      gateway.startChanges(settings.changesPerSecond);
      await sleep(settings.warmupSeconds * 1000);
      const sent0 = gateway.sent();
      const applied0 = Number(await page.evaluate('window.stockmeshWall.changes()'));
      const m0 = await metrics(cdp);
      await page.evaluate('window.benchProbe.start()');
      await sleep(settings.seconds * 1000);
      const result = ProbeResult(await page.evaluate('window.benchProbe.stop()'));
      const m1 = await metrics(cdp);
      const applied1 = Number(await page.evaluate('window.stockmeshWall.changes()'));
      const sent1 = gateway.sent();
      gateway.stopChanges();
      const gaps = Float64Array.from(result.frameGaps).sort();
      const run: Run = {
        loadSeconds,
        fps: result.frames / result.seconds,
        frameGapP50: percentile(gaps, 50),
        frameGapP95: percentile(gaps, 95),
        frameGapMax: gaps[gaps.length - 1] ?? Number.NaN,
        busyPercent: ((m1.task - m0.task) / result.seconds) * 100,
        scriptPercent: ((m1.script - m0.script) / result.seconds) * 100,
        longTasksPerSecond: result.longTasks / result.seconds,
        longTaskMsPerSecond: result.longTaskMs / result.seconds,
        changesApplied: (applied1 - applied0) / result.seconds,
        changesSent: (sent1 - sent0) / result.seconds,
      };
      runs.push(run);
      console.log(
        `  run ${i}: ${num(run.fps, 1)} fps, main thread busy ${num(run.busyPercent, 1)} % ` +
          `(script ${num(run.scriptPercent, 1)} %), frame gap p95 ${num(run.frameGapP95, 1)} ms, ` +
          `${num(run.changesApplied)} changes/s applied, loaded in ${num(loadSeconds, 1)} s`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    await gateway.close();
  }
  const over = (pick: (r: Run) => number): Spread => spread(runs.map(pick));
  const rows: [string, Spread, number][] = [
    ['frames per second', over((r) => r.fps), 1],
    ['main thread busy, % of wall time', over((r) => r.busyPercent), 1],
    ['  of which script, %', over((r) => r.scriptPercent), 1],
    ['frame gap p50, ms', over((r) => r.frameGapP50), 1],
    ['frame gap p95, ms', over((r) => r.frameGapP95), 1],
    ['frame gap max, ms', over((r) => r.frameGapMax), 1],
    ['long tasks (>50 ms) per second', over((r) => r.longTasksPerSecond), 2],
    ['changes applied per second', over((r) => r.changesApplied), 0],
    ['load to live (catalog + snapshot), s', over((r) => r.loadSeconds), 1],
  ];
  console.log(
    `\n${formatTable(
      ['measure', 'min', 'median', 'max'],
      rows.map(([name, s, d]) => [name, num(s.min, d), num(s.median, d), num(s.max, d)]),
    )}\n`,
  );
  const path = await writeResults(settings.quick ? 'web-quick' : 'web', {
    bench: 'web',
    settings,
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
    chromium: browser.version(),
    runs,
    summary: Object.fromEntries(rows.map(([name, s]) => [name, s])),
  });
  console.log(`Results: ${path}`);
};

await main();

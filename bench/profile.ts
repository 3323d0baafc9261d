// npm run bench:profile -- holds|carts|ingest|signals [--seconds N] [--top N]
// A CPU profile of the Worker and its objects inside workerd while one workload runs, through
// wrangler dev's DevTools port: where the time goes, by function and by source file or package.
// Writes the .cpuprofile (open it in Chrome DevTools) and a summary JSON under bench/results/.
// See bench/README.md ("Profiles").
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { httpRun as cartsHttpRun, insideRun as cartsInsideRun } from './carts/runs.ts';
import { createCatalog as createCartCatalog, settle } from './carts/setup.ts';
import { loadCarts } from './carts/stream.ts';
import { createCatalog as createHotCatalog, SKU } from './counter/scenarios.ts';
import { devFetch } from './lib/api.ts';
import { machineInfo } from './lib/machine.ts';
import { repoRoot } from './lib/repo.ts';
import { startSimulators } from './suite/marketplaces.ts';
import { replaySignals } from './suite/scenarios/signals-replay.ts';
import { createLocation, importSkus, MAX_BATCH_LINES, postBatch } from './suite/setup.ts';
import { startTarget } from './suite/target.ts';
import type { Target } from './suite/types.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '6' },
    top: { type: 'string', default: '25' },
    interval: { type: 'string', default: '200' },
  },
});
const WORKLOADS = ['holds', 'carts', 'ingest', 'signals'] as const;
type Workload = (typeof WORKLOADS)[number];
const workload = positionals[0] as Workload;
if (!WORKLOADS.includes(workload)) {
  console.error(`usage: npm run bench:profile -- ${WORKLOADS.join('|')} [--seconds N] [--top N]`);
  process.exit(2);
}
const seconds = Number(args.seconds);
const top = Number(args.top);

/** The Chrome DevTools Protocol over one WebSocket: numbered calls, events to listeners. */
class Devtools {
  private next = 1;
  private readonly pending = new Map<number, (m: { result?: unknown; error?: unknown }) => void>();
  readonly scripts = new Map<string, string>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (typeof m.id === 'number') this.pending.get(m.id)?.(m);
      else if (m.method === 'Debugger.scriptParsed')
        this.scripts.set(m.params.scriptId, m.params.url);
    });
  }
  static async open(port: number): Promise<Devtools> {
    const res = await fetch(`http://127.0.0.1:${port}/json`);
    const targets = (await res.json()) as { webSocketDebuggerUrl: string; title?: string }[];
    // wrangler lists the Worker under development (its name in the title) first.
    const target = targets[0];
    if (!target) throw new Error(`no DevTools target on port ${port}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Devtools(ws);
  }
  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => {
        this.pending.delete(id);
        if (m.error) reject(new Error(`${method}: ${JSON.stringify(m.error)}`));
        else resolve(m.result as T);
      });
    });
  }
  close() {
    this.ws.close();
  }
}

type CallFrame = {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
};
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

/**
 * wrangler dev bundles the Worker with esbuild, which marks where each source file starts with a
 * `// path/to/file.ts` comment line: a sampled line belongs to the last file marked above it.
 */
const fileMarkers = (source: string): { line: number; file: string }[] => {
  const out: { line: number; file: string }[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:\.\.\/)*[\w@./-]+\.(?:[cm]?[jt]s|json))$/.exec(lines[i] ?? '');
    if (m?.[1])
      out.push({
        line: i,
        file: m[1].replace(/^.*node_modules\//, 'node_modules/').replace(/^(\.\.\/)+/, ''),
      });
  }
  return out;
};

const fileAt = (markers: { line: number; file: string }[], line: number): string => {
  let lo = 0;
  let hi = markers.length - 1;
  let found = '';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = markers[mid];
    if (m && m.line <= line) {
      found = m.file;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
};

/** node_modules/zod/v4/… → zod; node_modules/@hono/zod-openapi/… → @hono/zod-openapi. */
const packageOf = (file: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (m?.[1]) return m[1];
  return file.split('/').slice(0, 2).join('/') || '(runtime)';
};

const summarize = async (dt: Devtools, profile: Profile) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const markers = new Map<string, { line: number; file: string }[]>();
  for (const scriptId of new Set(profile.nodes.map((n) => n.callFrame.scriptId))) {
    if (scriptId === '0' || !dt.scripts.has(scriptId)) continue;
    try {
      const { scriptSource } = await dt.call<{ scriptSource: string }>('Debugger.getScriptSource', {
        scriptId,
      });
      markers.set(scriptId, fileMarkers(scriptSource));
    } catch {
      // A script gone since: its samples count under its URL.
    }
  }
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const where = (f: CallFrame) => {
    const m = markers.get(f.scriptId);
    return f.url === '' ? f.functionName : m ? fileAt(m, f.lineNumber) || f.url : f.url;
  };
  const isProject = (f: CallFrame) => f.url !== '' && !where(f).startsWith('node_modules/');
  /** The nearest project function up the stack from a library frame: who asked for the work. */
  const callerOf = (id: number): string => {
    for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) {
      const f = byId.get(up)?.callFrame;
      if (f && isProject(f)) return `${f.functionName || '(anonymous)'}  ${where(f)}`;
    }
    return '(no project frame)';
  };
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const libraryCallers = new Map<string, number>();
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const m = markers.get(f.scriptId);
    const file = f.url === '' ? f.functionName : m ? fileAt(m, f.lineNumber) || f.url : f.url;
    const fn = `${f.functionName || '(anonymous)'}  ${file}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    const pkg = f.url === '' ? f.functionName : packageOf(file);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    if (file.startsWith('node_modules/')) {
      const key = `${pkg} ← ${callerOf(id)}`;
      libraryCallers.set(key, (libraryCallers.get(key) ?? 0) + us);
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return {
    sampledMs: totalUs / 1000,
    functions: rows(fns),
    files: rows(files),
    packages: rows(packages),
    libraryCallers: rows(libraryCallers),
  };
};

const print = (title: string, rows: { name: string; ms: number; share: number }[]) => {
  console.log(`\n${title}`);
  for (const r of rows) {
    console.log(
      `${(100 * r.share).toFixed(1).padStart(6)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`,
    );
  }
};

/** Prepares the workload (untimed) and returns the run to profile. */
const prepare = async (t: Target): Promise<() => Promise<string>> => {
  if (workload === 'holds') {
    await createHotCatalog(t.api);
    await t.api.post(`/v1/skus/${SKU}/receive`, { location: 'BENCH-1', quantity: 1_000_000 });
    return async () => {
      let ok = 0;
      // wrangler's proxy resets a connection after a request of ~8 s: 2 s parts.
      for (let left = seconds * 1000; left > 0; left -= 2000) {
        const q = new URLSearchParams({
          counter: 'durable',
          sku: SKU,
          concurrency: '16',
          durationMs: String(Math.min(left, 2000)),
        });
        const res = await devFetch(`${t.url}/bench/inside?${q}`, { method: 'POST' }, 60_000);
        ok += ((await res.json()) as { ok: number }).ok;
      }
      return `${ok} holds on one SKU inside workerd (${(ok / seconds).toFixed(0)}/s)`;
    };
  }
  if (workload === 'carts') {
    const { carts, skus } = loadCarts(13, 600);
    await createCartCatalog(t.url, t.key, t.api, skus);
    await settle(t.url, t.key);
    const o = { url: t.url, key: t.key, carts, concurrency: 8 };
    await cartsHttpRun(o, 0.5);
    return async () => {
      const r = await cartsInsideRun(o, seconds);
      return `${r.ok} real carts inside workerd (${r.perSecond.toFixed(1)}/s, ${r.lines} lines, p50 ${r.latencyMs.p50.toFixed(0)} ms)`;
    };
  }
  if (workload === 'signals') {
    // The signals scenario's order replay at quick size (bench/README.md), its setup included
    // (the load of 1,346 SKUs is in the profile too); --seconds is not used.
    const sims = await startSimulators(t);
    return async () => {
      const r = await replaySignals(t, sims, 'quick', (line) => console.log(line));
      await sims.stop();
      return `the signals replay, quick (${JSON.stringify(r.parameters.replaySeconds)} s of steps)`;
    };
  }
  // ingest: a 10,000-line count over 2,000 SKUs × 5 warehouses, as the ingest scenario sends it.
  const locations = Array.from({ length: 5 }, (_, i) => `PROF-${i + 1}`);
  for (const code of locations) await createLocation(t, code);
  const skus = Array.from({ length: 2000 }, (_, i) => `PROF-${i}`);
  await importSkus(
    t,
    skus.map((code) => ({ code })),
  );
  let round = 0;
  return async () => {
    const started = performance.now();
    let lines = 0;
    while (performance.now() - started < seconds * 1000) {
      round++;
      const batch = skus.flatMap((sku, i) =>
        locations.map((location, l) => ({
          sku,
          op: 'count',
          location,
          onHand: 10 * round + ((i + l) % 97),
          reason: 'cycle_count',
        })),
      );
      await Promise.all(
        [0, 1].map((half) =>
          postBatch(t, batch.slice(half * MAX_BATCH_LINES, (half + 1) * MAX_BATCH_LINES)),
        ),
      );
      lines += batch.length;
    }
    const s = (performance.now() - started) / 1000;
    return `${lines} count lines in 5,000-line batches over HTTP (${(lines / s).toFixed(0)} lines/s)`;
  };
};

const main = async () => {
  const machine = machineInfo();
  const t = await startTarget();
  try {
    const run = await prepare(t);
    const dt = await Devtools.open(t.inspectorPort);
    await dt.call('Debugger.enable');
    await dt.call('Profiler.enable');
    await dt.call('Profiler.setSamplingInterval', { interval: Number(args.interval) });
    await dt.call('Profiler.start');
    const started = performance.now();
    const what = await run();
    const wallMs = performance.now() - started;
    const { profile } = await dt.call<{ profile: Profile }>('Profiler.stop');
    const summary = await summarize(dt, profile);
    dt.close();
    console.log(
      `\n${workload}: ${what}; ${(wallMs / 1000).toFixed(1)} s wall, ${(summary.sampledMs / 1000).toFixed(1)} s sampled in the Worker's isolate`,
    );
    print('by package or project folder (self time)', summary.packages);
    print('by source file (self time)', summary.files);
    print('by function (self time)', summary.functions);
    print('library time by the project function that called it', summary.libraryCallers);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await mkdir(`${repoRoot}bench/results`, { recursive: true });
    const base = `${repoRoot}bench/results/profile-${workload}-${stamp}`;
    await writeFile(`${base}.cpuprofile`, JSON.stringify(profile));
    await writeFile(
      `${base}.json`,
      JSON.stringify({ workload, what, wallMs, machine, seconds, summary }, null, 2),
    );
    console.log(`\n${base}.cpuprofile (open in Chrome DevTools → Performance), ${base}.json`);
  } finally {
    await t.stop();
  }
};

await main();
process.exit(0);

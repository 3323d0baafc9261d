// npm run bench [-- <scenario>... | --smoke | --quick | --runs N | --list | --disk | --orders FILE]
// Every benchmark scenario (bench/suite/registry.ts), one figures table, one JSON per scenario
// under bench/results/. See bench/README.md.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { filesystemOf, machineInfo } from '../lib/machine.ts';
import { writeResults } from '../lib/results.ts';
import { registry } from './registry.ts';
import { type Row, renderFigures, renderMarkdown } from './report.ts';
import { startTarget } from './target.ts';
import { judge, renderTargets } from './targets.ts';
import type { Outcome, Scenario, Size, Target } from './types.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    list: { type: 'boolean', default: false },
    disk: { type: 'boolean', default: false },
    markdown: { type: 'string' },
    orders: { type: 'string' },
  },
});

/** Other names a scenario answers to: the npm script that measures the same. */
const ALIASES: Record<string, string> = { counter: 'hot-sku', stream: 'propagation' };

if (args.list) {
  const alias = (name: string) =>
    Object.entries(ALIASES)
      .filter(([, to]) => to === name)
      .map(([from]) => ` (or ${from})`)
      .join('');
  for (const s of registry)
    console.log(`${`${s.name}${alias(s.name)}`.padEnd(26)} ${s.description}`);
  process.exit(0);
}
const size: Size = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const runs = args.runs === undefined ? undefined : Number(args.runs);
if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) {
  throw new Error(`--runs wants a positive integer, got ${args.runs}`);
}
const wanted = positionals.map((p) => ALIASES[p] ?? p);
const unknown = wanted.filter((p) => !registry.some((s) => s.name === p));
if (unknown.length > 0) {
  throw new Error(
    `no scenario ${unknown.join(', ')}; there are: ${registry.map((s) => s.name).join(', ')}`,
  );
}
const selected = wanted.length === 0 ? registry : registry.filter((s) => wanted.includes(s.name));

// Local Durable Object and D1 state lives under TMPDIR. On this machine's disk every SQLite
// commit waits for an fsync, ten times slower than tmpfs, and loading 20,000 SKUs takes minutes:
// the suite keeps state on tmpfs unless told --disk (the JSON records which).
if (!args.disk && process.env.TMPDIR === undefined && existsSync('/dev/shm')) {
  process.env.TMPDIR = '/dev/shm';
}

type Done = {
  scenario: Scenario;
  seconds: number;
  outcome?: Outcome;
  error?: string;
  results?: string;
};

const since = (t: number) => (performance.now() - t) / 1000;

const runOne = async (scenario: Scenario, shared: Target | undefined): Promise<Done> => {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machineBefore = machineInfo();
  const log = (line: string) => console.log(line);
  let own: (Target & { stop: () => Promise<void> }) | undefined;
  try {
    let target: Target | undefined;
    let outcome: Outcome;
    if (scenario.offline) {
      outcome = await scenario.run({ size, runs, log, orders: args.orders });
    } else {
      if (shared === undefined) own = await startTarget({ counting: scenario.counting === true });
      target = shared ?? own;
      if (target === undefined) throw new Error('no server');
      outcome = await scenario.run({ size, runs, target, log });
    }
    const failedChecks = outcome.checks.filter((c) => !c.ok);
    const results = await writeResults(`${scenario.name}${size === 'full' ? '' : `-${size}`}`, {
      scenario: scenario.name,
      description: scenario.description,
      size,
      startedAt,
      wallSeconds: since(started),
      machine: { ...machineBefore, loadAverageAfter: machineInfo().loadAverage },
      stateFilesystem: target === undefined ? null : filesystemOf(target.persistTo),
      parameters: outcome.parameters,
      figures: outcome.figures,
      checks: outcome.checks,
      data: outcome.data,
    });
    return {
      scenario,
      seconds: since(started),
      outcome,
      results,
      ...(failedChecks.length > 0 && {
        error: failedChecks.map((c) => `${c.name}: ${c.detail}`).join('; '),
      }),
    };
  } catch (error) {
    const target = own ?? shared;
    if (target) console.error(`--- wrangler log (last lines) ---\n${target.logTail(30)}`);
    return {
      scenario,
      seconds: since(started),
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  } finally {
    await own?.stop();
  }
};

const main = async () => {
  const started = performance.now();
  const machine = machineInfo();
  console.log(
    `bench (${size}): ${selected.map((s) => s.name).join(', ')}; load average ${machine.loadAverage.join(' ')}; state under ${process.env.TMPDIR ?? '/tmp'} (${filesystemOf(process.env.TMPDIR ?? '/tmp')})`,
  );
  // Smoke: one server for every scenario (a wrangler dev start costs seconds); else one each,
  // so that no scenario measures what another left behind.
  const shared =
    size === 'smoke' && selected.some((s) => !s.offline)
      ? await startTarget({ counting: selected.some((s) => !s.offline && s.counting === true) })
      : undefined;
  const done: Done[] = [];
  try {
    for (const scenario of selected) {
      console.log(`\n${scenario.name}: ${scenario.description}`);
      const d = await runOne(scenario, shared);
      done.push(d);
      const checks = d.outcome?.checks ?? [];
      const status = d.error === undefined ? 'ok' : 'FAILED';
      console.log(
        `${status === 'ok' ? '✓' : '✗'} ${scenario.name} ${status} in ${d.seconds.toFixed(1)} s` +
          (checks.length > 0
            ? `, ${checks.filter((c) => c.ok).length}/${checks.length} checks`
            : '') +
          (d.error === undefined ? '' : `: ${d.error}`),
      );
    }
  } finally {
    await shared?.stop();
  }
  const rows: Row[] = done.flatMap((d) =>
    (d.outcome?.figures ?? []).map((figure) => ({ scenario: d.scenario.name, figure })),
  );
  const after = machineInfo().loadAverage;
  console.log(`\n${renderFigures(rows)}\n`);
  const targets = judge(rows);
  if (size !== 'smoke' && targets.some((t) => t.status !== 'not measured')) {
    console.log(`Issue 15's targets, on this run's medians:\n${renderTargets(targets)}\n`);
  }
  console.log(
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; node ${machine.node}, wrangler ${machine.wrangler}, workerd ${machine.workerd}; ` +
      `load average ${machine.loadAverage.join(' ')} before, ${after.join(' ')} after; ${since(started).toFixed(0)} s in all`,
  );
  for (const d of done) {
    console.log(
      `${d.error === undefined ? '✓' : '✗'} ${d.scenario.name.padEnd(12)} ${d.seconds.toFixed(1).padStart(6)} s  ${d.results ?? d.error?.split('\n')[0] ?? ''}`,
    );
  }
  const summary = await writeResults(size === 'full' ? 'suite' : `suite-${size}`, {
    size,
    scenarios: done.map((d) => ({
      name: d.scenario.name,
      seconds: d.seconds,
      ok: d.error === undefined,
      error: d.error ?? null,
      results: d.results ?? null,
    })),
    machine: { ...machine, loadAverageAfter: after },
    wallSeconds: since(started),
    rows,
    targets,
  });
  console.log(`Results: ${summary}`);
  if (args.markdown !== undefined) await writeFile(args.markdown, `${renderMarkdown(rows)}\n`);
  if (done.some((d) => d.error !== undefined)) process.exitCode = 1;
};

await main();
// Subscriber worker threads or sockets left by a failed scenario must not keep the run alive.
process.exit(process.exitCode ?? 0);

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { devFetch } from '../../lib/api.ts';
import { sleep } from '../setup.ts';
import { absorbProxyReset, workerdPid } from '../target.ts';
import type { Target } from '../types.ts';

// One counting window of the bench Worker (bench/worker/counting.ts) around one operation,
// repeated n times, settled, and divided by n.

const Rows = z.object({ read: z.number(), written: z.number() });
export const Tally = z.object({
  workerRequests: z.number(),
  calls: z.record(z.string(), z.number()),
  sql: z.record(z.string(), Rows),
  d1: Rows.extend({ statements: z.number(), batches: z.number() }),
  wsSent: z.number(),
  wsReceived: z.number(),
  problems: z.array(z.string()),
});
export type Tally = z.infer<typeof Tally>;

/** What one operation cost, on average over the window's n operations. */
export type OpCounts = {
  op: string;
  /** Operations in the window. */
  n: number;
  workerRequests: number;
  /** Durable Object calls per class (RPC methods, fetch, alarms, WebSocket messages in). */
  calls: Record<string, number>;
  /** The same by `Class.method`. */
  methods: Record<string, number>;
  sqlRead: Record<string, number>;
  sqlWritten: Record<string, number>;
  d1Read: number;
  d1Written: number;
  d1Statements: number;
  /** StreamHub calls (publishes, lag reports, syncs' reads). */
  hubMessages: number;
  /** WebSocket frames sent to subscribers. */
  subscriberMessages: number;
  /** WebSocket frames subscribers sent to the hub (billed 1 request per 20), when counted. */
  subscriberMessagesIn?: number;
  /** CPU of the workerd process that runs the Worker, over the window (10 ms ticks). */
  cpuMs: number;
  /** Seconds the window waited after the operations for the counts to settle. */
  settleSeconds: number;
};

const counts = async (t: Target, action: 'start' | 'read' | 'stop'): Promise<Tally | null> => {
  const res = await devFetch(`${t.url}/bench/counts/${action}`, { method: 'POST' }, 30_000);
  const text = await res.text();
  if (!res.ok) throw new Error(`/bench/counts/${action} answered ${res.status}: ${text}`);
  return action === 'start' ? null : Tally.nullable().parse(JSON.parse(text));
};

/** The workerd's user + system CPU time, ms (from /proc, in clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const sameTotals = (a: Tally, b: Tally) => JSON.stringify(a) === JSON.stringify(b);

export type WindowSettings = {
  /** Least time after the operations before the counts may be read (the ledger flush waits 0.5 s). */
  minSettleMs: number;
  /** The counts must stay unchanged across two reads this far apart. */
  pollMs: number;
  maxSettleMs: number;
};

const perOp = (x: number, n: number) => x / n;

/**
 * Counts what `run` costs: opens a window, runs it (n operations), waits until the counts stop
 * moving (flushes, publishes, pushes and their alarms), closes the window.
 */
export const measure = async (
  t: Target,
  op: string,
  n: number,
  run: () => Promise<void>,
  s: WindowSettings,
): Promise<OpCounts & { problems: string[] }> => {
  const pid = workerdPid(t);
  await counts(t, 'start');
  const cpuBefore = cpuMs(pid);
  await run();
  const done = performance.now();
  await absorbProxyReset(t);
  await sleep(s.minSettleMs);
  let last = await counts(t, 'read');
  for (;;) {
    await sleep(s.pollMs);
    const now = await counts(t, 'read');
    if (last && now && sameTotals(last, now)) break;
    last = now;
    if (performance.now() - done > s.maxSettleMs) break;
  }
  const cpu = cpuMs(pid) - cpuBefore;
  const tally = await counts(t, 'stop');
  if (tally === null) throw new Error('the counting window closed early');
  const calls: Record<string, number> = {};
  const methods: Record<string, number> = {};
  for (const [name, k] of Object.entries(tally.calls)) {
    const cls = name.split('.')[0] ?? name;
    calls[cls] = (calls[cls] ?? 0) + perOp(k, n);
    methods[name] = perOp(k, n);
  }
  const sqlRead: Record<string, number> = {};
  const sqlWritten: Record<string, number> = {};
  for (const [cls, rows] of Object.entries(tally.sql)) {
    sqlRead[cls] = perOp(rows.read, n);
    sqlWritten[cls] = perOp(rows.written, n);
  }
  return {
    op,
    n,
    workerRequests: perOp(tally.workerRequests, n),
    calls,
    methods,
    sqlRead,
    sqlWritten,
    d1Read: perOp(tally.d1.read, n),
    d1Written: perOp(tally.d1.written, n),
    d1Statements: perOp(tally.d1.statements, n),
    hubMessages: calls.StreamHub ?? 0,
    subscriberMessages: perOp(tally.wsSent, n),
    cpuMs: perOp(cpu, n),
    settleSeconds: (performance.now() - done) / 1000,
    problems: tally.problems,
  };
};

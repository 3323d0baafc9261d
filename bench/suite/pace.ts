import { type LatencySummary, summarize } from '../lib/stats.ts';

export type PacedRun = {
  /** Operations started, answered 2xx, and not (error status or thrown). */
  sent: number;
  ok: number;
  failed: number;
  elapsedMs: number;
  /** Successful operations per second over the whole run, drain included. */
  perSecond: number;
  /** Operations owed by the clock that were never started because `maxInFlight` were out. */
  behind: number;
  latencyMs: LatencySummary;
  errors: Record<string, number>;
};

/**
 * Open-loop load: starts operation i when the clock says `rate` a second are due (a late timer
 * is caught up), never more than `maxInFlight` at once, for `seconds`; then waits for the last.
 * `send` answers null on success or an error label.
 */
export const paced = async (o: {
  rate: number;
  seconds: number;
  maxInFlight: number;
  send: (i: number) => Promise<string | null>;
}): Promise<PacedRun> => {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const run = { sent: 0, ok: 0, failed: 0 };
  const fail = (label: string) => {
    run.failed++;
    errors[label] = (errors[label] ?? 0) + 1;
  };
  const pending = new Set<Promise<void>>();
  const start = (i: number) => {
    run.sent++;
    const at = performance.now();
    const p = o
      .send(i)
      .then(
        (label) => (label === null ? run.ok++ : fail(label)),
        (e) => fail(e instanceof Error ? e.name : 'thrown'),
      )
      .then(() => {
        latencies.push(performance.now() - at);
        pending.delete(p);
      });
    pending.add(p);
  };
  const started = performance.now();
  const end = started + o.seconds * 1000;
  let owed = 0;
  while (performance.now() < end) {
    owed = Math.floor(((performance.now() - started) * o.rate) / 1000);
    while (run.sent < owed && pending.size < o.maxInFlight) start(run.sent);
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - started;
  return {
    ...run,
    elapsedMs,
    perSecond: (run.ok / elapsedMs) * 1000,
    behind: Math.max(0, owed - run.sent),
    latencyMs: summarize(latencies),
    errors,
  };
};

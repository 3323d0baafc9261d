import { type LatencySummary, summarize } from '../lib/stats.ts';
import { LOCATION } from './catalog.ts';

export type ChangeRun = {
  sent: number;
  ok: number;
  failed: number;
  elapsedMs: number;
  /** How long the adjustments themselves took to be answered. */
  requestMs: LatencySummary;
};

/**
 * POSTs `rate` adjustments a second for `seconds`, round-robin over the SKUs (+1 then −1, so
 * stock stays put), at most `maxInFlight` at once. Each is a change the subscribers must see.
 */
export const driveChanges = async (o: {
  url: string;
  key: string;
  skus: readonly string[];
  rate: number;
  seconds: number;
  maxInFlight?: number;
}): Promise<ChangeRun> => {
  const tickMs = 5;
  const maxInFlight = o.maxInFlight ?? 64;
  const run = { sent: 0, ok: 0, failed: 0, elapsedMs: 0 };
  const requestMs: number[] = [];
  let inFlight = 0;
  let i = 0;
  const pending = new Set<Promise<void>>();
  const send = (sku: string, delta: number) => {
    inFlight++;
    run.sent++;
    const sentAt = Date.now();
    const p = fetch(`${o.url}/v1/skus/${sku}/adjust`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ location: LOCATION, delta, reason: 'bench' }),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        requestMs.push(Date.now() - sentAt);
        if (res.ok) run.ok++;
        else run.failed++;
      })
      .catch(() => {
        run.failed++;
      })
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };
  const started = Date.now();
  const end = started + o.seconds * 1000;
  while (Date.now() < end) {
    // Owed by the clock, not by ticks: a late timer (a busy event loop) is caught up.
    const due = Math.floor(((Date.now() - started) * o.rate) / 1000);
    while (run.sent < due && inFlight < maxInFlight) {
      const sku = o.skus[i % o.skus.length] ?? '';
      // Each SKU goes up on its odd visits and back down on its even ones.
      const delta = Math.floor(i / o.skus.length) % 2 === 0 ? 1 : -1;
      i++;
      send(sku, delta);
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(pending);
  run.elapsedMs = Date.now() - started;
  return { ...run, requestMs: summarize(requestMs) };
};

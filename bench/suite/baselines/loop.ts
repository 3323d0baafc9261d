import { summarize } from '../../lib/stats.ts';

/** Holds per second and latency of `clients` loops each calling `hold` for `seconds`. */
export type ClientsRun = {
  clients: number;
  holds: number;
  refused: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
};

/** Runs one loop per client, back to back calls, for `seconds`; `hold` answers whether it held. */
export const closedLoop = async (
  clients: number,
  seconds: number,
  hold: (client: number) => Promise<boolean>,
): Promise<ClientsRun> => {
  const latencies: number[] = [];
  let [holds, refused] = [0, 0];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < end) {
        const t = performance.now();
        if (await hold(c)) holds++;
        else refused++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const l = summarize(latencies);
  return {
    clients,
    holds,
    refused,
    seconds: elapsed,
    perSecond: holds / elapsed,
    p50Ms: l.p50,
    p99Ms: l.p99,
  };
};

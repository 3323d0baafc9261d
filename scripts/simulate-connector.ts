import type { StockmeshClient } from '../client/index.ts';

const PUMP_MS = 500;

/**
 * A marketplace connector as the simulator plays it: it reads its channel's stream at once (so
 * the hub never thinks it slow), "pushes" at most `perSecond` listings to the marketplace, and
 * acknowledges, per shard, the cursor of the last one pushed. A burst leaves it behind for a
 * while, which the wall's channels panel shows.
 */
export const simulateConnector = (
  client: StockmeshClient,
  channel: string,
  perSecond: number,
  fail: (what: string, error: unknown) => void,
) => {
  const stream = client.stream({ channel });
  const queue: { shard: number; cursor: number }[] = [];
  void stream
    .forEach((event) => {
      if (event.type === 'update') queue.push({ shard: event.shard, cursor: event.cursor });
    })
    .catch((error: unknown) => fail(`${channel} connector`, error));
  const pump = setInterval(() => {
    const pushed = queue.splice(0, Math.ceil((perSecond * PUMP_MS) / 1000));
    if (pushed.length === 0) return;
    const acked: Record<number, number> = {};
    for (const { shard, cursor } of pushed) acked[shard] = Math.max(acked[shard] ?? 0, cursor);
    stream.ack(acked);
  }, PUMP_MS);
  return {
    close: () => {
      clearInterval(pump);
      stream.close();
    },
  };
};

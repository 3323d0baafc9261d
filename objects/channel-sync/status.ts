import type { ConnectionKind, ConnectionState, SyncStatus } from '../../protocol/connections';
import type { SyncEngine } from './engine';
import type { SyncItem } from './item';

// GET /v1/channels/{code}/sync: the engine's figures as the API shows them.

const iso = (ms: number) => new Date(ms).toISOString();
const round = (n: number) => Math.round(n * 1000) / 1000;

export const statusView = (p: {
  channel: string;
  kind: ConnectionKind;
  state: ConnectionState;
  figures: ReturnType<SyncEngine['figures']>;
  rejected: { count: number; items: SyncItem[] };
  degraded: { since: number; reason: 'lag' | 'failing'; exposedSkus: number } | null;
  degradedAfterSeconds: number;
  now: number;
}): SyncStatus => {
  const { figures: f, now } = p;
  const { notBefore } = f.gate;
  return {
    channel: p.channel,
    kind: p.kind,
    state: p.state,
    queue: {
      ...f.queue,
      oldestAgeSeconds: round(f.queue.oldestAgeSeconds),
      rejected: p.rejected.count,
    },
    lagSeconds: round(f.lagSeconds),
    degraded: p.degraded === null ? null : { ...p.degraded, since: iso(p.degraded.since) },
    degradedAfterSeconds: p.degradedAfterSeconds,
    pushesPerSecond: round(f.pushesPerSecond),
    requestsPerSecond: round(f.requestsPerSecond),
    throttle: {
      describe: f.gate.describe,
      notBefore: notBefore !== null && notBefore > now ? iso(notBefore) : null,
      failures: f.gate.failures,
    },
    lastError:
      f.health.lastError === null
        ? null
        : { ...f.health.lastError, at: iso(f.health.lastError.at) },
    counts: f.totals,
    bulk:
      f.bulk === undefined
        ? null
        : {
            attempt: f.bulk.id,
            items: f.bulk.items.length,
            startedAt: iso(f.bulk.createdAt),
            notBefore: f.bulk.step.notBefore === null ? null : iso(f.bulk.step.notBefore),
          },
    rejectedItems: p.rejected.items.flatMap((i) =>
      i.rejected === null
        ? []
        : [
            {
              sku: i.sku,
              quantity: i.rejected.quantity,
              code: i.rejected.code,
              message: i.rejected.message,
            },
          ],
    ),
    shards: f.cursors.map((c) => ({ shard: c.shard, read: c.after, acked: c.acked, head: c.head })),
  };
};

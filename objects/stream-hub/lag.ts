import type { HubChannelLag } from '../../protocol/stream';

// How far a subscriber of a hub is behind (docs/stream.md, `lag`): the changes after its
// acknowledged cursor, the SKUs they touch, and the age of the oldest.

/** The SKUs changed after a cursor and when the oldest of them changed (ms; null: none). */
export type PendingAfter = { skus: number; oldestChangedAt: number | null };

export type Lag = { behind: number; pendingSkus: number; lagSeconds: number };

/** The lag of a subscriber that acknowledged `acked` when the hub's head is `head`. */
export const lagAfter = (
  head: number,
  acked: number,
  pendingAfter: (cursor: number) => PendingAfter,
  now: number,
): Lag => {
  const behind = Math.max(0, head - acked);
  if (behind === 0) return { behind, pendingSkus: 0, lagSeconds: 0 };
  const pending = pendingAfter(acked);
  const age = pending.oldestChangedAt === null ? 0 : now - pending.oldestChangedAt;
  return { behind, pendingSkus: pending.skus, lagSeconds: Math.max(0, age) / 1000 };
};

/** A channel acknowledgement as the hub keeps it. */
export type Ack = {
  connector: string;
  role: HubChannelLag['subscribers'][number]['role'];
  cursor: number;
  ackedAt: number | null;
};

/** Every subscriber of a channel that ever acknowledged on this hub, and how far behind it is. */
export const channelLag = (input: {
  shard: number;
  head: number;
  acks: readonly Ack[];
  /** Keys with a socket of this channel open now. */
  connected: ReadonlySet<string>;
  lag: (acked: number) => Lag;
}): HubChannelLag => ({
  shard: input.shard,
  head: input.head,
  subscribers: input.acks.map((a) => ({
    connector: a.connector,
    role: a.role,
    shard: input.shard,
    head: input.head,
    acked: a.cursor,
    ackedAt: a.ackedAt === null ? null : new Date(a.ackedAt).toISOString(),
    ...input.lag(a.cursor),
    connected: input.connected.has(a.connector),
  })),
});

/** The `lag` answer to an ack that moved a channel subscriber's cursor. */
export const lagReply = (
  shard: number,
  head: number,
  acked: number,
  lag: Lag,
  sync: { sync?: { lagSeconds: number; queueDepth: number } },
) => ({
  type: 'lag' as const,
  shard,
  acked,
  head,
  behind: lag.behind,
  lagSeconds: lag.lagSeconds,
  ...sync,
});

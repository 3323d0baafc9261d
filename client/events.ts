import type { AppError } from '../protocol/errors';
import type { StreamRow, SyncLag } from '../protocol/stream';

/** One SKU's new state on a shard, from a snapshot page (`replay`) or live. */
export type UpdateEvent = StreamRow & { type: 'update'; shard: number; replay: boolean };
/** A shard's replay is over; `all` once every shard of the stream has caught up. */
export type CaughtUpEvent = { type: 'caught-up'; shard: number; cursor: number; all: boolean };
/** The hub's answer to an acknowledgement: how far behind this connector is on the shard. */
export type LagEvent = {
  type: 'lag';
  shard: number;
  acked: number;
  head: number;
  behind: number;
  lagSeconds: number;
  /** The channel's marketplace sync (GET /v1/channels/{code}/sync); absent when not connected. */
  sync?: SyncLag;
};
/** A shard's socket dropped (restart, deploy, slow reader): it resumes from its cursor. */
export type ReconnectingEvent = {
  type: 'reconnecting';
  shard: number;
  code: number;
  reason: string;
};

export type StreamEvent = UpdateEvent | CaughtUpEvent | LagEvent | ReconnectingEvent;

/** An event (or, when undefined, only a message to confirm), and what taking it tells its socket. */
export type Queued = { event: StreamEvent | undefined; consumed: () => void };

/** The stream ended for good: refused (close code 4000-4004) or closed by the caller. */
export type StreamEnd = { error?: AppError & { closeCode: number } };

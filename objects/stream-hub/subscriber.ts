import type { Connection } from 'partyserver';
import type { z } from 'zod';
import { CloseCode, type ServerMessage } from '../../protocol/stream';
import { ConnState } from './connection-state';
import { viewKey } from './view';

export type Outgoing = z.input<typeof ServerMessage>;

/**
 * One socket of a hub: its connection state (kept with the socket across hibernation) and the
 * flow-control count of messages sent, kept in memory and checkpointed now and then.
 */
export class Subscriber {
  /** Subscribers with the same key see the same rendering of a row. */
  readonly key: string;
  /** Subscribers with the same filter get the same messages. */
  readonly filterKey: string;

  constructor(
    readonly conn: Connection,
    readonly state: ConnState,
    private sent: number,
    private readonly checkpointEvery: number,
  ) {
    this.key = viewKey(state.filter);
    this.filterKey = JSON.stringify(state.filter);
  }

  /** The subscriber of a socket that survived hibernation, or undefined if its state is unreadable. */
  static restore(conn: Connection, checkpointEvery: number): Subscriber | undefined {
    const parsed = ConnState.safeParse(conn.state);
    if (!parsed.success) return undefined;
    const state = parsed.data;
    return new Subscriber(conn, state, Math.max(state.sent, state.confirmed), checkpointEvery);
  }

  /** Messages sent and not yet confirmed as consumed. */
  get unconfirmed(): number {
    return this.sent - this.state.confirmed;
  }

  /** Sends a message; false when the socket is gone. */
  send(message: Outgoing | string): boolean {
    try {
      this.conn.send(typeof message === 'string' ? message : JSON.stringify(message));
    } catch {
      return false;
    }
    this.sent++;
    if (this.sent % this.checkpointEvery === 0) this.save();
    return true;
  }

  /** The subscriber consumed `count` messages of this socket, up to `cursor`. */
  confirm(count: number, cursor: number): void {
    // After a wake the in-memory count restarts from a checkpoint: never below what was read.
    this.sent = Math.max(this.sent, count);
    this.state.confirmed = Math.max(this.state.confirmed, count);
    this.state.confirmedCursor = Math.max(this.state.confirmedCursor, cursor);
  }

  /** Cuts the socket off with a resync notice: it resumes from its own cursor. */
  resync(shard: number, window: number): void {
    const reason = `slow consumer: ${window} messages unconfirmed; resume from your cursor`;
    const cursor = this.state.confirmedCursor;
    try {
      this.conn.send(JSON.stringify({ type: 'resync', shard, cursor, reason } satisfies Outgoing));
      this.conn.close(CloseCode.slowConsumer, reason);
    } catch {
      // Already gone.
    }
  }

  /** Writes the state (and the count) to the socket's attachment. */
  save(): void {
    this.state.sent = this.sent;
    this.conn.setState(this.state);
  }
}

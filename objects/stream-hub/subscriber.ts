import type { Connection } from 'partyserver';
import type { z } from 'zod';
import type { AppError } from '../../protocol/errors';
import { CloseCode, type ServerMessage } from '../../protocol/stream';
import { ConnState, PAGES_IN_FLIGHT } from './connection-state';
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
    /** Messages that may have gone out after the last checkpoint (a socket restored after a wake). */
    private readonly uncounted = 0,
  ) {
    this.key = viewKey(state.filter);
    this.filterKey = JSON.stringify(state.filter);
  }

  /** The subscriber of a socket that survived hibernation, or undefined if its state is unreadable. */
  static restore(conn: Connection, checkpointEvery: number): Subscriber | undefined {
    const parsed = ConnState.safeParse(conn.state);
    if (!parsed.success) return undefined;
    const state = parsed.data;
    const sent = Math.max(state.sent, state.confirmed);
    return new Subscriber(conn, state, sent, checkpointEvery, checkpointEvery);
  }

  /** Messages sent and not yet confirmed as consumed. */
  get unconfirmed(): number {
    return this.sent - this.state.confirmed;
  }

  /** Whether another snapshot page may go out before the subscriber confirms the earlier ones. */
  get mayPage(): boolean {
    return this.state.pages.filter((at) => at > this.state.confirmed).length < PAGES_IN_FLIGHT;
  }

  /**
   * Sends a message; false when it could not be sent or its state not kept (the socket is gone,
   * or broken: the caller drops it, and the client resumes from its cursor).
   */
  send(message: Outgoing | string): boolean {
    try {
      this.conn.send(typeof message === 'string' ? message : JSON.stringify(message));
    } catch {
      return false;
    }
    this.sent++;
    return this.sent % this.checkpointEvery !== 0 || this.save();
  }

  /** Sends a snapshot page and remembers the count it must be confirmed at. */
  sendPage(message: Outgoing): boolean {
    if (!this.send(message)) return false;
    const { confirmed } = this.state;
    this.state.pages = [...this.state.pages.filter((at) => at > confirmed), this.sent].slice(
      -PAGES_IN_FLIGHT,
    );
    return true;
  }

  /**
   * The subscriber consumed `count` messages of this socket, up to `cursor`. Slowness is judged
   * from what the hub sent: a count above it is refused (the reason is returned), and a count
   * within the checkpoint lost to a wake confirms no more than the hub knows it sent.
   */
  confirm(count: number, cursor: number): string | undefined {
    if (count > this.sent + this.uncounted) {
      return `received ${count} messages, but the hub sent ${this.sent} on this socket`;
    }
    this.state.confirmed = Math.max(this.state.confirmed, Math.min(count, this.sent));
    this.state.confirmedCursor = Math.max(this.state.confirmedCursor, cursor);
    return undefined;
  }

  /** Records an acknowledgement; false when it does not move this socket's acked cursor. */
  acknowledge(cursor: number): boolean {
    if (cursor <= this.state.acked) return false;
    this.state.acked = cursor;
    return true;
  }

  /** Cuts the socket off with a resync notice: it resumes from its own cursor. */
  resync(shard: number, reason: string, code: number = CloseCode.slowConsumer): void {
    const cursor = this.state.confirmedCursor;
    try {
      this.conn.send(JSON.stringify({ type: 'resync', shard, cursor, reason } satisfies Outgoing));
    } catch {
      // Already gone: closing below is all that is left to do.
    }
    try {
      this.conn.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  /** Closes the socket for good: an `error` message, then the close code (the client does not resume). */
  shut({ code, message }: AppError, closeCode: number): void {
    try {
      this.conn.send(JSON.stringify({ type: 'error', code, message } satisfies Outgoing));
    } catch {
      // Already gone: closing below is all that is left to do.
    }
    try {
      // A close reason holds 123 bytes; these messages are ASCII.
      this.conn.close(closeCode, message.slice(0, 123));
    } catch {
      // Already closed.
    }
  }

  /** Writes the state (and the count) to the socket's attachment; false when it cannot be kept. */
  save(): boolean {
    this.state.sent = this.sent;
    try {
      this.conn.setState(this.state);
      return true;
    } catch {
      return false;
    }
  }
}

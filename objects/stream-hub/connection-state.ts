import { z } from 'zod';
import type { ErrorCode } from '../../protocol/errors';
import { ClientMessage, Subscription } from '../../protocol/stream';
import { beginReplay, Replay } from './replay';
import type { RulesVersions } from './rules';

/** Snapshot pages a subscriber may have unconfirmed: a replay goes at the reader's pace. */
export const PAGES_IN_FLIGHT = 4;

/**
 * What a hub keeps with each socket (partyserver connection state, so it survives hibernation;
 * the runtime allows 2 KiB). `sent` is a checkpoint: the live count is kept in memory.
 */
export const ConnState = z.object({
  principal: Subscription.shape.principal,
  filter: Subscription.shape.filter,
  replay: Replay.nullable(),
  /** The cursor the socket went live at: later fan-outs skip rows its replay already sent. */
  since: z.number().int().min(0),
  /** Messages sent on this socket, as of the last checkpoint. */
  sent: z.number().int().min(0),
  /** Messages the subscriber said it consumed, and the cursor it had reached then. */
  confirmed: z.number().int().min(0),
  confirmedCursor: z.number().int().min(0),
  /**
   * The message count at which each of the latest snapshot pages went out. A subscriber confirms
   * after every page, so a page is in flight until a confirmation reaches its count; live
   * messages and lag replies, which it confirms only every `confirmEvery`, never hold a replay up.
   */
  pages: z.array(z.number().int().min(0)).max(PAGES_IN_FLIGHT).default([]),
  /** The last cursor this socket acknowledged: an ack that does not move it gets no reply. */
  acked: z.number().int().min(-1).default(-1),
});
export type ConnState = z.infer<typeof ConnState>;

/** The state of a socket that just connected, resuming after `from`. */
export const newConnState = (
  sub: Pick<Subscription, 'principal' | 'filter'>,
  replay: Replay,
  from: number,
): ConnState => ({
  principal: sub.principal,
  filter: sub.filter,
  replay,
  since: 0,
  sent: 0,
  confirmed: 0,
  confirmedCursor: from,
  pages: [],
  acked: -1,
});

/**
 * A new socket's state and the cursor it resumes after: its own, or 0 when that cursor is past
 * the head (it comes from another life of this hub's storage). Its replay redoes what a change of
 * its channel's rules since then altered (replay.ts).
 */
export const openState = (
  sub: Subscription,
  head: number,
  rules: Pick<RulesVersions, 'now' | 'at'>,
): { from: number; state: ConnState } => {
  const from = sub.from > head ? 0 : sub.from;
  const channel = sub.filter.channel;
  const now = rules.now(channel)?.fromCursor ?? null;
  const then = rules.at(channel, from)?.fromCursor ?? null;
  return { from, state: newConnState(sub, beginReplay(from, now, then), from) };
};

/** The first message on a socket: where it starts, and how often it must confirm (docs/stream.md). */
export const helloOf = (shard: number, head: number, from: number, window: number) =>
  ({
    type: 'hello',
    shard,
    head,
    from,
    window,
    confirmEvery: Math.max(1, Math.floor(window / 4)),
  }) as const;

/** The subscription the gateway authorized, from its header; undefined when absent or invalid. */
export const subscriptionOf = (header: string | null): Subscription | undefined => {
  try {
    const parsed = Subscription.safeParse(header === null ? undefined : JSON.parse(header));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** A client's message, or the error to answer it with (docs/stream.md: `received`, `ack`). */
export const readClientMessage = (
  message: unknown,
): { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string } => {
  let json: unknown;
  try {
    json = typeof message === 'string' ? JSON.parse(message) : undefined;
  } catch {
    return { ok: false, code: 'invalid_json', message: 'Messages are JSON text' };
  }
  const parsed = ClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const expected = 'Expected {type:"ack",cursor} or {type:"received",count,cursor}';
  return { ok: false, code: 'validation_failed', message: expected };
};

const DEFAULT_WINDOW = 1000;

/** Messages a socket may leave unconfirmed: STREAM_WINDOW when an integer of at least 8. */
export const windowOf = (value: unknown): number => {
  const window = Number(value ?? DEFAULT_WINDOW);
  return Number.isInteger(window) && window >= 8 ? window : DEFAULT_WINDOW;
};

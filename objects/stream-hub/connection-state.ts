import { z } from 'zod';
import { Subscription } from '../../protocol/stream';
import { Replay } from './replay';

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

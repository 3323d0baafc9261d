import { z } from 'zod';
import { Subscription } from '../../protocol/stream';
import { Replay } from './replay';

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
});
export type ConnState = z.infer<typeof ConnState>;

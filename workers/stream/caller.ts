import type { Context } from 'hono';
import type { Principal } from '../../protocol/auth';
import { Failure, ok, type Result } from '../../protocol/errors';
import { shardOf } from '../../protocol/shard';
import { TICKET_SUBPROTOCOL_PREFIX } from '../../protocol/stream';
import { streamHub } from '../../shared/stubs';
import type { AppEnv } from '../app';
import { authenticate } from '../auth/authenticate';
import { offeredSubprotocol } from '../auth/bearer';
import { readTicket, type TicketClaims, ticketPrincipal } from './ticket';

/** Who opens a stream socket: a ticket's principal (with the ticket), or the key's. */
export type StreamCaller = { principal: Principal; ticket?: TicketClaims };

/**
 * The caller of a stream request: a ticket (`?ticket=` or the ticket subprotocol) when one is
 * offered, which costs no D1 and no object call; otherwise the key, authenticated as any request.
 */
export const streamCaller = async (c: Context<AppEnv>): Promise<Result<StreamCaller>> => {
  const ticket =
    c.req.query('ticket') ?? offeredSubprotocol(c.req.raw.headers, TICKET_SUBPROTOCOL_PREFIX);
  if (ticket !== undefined) {
    const claims = await readTicket(c.env, ticket);
    if (!claims.ok) return claims;
    return ok({ principal: ticketPrincipal(claims.value), ticket: claims.value });
  }
  try {
    await authenticate(c, async () => {});
  } catch (e) {
    if (e instanceof Failure) return { ok: false, error: e.error };
    throw e;
  }
  return ok({ principal: c.get('principal') });
};

/**
 * Spends a ticket: true on its first use. Its home hub (by its nonce, whichever shard it opens)
 * records the nonce until the ticket expires, so a ticket opens one socket in all.
 */
export const spendTicket = (env: Env, claims: TicketClaims): Promise<boolean> =>
  streamHub(env, shardOf(claims.nonce, Number(env.STREAM_SHARDS))).claimTicket(
    claims.nonce,
    claims.exp,
  );

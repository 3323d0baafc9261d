import { lt } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { z } from 'zod';
import type { AppError } from '../../protocol/errors';
import { CloseCode, type Subscription } from '../../protocol/stream';
import * as t from './schema';

type Db = DrizzleSqliteDODatabase<typeof t>;

/**
 * Sockets one key may hold open on one hub. Admin keys are not capped: an admin can mint keys,
 * so a cap would not bind it (and the stream benchmark opens 1,000 sockets with one).
 */
export const SOCKETS_PER_KEY = 64;

/** A stream ticket's single use, claimed on its home shard. */
export const TicketClaim = z.object({
  nonce: z.string().min(16).max(64),
  expiresAt: z.number().int(),
});

/** Why a socket may not open, with the close code that says so. */
export type Refusal = { error: AppError; closeCode: number };

/** What a revoked key's sockets are told, open ones and new ones alike. */
export const revoked = (keyId: string): Refusal => ({
  error: { code: 'unauthorized', message: `API key ${keyId} was revoked` },
  closeCode: CloseCode.unauthorized,
});

/** Whether a subscription may open a socket, given what the hub knows of its key. */
export const admit = (
  principal: Subscription['principal'],
  key: { revoked: boolean; openSockets: number },
): Refusal | undefined => {
  if (key.revoked) return revoked(principal.keyId);
  if (principal.role !== 'admin' && key.openSockets >= SOCKETS_PER_KEY) {
    return {
      error: {
        code: 'rate_limited',
        message: `Key ${principal.keyId} already has ${SOCKETS_PER_KEY} sockets open on this shard: close one first`,
      },
      closeCode: CloseCode.rateLimited,
    };
  }
  return undefined;
};

/** The revoked keys and used tickets of one hub, in its SQLite (revoked ids also in memory). */
export class AdmissionStore {
  private revoked: Set<string> | undefined;

  constructor(private readonly db: Db) {}

  /** Read on first use: the hub's migrations run after its constructor. */
  private revokedIds(): Set<string> {
    this.revoked ??= new Set(
      this.db
        .select({ keyId: t.revokedKeys.keyId })
        .from(t.revokedKeys)
        .all()
        .map((r) => r.keyId),
    );
    return this.revoked;
  }

  isRevoked(keyId: string): boolean {
    return this.revokedIds().has(keyId);
  }

  revoke(keyId: string, now: number): void {
    this.db.insert(t.revokedKeys).values({ keyId, revokedAt: now }).onConflictDoNothing().run();
    this.revokedIds().add(keyId);
  }

  /** Records a ticket's first use; false when it was used before. Expired ones are forgotten. */
  claimTicket(nonce: string, expiresAt: number, now: number): boolean {
    this.db.delete(t.usedTickets).where(lt(t.usedTickets.expiresAt, now)).run();
    const inserted = this.db
      .insert(t.usedTickets)
      .values({ nonce, expiresAt })
      .onConflictDoNothing()
      .returning({ nonce: t.usedTickets.nonce })
      .all();
    return inserted.length === 1;
  }
}

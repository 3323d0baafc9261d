import { eq } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { ListingRules } from '../../protocol/stream';
import { listedQuantity } from './listed';
import type { Change } from './pending';
import { syncChannels } from './schema';

// A hub wakes the ChannelSync object of every connected channel whose listed quantities changed.
// A channel registers by reading its rows (channelRows); it is forgotten when its object answers
// that it no longer has a connection. Pokes are hints: a lost one is made up by the object's poll.

/** A ChannelSync's answer to a poke: false once the channel has no connection. */
export type PokeAnswer = { wanted: boolean };

/** Where a hub keeps the channels it pokes. */
export interface SyncRegistry {
  load(): string[];
  add(channel: string, now: number): void;
  remove(channel: string): void;
}

/** The registry in the hub's SQLite. */
export const sqlSyncRegistry = (db: DrizzleSqliteDODatabase): SyncRegistry => ({
  load: () =>
    db
      .select({ channel: syncChannels.channel })
      .from(syncChannels)
      .all()
      .map((r) => r.channel),
  add: (channel, now) => {
    db.insert(syncChannels).values({ channel, registeredAt: now }).onConflictDoNothing().run();
  },
  remove: (channel) => {
    db.delete(syncChannels).where(eq(syncChannels.channel, channel)).run();
  },
});

const listedOf = (rules: ListingRules, row: Change['row'] | undefined) =>
  row === undefined ? null : listedQuantity(rules, row.locations).quantity;

/**
 * The channels among `channels` whose listed quantity of some SKU these changes moved. A channel
 * whose rules the hub does not have is poked on any change: it cannot tell.
 */
export const channelsToPoke = (
  changes: readonly Change[],
  channels: Iterable<string>,
  rulesOf: (channel: string) => ListingRules | undefined,
): string[] =>
  [...channels].filter((channel) => {
    const rules = rulesOf(channel);
    if (rules === undefined) return changes.length > 0;
    return changes.some((c) => listedOf(rules, c.row) !== listedOf(rules, c.previous));
  });

/** Pokes ChannelSync objects, at most one poke in flight per channel; one more follows if asked meanwhile. */
export class SyncPokes {
  private channels: Set<string> | undefined;
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();

  constructor(
    private readonly registry: SyncRegistry,
    private readonly send: (channel: string) => Promise<PokeAnswer>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts poking the channel's object (it just read its rows). */
  register(channel: string): void {
    const channels = this.registered();
    if (channels.has(channel)) return;
    channels.add(channel);
    this.registry.add(channel, this.now());
  }

  has(channel: string): boolean {
    return this.registered().has(channel);
  }

  /** Pokes every registered channel whose listed quantities these changes moved. */
  changed(
    changes: readonly Change[],
    rulesOf: (channel: string) => ListingRules | undefined,
  ): void {
    if (changes.length === 0) return;
    for (const channel of channelsToPoke(changes, this.registered(), rulesOf)) this.poke(channel);
  }

  /** Wakes the channel's object, unless a poke to it is in flight (then once more after it). */
  poke(channel: string): void {
    if (!this.has(channel)) return;
    if (this.inFlight.has(channel)) {
      this.again.add(channel);
      return;
    }
    this.inFlight.add(channel);
    void this.send(channel)
      .then(
        (answer) => {
          if (!answer.wanted) this.forget(channel);
        },
        (error: unknown) => console.warn(`poke of channel ${channel}'s sync failed`, error),
      )
      .finally(() => {
        this.inFlight.delete(channel);
        if (this.again.delete(channel)) this.poke(channel);
      });
  }

  private forget(channel: string): void {
    this.registered().delete(channel);
    this.registry.remove(channel);
  }

  // Loaded on first use: the hub's migrations have run by then.
  private registered(): Set<string> {
    this.channels ??= new Set(this.registry.load());
    return this.channels;
  }
}

import type { ListingRules } from '../../protocol/stream';
import type { RulesVersion } from './store';

// The versions of each channel's listing rules a hub has seen, each from the cursor it took effect
// at, so a subscriber resuming from a cursor is re-sent just what a rules change altered
// (docs/stream.md). Kept in the hub's SQLite (store.ts); this is the in-memory index over them.

/** Same rules, whenever they were written. */
export const sameListing = (a: ListingRules, b: ListingRules): boolean =>
  JSON.stringify({ ...a, updatedAt: '' }) === JSON.stringify({ ...b, updatedAt: '' });

/** A new version taken: the one it follows is undefined for the first the hub sees. */
export type RulesChange = { version: RulesVersion; previous: RulesVersion | undefined };

export class RulesVersions {
  constructor(private readonly byChannel: Map<string, RulesVersion[]>) {}

  /** A channel's rules in force now. */
  now(channel: string | undefined): RulesVersion | undefined {
    return channel === undefined ? undefined : this.byChannel.get(channel)?.at(-1);
  }

  /** The version of a channel's rules in force at a cursor. */
  at(channel: string | undefined, cursor: number): RulesVersion | undefined {
    if (channel === undefined) return undefined;
    return this.byChannel.get(channel)?.findLast((v) => v.fromCursor <= cursor);
  }

  /** Every channel's rules in force now. */
  current(): ListingRules[] {
    return [...this.byChannel.values()].flatMap((v) => v.at(-1)?.rules ?? []);
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /**
   * Takes `rules` as the channel's newest version when they are newer and differ: a `push` (the
   * catalog's, on change) wins a tie of `updatedAt`, a subscriber's copy does not. The first
   * version a hub sees takes effect at cursor 0 (the only one its subscribers can have seen);
   * a later one at `nextCursor()`. Null when nothing changed.
   */
  accept(
    rules: ListingRules,
    source: 'push' | 'subscribe',
    nextCursor: () => number,
  ): RulesChange | null {
    const versions = this.byChannel.get(rules.code) ?? [];
    const previous = versions.at(-1);
    if (previous !== undefined) {
      const newer =
        rules.updatedAt > previous.rules.updatedAt ||
        (source === 'push' && rules.updatedAt === previous.rules.updatedAt);
      if (!newer || sameListing(previous.rules, rules)) return null;
    }
    const version = { fromCursor: previous === undefined ? 0 : nextCursor(), rules };
    this.byChannel.set(rules.code, [...versions, version]);
    return { version, previous };
  }
}

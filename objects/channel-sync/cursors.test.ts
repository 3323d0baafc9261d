import { describe, expect, it } from 'vitest';
import type { ChannelRows } from '../stream-hub/channel-rows';
import { ackable, afterPage, freshCursor } from './cursors';

const page = (over: Partial<ChannelRows>): ChannelRows => ({
  rows: [],
  head: 10,
  after: 10,
  rules: 0,
  rescan: false,
  more: false,
  ...over,
});

describe('a shard cursor', () => {
  it('moves to where the page ends', () => {
    expect(afterPage(freshCursor(0), page({ after: 6, more: true }))).toMatchObject({
      after: 6,
      rules: 0,
      head: 10,
      scanning: false,
    });
  });

  it('is scanning from a rescan page until the page that reaches the head', () => {
    const c = { ...freshCursor(0), after: 9, rules: 0, acked: 9 };
    const first = afterPage(c, page({ rescan: true, after: 4, rules: 10, more: true }));
    expect(first).toMatchObject({ scanning: true, acked: 9, after: 4 });
    const last = afterPage(first, page({ after: 10, rules: 10 }));
    expect(last.scanning).toBe(false);
  });

  it('forgets its ack when the hub starts over below it (a reset hub)', () => {
    const c = { ...freshCursor(0), after: 90, rules: 0, acked: 80 };
    expect(afterPage(c, page({ rescan: true, head: 5, after: 5 })).acked).toBe(0);
  });

  it('keeps its place when the hub knows no rules for the channel', () => {
    const c = { ...freshCursor(0), after: 9, rules: 0 };
    expect(afterPage(c, page({ rules: null, head: 12, after: 9 }))).toMatchObject({
      after: 9,
      rules: 0,
      head: 12,
    });
  });
});

describe('how far a shard may be acknowledged', () => {
  const c = { ...freshCursor(0), after: 20, acked: 5 };

  it('up to what was read when the marketplace shows everything', () => {
    expect(ackable(c, undefined)).toBe(20);
  });

  it('just below the oldest change the marketplace has not accepted', () => {
    expect(ackable(c, 12)).toBe(11);
  });

  it('never backwards, and not at all during a rescan', () => {
    expect(ackable(c, 3)).toBe(5);
    expect(ackable({ ...c, scanning: true }, undefined)).toBe(5);
  });
});

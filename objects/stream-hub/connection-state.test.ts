import { describe, expect, it } from 'vitest';
import type { ListingRules, Subscription } from '../../protocol/stream';
import { helloOf, openState } from './connection-state';
import { RulesVersions } from './rules';

const rules = (buffer: number): ListingRules => ({
  code: 'web',
  locations: ['MAN'],
  percentage: 100,
  buffer,
  maxListed: null,
  endWhen: 0,
  updatedAt: `2026-12-0${buffer}T00:00:00.000Z`,
});

const sub = (from: number, channel?: string): Subscription => ({
  principal: { keyId: 'k1', role: 'connector' },
  filter: channel === undefined ? {} : { channel },
  from,
});

describe('openState', () => {
  it('resumes after the cursor the socket names, with no redo when the rules did not change', () => {
    const { from, state } = openState(sub(7), 10, new RulesVersions(new Map()));
    expect(from).toBe(7);
    expect(state.replay).toEqual({ from: 7, at: 7, redo: 'none', rulesFrom: null });
    expect(state.confirmedCursor).toBe(7);
  });

  it('starts over from 0 when the cursor is past the head (another life of the storage)', () => {
    const { from, state } = openState(sub(11), 10, new RulesVersions(new Map()));
    expect(from).toBe(0);
    expect(state.replay).toEqual({ from: 0, at: 0, redo: 'none', rulesFrom: null });
  });

  it("redoes the rows a change of its channel's rules since its cursor altered", () => {
    const versions = new RulesVersions(new Map());
    let head = 4;
    versions.accept(rules(1), 'subscribe', () => ++head);
    versions.accept(rules(2), 'push', () => ++head);
    const { from, state } = openState(sub(3, 'web'), 9, versions);
    expect([head, from]).toEqual([5, 3]);
    expect(state.replay).toEqual({ from: 3, at: 0, redo: 'rules', rulesFrom: 0 });
    // A socket that resumes after the change sees nothing to redo.
    expect(openState(sub(6, 'web'), 9, versions).state.replay?.redo).toBe('none');
  });
});

describe('helloOf', () => {
  it('asks for a confirmation every quarter of the window, at least every message', () => {
    expect(helloOf(2, 90, 40, 40)).toEqual({
      type: 'hello',
      shard: 2,
      head: 90,
      from: 40,
      window: 40,
      confirmEvery: 10,
    });
    expect(helloOf(0, 0, 0, 3).confirmEvery).toBe(1);
  });
});

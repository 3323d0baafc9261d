import { describe, expect, it } from 'vitest';
import type { ListingRules } from '../../protocol/stream';
import { RulesVersions, sameListing } from './rules';

const rules = (buffer: number, updatedAt: string): ListingRules => ({
  code: 'web',
  locations: ['MAN'],
  percentage: 100,
  buffer,
  maxListed: null,
  endWhen: 0,
  updatedAt,
});

const T1 = '2026-12-01T00:00:00.000Z';
const T2 = '2026-12-02T00:00:00.000Z';

describe('RulesVersions', () => {
  it('takes the first version at cursor 0 and a later change at the next cursor', () => {
    const v = new RulesVersions(new Map());
    let head = 41;
    const next = () => ++head;
    expect(v.accept(rules(1, T1), 'subscribe', next)).toEqual({
      version: { fromCursor: 0, rules: rules(1, T1) },
      previous: undefined,
    });
    expect(head).toBe(41);
    const change = v.accept(rules(3, T2), 'push', next);
    expect(change?.version.fromCursor).toBe(42);
    expect(change?.previous?.rules.buffer).toBe(1);
    expect(v.now('web')?.rules.buffer).toBe(3);
    expect(v.at('web', 41)?.rules.buffer).toBe(1);
    expect(v.at('web', 42)?.rules.buffer).toBe(3);
    expect(v.now(undefined)).toBeUndefined();
    expect(v.current().map((r) => r.buffer)).toEqual([3]);
    expect(v.channels()).toEqual(['web']);
  });

  it('ignores older, equal-but-not-pushed and unchanged rules', () => {
    const v = new RulesVersions(new Map());
    let head = 0;
    const next = () => ++head;
    v.accept(rules(1, T2), 'push', next);
    expect(v.accept(rules(5, T1), 'push', next)).toBeNull(); // older
    expect(v.accept(rules(5, T2), 'subscribe', next)).toBeNull(); // a subscriber's copy, same time
    expect(v.accept(rules(1, '2026-12-03T00:00:00.000Z'), 'push', next)).toBeNull(); // same listing
    expect(v.accept(rules(5, T2), 'push', next)?.version.fromCursor).toBe(1); // pushed, same time
    expect(head).toBe(1);
  });

  it('compares listings without their update time', () => {
    expect(sameListing(rules(1, T1), rules(1, T2))).toBe(true);
    expect(sameListing(rules(1, T1), rules(2, T1))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { Exposures, exposedFrom, sharesLocation } from './exposure';

const memory = () => {
  const m = new Map<string, unknown>();
  return { get: (k: string) => m.get(k), put: (k: string, v: unknown) => void m.set(k, v) };
};

describe('exposures', () => {
  it("takes a degraded channel's units off every other channel, never its own", () => {
    const e = new Exposures(memory());
    expect(e.put('amazon', { A: 5, B: 2 })).toEqual(['A', 'B']);
    e.put('ebay', { A: 1 });
    expect(e.of('A', 'shopify')).toBe(6);
    expect(e.of('A', 'amazon')).toBe(1);
    expect(e.of('C', 'shopify')).toBe(0);
  });

  it('clears on recovery, answering the SKUs it moved, and survives a restart', () => {
    const kv = memory();
    new Exposures(kv).put('amazon', { A: 5 });
    const e = new Exposures(kv);
    expect(e.of('A', 'web')).toBe(5);
    expect(e.put('amazon', null)).toEqual(['A']);
    expect(e.of('A', 'web')).toBe(0);
    expect(e.channels()).toEqual([]);
  });

  it('takes exposure only off channels that share a location with the degraded channel', () => {
    const locations: Record<string, string[]> = {
      amazon: ['MAN'],
      ebay: ['LON'],
      web: ['MAN', 'BER'],
    };
    const shares = (a: string, b: string) => sharesLocation(locations[a], locations[b]);
    const e = new Exposures(memory());
    e.put('amazon', { A: 5 });
    e.put('ebay', { A: 2 });
    expect(e.of('A', 'web', shares)).toBe(5); // amazon sells MAN units; ebay's LON ones never
    expect(exposedFrom(e.ofSku('A'), 'ebay', shares)).toBe(0);
    expect(exposedFrom(e.ofSku('A'), 'amazon', shares)).toBe(0);
    // A channel whose locations the hub does not know is taken to share, as before.
    expect(exposedFrom(e.ofSku('A'), 'unknown', shares)).toBe(7);
    expect(sharesLocation(['BER'], ['LON'])).toBe(false);
  });
});

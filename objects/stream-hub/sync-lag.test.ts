import { describe, expect, it } from 'vitest';
import { SyncLags, syncLagAt } from './sync-lag';

const memoryKv = () => {
  const m = new Map<string, unknown>();
  return {
    m,
    kv: {
      get: (k: string) => m.get(k),
      put: (k: string, v: unknown) => void m.set(k, v),
      delete: (k: string) => m.delete(k),
    },
  };
};

describe("a channel's marketplace lag in the hub's lag messages", () => {
  it('reads as the sync status does: age of the oldest mapped change, queue depth', () => {
    expect(syncLagAt({ queueDepth: 4, oldestChangedAt: 10_000 }, 12_500)).toEqual({
      lagSeconds: 2.5,
      queueDepth: 4,
    });
    expect(syncLagAt({ queueDepth: 2, oldestChangedAt: null }, 12_500)).toEqual({
      lagSeconds: 0,
      queueDepth: 2,
    });
  });

  it('is absent until the channel’s sync reports, and survives a new hub life', () => {
    const { kv } = memoryKv();
    const lags = new SyncLags(kv);
    expect(lags.field('web', 0)).toEqual({});
    lags.put('web', { queueDepth: 3, oldestChangedAt: 1_000 });
    expect(lags.field('web', 4_000)).toEqual({ sync: { lagSeconds: 3, queueDepth: 3 } });
    expect(new SyncLags(kv).field('web', 2_000)).toEqual({
      sync: { lagSeconds: 1, queueDepth: 3 },
    });
    lags.put('web', null);
    expect(new SyncLags(kv).field('web', 2_000)).toEqual({});
  });

  it('refuses a malformed report', () => {
    const lags = new SyncLags(memoryKv().kv);
    expect(() => lags.put('web', { queueDepth: -1, oldestChangedAt: 0 })).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { degradedSignal, judgeDegraded } from './degraded';

describe('judgeDegraded', () => {
  it('degrades past the lag threshold or when failing, and says why', () => {
    expect(judgeDegraded(null, { lagSeconds: 60, failing: false, at: 1 }, 60)).toBeNull();
    expect(judgeDegraded(null, { lagSeconds: 61, failing: false, at: 1 }, 60)).toEqual({
      since: 1,
      reason: 'lag',
    });
    expect(judgeDegraded(null, { lagSeconds: 0, failing: true, at: 2 }, 60)?.reason).toBe(
      'failing',
    );
  });

  it('recovers only once working and under half the threshold, keeping its episode until then', () => {
    const was = { since: 1, reason: 'lag' as const };
    expect(judgeDegraded(was, { lagSeconds: 40, failing: false, at: 9 }, 60)).toBe(was);
    expect(judgeDegraded(was, { lagSeconds: 0, failing: true, at: 9 }, 60)).toBe(was);
    expect(judgeDegraded(was, { lagSeconds: 30, failing: false, at: 9 }, 60)).toBeNull();
  });

  it('gives each episode one signal id, and its recovery another', () => {
    const episode = { since: 5, reason: 'lag' as const };
    const p = { at: 6, exposedSkus: 3, lagSeconds: 61 };
    const down = degradedSignal('amz', episode, { ...p, recovered: false });
    expect(degradedSignal('amz', episode, { ...p, at: 99, recovered: false }).id).toBe(down.id);
    expect(degradedSignal('amz', episode, { ...p, recovered: true }).id).not.toBe(down.id);
    expect(down).toMatchObject({ type: 'channel_degraded', channel: 'amz' });
  });
});

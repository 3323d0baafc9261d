import { describe, expect, it } from 'vitest';
import { isRetryable, retryTransient } from './transient';

const transient = (message = 'Network connection lost.') =>
  Object.assign(new Error(message), { retryable: true });

describe('isRetryable', () => {
  it('accepts only what the platform marks retryable and not overloaded', () => {
    expect(isRetryable(transient())).toBe(true);
    expect(isRetryable(Object.assign(transient(), { overloaded: true }))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: 'yes' }))).toBe(false);
    expect(isRetryable(null)).toBe(false);
    expect(isRetryable('retryable')).toBe(false);
  });
});

describe('retryTransient', () => {
  const waits: number[] = [];
  const options = {
    sleep: async (ms: number) => {
      waits.push(ms);
    },
    random: () => 0.5,
  };

  it('retries transient failures with doubling waits and returns the first success', async () => {
    waits.length = 0;
    let calls = 0;
    const out = await retryTransient(async () => {
      calls++;
      if (calls < 3) throw transient();
      return 'done';
    }, options);
    expect([out, calls, waits]).toEqual(['done', 3, [25, 50]]);
  });

  it('gives up after the attempts and throws the last transient error', async () => {
    waits.length = 0;
    let calls = 0;
    const failing = retryTransient(
      async () => {
        calls++;
        throw transient(`lost ${calls}`);
      },
      { ...options, attempts: 3 },
    );
    await expect(failing).rejects.toThrow('lost 3');
    expect([calls, waits]).toEqual([3, [25, 50]]);
  });

  it('never retries an ordinary or an overloaded error', async () => {
    for (const error of [new Error('bad'), Object.assign(transient(), { overloaded: true })]) {
      waits.length = 0;
      let calls = 0;
      await expect(
        retryTransient(async () => {
          calls++;
          throw error;
        }, options),
      ).rejects.toBe(error);
      expect([calls, waits]).toEqual([1, []]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { CoalescingPublisher } from './publisher';

const deferred = () => {
  let resolve: () => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const tick = () => new Promise<void>((r) => queueMicrotask(r));

describe('CoalescingPublisher', () => {
  it('sends at most one value at a time and collapses a burst into the newest', async () => {
    const sent: number[] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const p = new CoalescingPublisher<number>(
      async (v) => {
        sent.push(v);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      },
      () => {},
    );
    p.offer(1);
    p.offer(2);
    p.offer(3);
    p.offer(4);
    expect(sent).toEqual([1]);
    gates[0]?.resolve();
    await tick();
    await tick();
    expect(sent).toEqual([1, 4]);
    const settled = p.settled();
    gates[1]?.resolve();
    expect(await settled).toBe(true);
    expect(p.busy).toBe(false);
  });

  it('keeps a failed value for the retry, unless a newer one arrived', async () => {
    const sent: number[] = [];
    const failures: number[] = [];
    let fail = true;
    const p = new CoalescingPublisher<number>(
      async (v) => {
        sent.push(v);
        if (fail) throw new Error('hub down');
      },
      (n) => failures.push(n),
    );
    p.offer(1);
    expect(await p.settled()).toBe(false);
    expect([sent, failures, p.busy]).toEqual([[1], [1], true]);
    p.retry();
    await tick();
    await tick();
    expect(failures).toEqual([1, 2]);
    fail = false;
    p.offer(7);
    await tick();
    await tick();
    expect(sent).toEqual([1, 1, 7]);
    expect(p.busy).toBe(false);
  });
});

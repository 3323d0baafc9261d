import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ROLLOUT_JOB, type RolloutJobs, ThresholdRollout } from './threshold-rollout';

/** The jobs table as a map: the same JSON round trip and parse. */
const memoryJobs = () => {
  const rows = new Map<string, { dueAt: number | null; state: string }>();
  const jobs: RolloutJobs = {
    state: <S extends z.ZodType>(name: string, schema: S) => {
      const row = rows.get(name);
      return row === undefined ? undefined : schema.parse(JSON.parse(row.state));
    },
    dueAt: (name) => rows.get(name)?.dueAt ?? null,
    save: (name, dueAt, state) => void rows.set(name, { dueAt, state: JSON.stringify(state) }),
  };
  return jobs;
};

const catalog = Array.from({ length: 7 }, (_, i) => `SKU-${i}`);

const setup = (push: (codes: string[]) => Promise<void>) => {
  const jobs = memoryJobs();
  let now = 1_000;
  const pushed: string[][] = [];
  const rollout = new ThresholdRollout(jobs, {
    countSkus: async () => catalog.length,
    page: async (after, limit) => catalog.filter((c) => c > after).slice(0, limit),
    push: async (codes) => {
      await push(codes);
      pushed.push(codes);
    },
    now: () => now,
  });
  return { jobs, rollout, pushed, tick: (ms: number) => (now += ms) };
};

describe('threshold rollout', () => {
  it('pushes every SKU a page per run and is due again at once until the last page', async () => {
    const { jobs, rollout, pushed } = setup(async () => {});
    expect(await rollout.start(3)).toMatchObject({ skus: 7, pushed: 0, pageSize: 3 });
    const dues: (number | null)[] = [];
    for (let i = 0; i < 5 && jobs.dueAt(ROLLOUT_JOB) !== null; i++) {
      await rollout.run();
      dues.push(jobs.dueAt(ROLLOUT_JOB));
    }
    expect(pushed).toEqual([['SKU-0', 'SKU-1', 'SKU-2'], ['SKU-3', 'SKU-4', 'SKU-5'], ['SKU-6']]);
    expect(dues).toEqual([1_000, 1_000, null]);
    expect(rollout.progress()).toMatchObject({ pushed: 7, finishedAt: expect.any(String) });
  });

  it('retries a failed page from the same cursor with backoff', async () => {
    let fail = true;
    const { jobs, rollout, pushed, tick } = setup(async () => {
      if (fail) throw new Error('SkuStock unavailable');
    });
    await rollout.start(3);
    await rollout.run();
    expect([jobs.dueAt(ROLLOUT_JOB), rollout.progress()?.lastError]).toEqual([
      1_500,
      'SkuStock unavailable',
    ]);
    await rollout.run();
    expect(jobs.dueAt(ROLLOUT_JOB)).toBe(2_000);
    fail = false;
    tick(1_000);
    await rollout.run();
    expect(pushed).toEqual([['SKU-0', 'SKU-1', 'SKU-2']]);
    expect(rollout.progress()).toMatchObject({ pushed: 3, lastError: null });
  });

  it('starts again from the first SKU when a change arrives while a page is in flight', async () => {
    let release = () => {};
    let hold = true;
    const { rollout, pushed } = setup(
      () =>
        new Promise<void>((resolve) => {
          if (!hold) return resolve();
          release = resolve;
        }),
    );
    await rollout.start(3);
    const inFlight = rollout.run();
    await Promise.resolve();
    await rollout.start(3);
    hold = false;
    release();
    await inFlight;
    // The old page landed, but the new rollout's cursor stands: it pushes SKU-0 again.
    expect(rollout.progress()).toMatchObject({ pushed: 0, finishedAt: null });
    await rollout.run();
    expect(pushed.at(-1)).toEqual(['SKU-0', 'SKU-1', 'SKU-2']);
    expect(rollout.progress()).toMatchObject({ pushed: 3 });
  });
});

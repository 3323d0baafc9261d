import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import { shardOf } from '../../protocol/shard';

/** A fresh stub: one to an aborted object stays broken, a new one reaches the restarted object. */
export const stubOf = (code: string) => env.SkuStock.get(env.SkuStock.idFromName(code));

/**
 * A flag code inside an object raises (by hanging there) and the test waits for. Not a promise: a promise resolved
 * from the object's request would run the test's continuation in that request, which dies with it.
 */
export const flag = () => {
  const state = { raised: false };
  return {
    /** Raises the flag and never settles: the object is stuck here when the test kills it. */
    hang: (): Promise<void> => {
      state.raised = true;
      return new Promise<void>(() => {});
    },
    /**
     * Waits by asking the object (each call gives it a turn), never by sleeping; stops early
     * when `gaveUp` says the object cannot get there any more.
     */
    async wait(code: string, gaveUp: () => boolean = () => false, most = 200) {
      for (let i = 0; i < most && !state.raised && !gaveUp(); i++) {
        await runInDurableObject(stubOf(code), () => undefined);
      }
      if (!state.raised && !gaveUp()) throw new Error(`SKU ${code}: the object never got there`);
    },
  };
};

/** Kills the object the way a runtime crash does: memory and in-flight work are lost, storage stays. */
export const crash = async (code: string) => {
  await runInDurableObject(stubOf(code), (_instance, state) => {
    state.abort('crash');
  }).catch(() => undefined);
};

/**
 * Fakes Date and moves it a year ahead: every alarm the objects set is then a year away in real
 * time, so none fires by itself mid-test and the test runs each one (`drainAlarms`).
 */
export const takeOverAlarms = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
};

/**
 * Runs the object's alarm, moving the clock to each deadline, until none is set: how the platform
 * would drive it, without waiting. Needs `takeOverAlarms()` first.
 */
export const drainAlarms = async (code: string, most = 50): Promise<number> => {
  for (let runs = 0; runs < most; runs++) {
    const at = await runInDurableObject(stubOf(code), (_i, state) => state.storage.getAlarm());
    if (at === null) return runs;
    vi.setSystemTime(Math.max(Date.now(), at));
    await runDurableObjectAlarm(stubOf(code));
  }
  throw new Error(`SKU ${code}: the alarm was still set after ${most} runs`);
};

/** The SKU's row in its StreamHub shard: what subscribers and /v1/health see. */
export const hubRow = (code: string) => {
  const shards = Number(env.STREAM_SHARDS) || 1;
  const hub = env.StreamHub.get(env.StreamHub.idFromName(String(shardOf(code, shards))));
  return runInDurableObject(hub, (_i, state) => {
    const rows = state.storage.sql
      .exec<{ seq: number; flushed: number }>(
        'SELECT seq, flushed_seq AS flushed FROM rows WHERE sku = ?',
        code,
      )
      .toArray();
    return rows[0] ?? null;
  });
};

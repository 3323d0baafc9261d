import type { Throttle } from './adapter';

// When the next request to the marketplace may go: the adapter's reading of its rate limit
// (`notBefore`), pushed further by a backoff with jitter after failures. Fatal failures (refused
// credentials or settings) back off slowly, so a fixed connection recovers without hammering.

export type Gate = {
  notBefore: number | null;
  describe: string;
  /** Consecutive failed requests. */
  failures: number;
};

export const OPEN_GATE: Gate = { notBefore: null, describe: 'idle', failures: 0 };

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 60_000;
const FATAL_BASE_MS = 30_000;
const FATAL_MAX_MS = 10 * 60_000;

/** Exponential backoff with equal jitter: half fixed, half random, so retries spread out. */
export const backoffMs = (
  failures: number,
  random: number,
  base = RETRY_BASE_MS,
  max = RETRY_MAX_MS,
) => {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, failures - 1));
  return Math.ceil(ceiling / 2 + (ceiling / 2) * random);
};

export const mayGo = (g: Gate, now: number): boolean => g.notBefore === null || g.notBefore <= now;

const later = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** What a response did to the gate: `ok` (something went through), `retry` (nothing did), `fatal`. */
export const afterResponse = (
  g: Gate,
  throttle: Throttle,
  result: 'ok' | 'retry' | 'fatal',
  now: number,
  random: number,
): Gate => {
  if (result === 'ok')
    return { notBefore: throttle.notBefore, describe: throttle.describe, failures: 0 };
  const failures = g.failures + 1;
  const wait =
    result === 'fatal'
      ? backoffMs(failures, random, FATAL_BASE_MS, FATAL_MAX_MS)
      : backoffMs(failures, random);
  return {
    notBefore: later(throttle.notBefore, now + wait),
    describe: throttle.describe,
    failures,
  };
};

/** No answer at all (timeout, connection refused): back off as after a refused request. */
export const afterNoAnswer = (g: Gate, message: string, now: number, random: number): Gate => {
  const failures = g.failures + 1;
  return { notBefore: now + backoffMs(failures, random), describe: message, failures };
};

/**
 * When the next bulk job may start. Jobs started within the quota's window still count against
 * it, and the quota is spread evenly over its window (a job at most every windowMs / jobs): a
 * backlog that keeps growing then goes in fewer, larger jobs, and the quota is never spent at
 * once, leaving the rest of the window to the per-item path alone (Amazon's 5 feeds per 5
 * minutes: a feed at most every minute, each carrying everything that waits by then).
 */
export const bulkSlot = (
  starts: readonly number[],
  quota: { jobs: number; windowMs: number } | null,
  now: number,
): { allowed: boolean; at: number } => {
  if (quota === null) return { allowed: true, at: now };
  const recent = starts.filter((t) => t > now - quota.windowMs).sort((a, b) => a - b);
  const last = recent.at(-1);
  const spaced = last === undefined ? now : last + quota.windowMs / quota.jobs;
  if (recent.length < quota.jobs) return { allowed: spaced <= now, at: Math.max(now, spaced) };
  const oldest = recent[recent.length - quota.jobs] ?? now;
  const at = Math.max(oldest + quota.windowMs, spaced);
  return { allowed: false, at };
};

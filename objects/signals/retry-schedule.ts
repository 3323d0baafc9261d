/**
 * When to try a webhook delivery again: exponential backoff from 5 s (×3 per failure, at most
 * 2 h apart, with ±20% jitter so receivers recovering from an outage are not hit in step), for a
 * day after the first attempt. A subscription whose deliveries have all failed for a day is
 * disabled.
 */
export const FIRST_RETRY_MS = 5_000;
export const MAX_RETRY_GAP_MS = 2 * 3600 * 1000;
export const RETRY_FOR_MS = 24 * 3600 * 1000;

/** The time of the next attempt after `failures` failed ones, or null once the day is over. */
export const nextAttemptAt = (
  firstAttemptAt: number,
  failures: number,
  now: number,
  random: () => number = Math.random,
): number | null => {
  const gap = Math.min(MAX_RETRY_GAP_MS, FIRST_RETRY_MS * 3 ** Math.max(0, failures - 1));
  // Whole milliseconds: alarms and Date.now() have no finer grain, so a fraction would never be due.
  const at = Math.ceil(now + gap * (0.8 + 0.4 * random()));
  return at - firstAttemptAt > RETRY_FOR_MS ? null : at;
};

/** Whether a subscription failing since `failingSince` (null: its last delivery succeeded) is due to be disabled. */
export const shouldDisable = (failingSince: number | null, now: number): boolean =>
  failingSince !== null && now - failingSince >= RETRY_FOR_MS;

import { z } from 'zod';

// Whether the connection works: `failing` after a refusal of its credentials or settings, or
// after several requests in a row went nowhere; back to healthy once the marketplace takes one.

export const SyncHealth = z.object({
  failing: z.boolean(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.number() }).nullable(),
});
export type SyncHealth = z.infer<typeof SyncHealth>;

export const HEALTHY: SyncHealth = { failing: false, lastError: null };

/** Consecutive failed requests after which the connection shows as failing. */
export const FAILING_AFTER = 5;

/** A failure: fatal ones fail the connection at once, others after FAILING_AFTER in a row. */
export const afterFailure = (
  h: SyncHealth,
  error: { code: string; message: string },
  fatal: boolean,
  failuresInARow: number,
  now: number,
): SyncHealth => ({
  failing: h.failing || fatal || failuresInARow >= FAILING_AFTER,
  lastError: { code: error.code, message: error.message, at: now },
});

/** The marketplace took something: the connection works (the last error stays, with its time). */
export const afterSuccess = (h: SyncHealth): SyncHealth =>
  h.failing ? { ...h, failing: false } : h;

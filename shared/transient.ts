/**
 * Transient failures of Durable Object calls. The platform marks an error it raised itself with
 * `retryable: true` when the call may be sent again (the object was restarting or moving, the
 * connection dropped), and with `overloaded: true` when it must not be: retrying an overloaded
 * object only adds to its queue (docs/architecture.md, "Failures").
 */
export const isRetryable = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { retryable?: unknown }).retryable === true &&
  (error as { overloaded?: unknown }).overloaded !== true;

export type RetryOptions = {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** The first wait; each next one doubles, with full jitter. */
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` again after a transient failure, with exponential backoff and full jitter, up to
 * `attempts` times in all. Only for calls that are idempotent: the first attempt may have run.
 * Any other error, or the last transient one, is thrown as it came.
 */
export const retryTransient = async <T>(
  fn: () => Promise<T>,
  { attempts = 4, baseMs = 50, sleep = wait, random = Math.random }: RetryOptions = {},
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await sleep(Math.floor(random() * baseMs * 2 ** (attempt - 1)));
    }
  }
};

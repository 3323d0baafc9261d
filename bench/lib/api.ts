// wrangler dev's proxy answers 503 with this when its pooled connection to workerd was reset
// (seen here on the request after one lasting seconds): the request was not delivered, and the
// proxy retries only GET and HEAD by itself.
const RESET = 'Your worker restarted mid-request';

/**
 * fetch, retrying (up to 3 attempts) a request the wrangler dev proxy failed to deliver, and
 * failing after `timeoutMs` rather than waiting for ever on a GET the proxy has queued.
 */
export const devFetch = async (
  url: string,
  init: RequestInit = {},
  timeoutMs = 30_000,
): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 503 || attempt === 3) return res;
    const text = await res.clone().text();
    if (!text.includes(RESET)) return res;
  }
};

/** A minimal JSON client for setting a benchmark up through the public API. */
export const apiClient = (baseUrl: string, key: string) => {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await devFetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text === '' ? null : JSON.parse(text);
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
  };
};
export type ApiClient = ReturnType<typeof apiClient>;

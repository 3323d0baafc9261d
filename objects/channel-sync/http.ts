import type { HttpRequest, HttpResponse } from './adapter';

/** No marketplace request may take longer than this; a slow one counts as no answer. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** Something that sends an HTTP request and gives the response (fetch, a service binding). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Sends an adapter's request with a timeout and reads the whole answer. Throws when no answer
 * came in time: the caller sends the same attempt again later.
 */
export const sendRequest = async (
  fetcher: Fetch,
  req: HttpRequest,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<HttpResponse> => {
  const signal = AbortSignal.timeout(timeoutMs);
  const init: RequestInit = { method: req.method, headers: req.headers, signal };
  if (req.body !== undefined) init.body = req.body;
  const res = await fetcher(req.url, init);
  const body = await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: res.status, headers, body };
};

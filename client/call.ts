import type { z } from 'zod';
import { ErrorEnvelope } from '../protocol/errors';
import { StockmeshError } from './errors';

export type Fetch = (request: Request) => Promise<Response>;

/** A body sent as it is (CSV or NDJSON imports) rather than as JSON. */
export type RawBody = { raw: string; contentType: string };

/**
 * One API call: sends the key, parses the answer with `schema`, and throws StockmeshError with
 * the error envelope's code on a refusal. A network failure is thrown as fetch threw it.
 */
export const createCall = (baseUrl: string, apiKey: string, fetch: Fetch) => {
  const base = baseUrl.replace(/\/$/, '');
  return async <T extends z.ZodType>(
    schema: T,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<z.output<T>> => {
    const raw = isRaw(body) ? body : undefined;
    const res = await fetch(
      new Request(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { 'content-type': raw?.contentType ?? 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: raw?.raw ?? JSON.stringify(body) }),
      }),
    );
    const text = await res.text();
    const json = parseJson(text);
    if (!res.ok) {
      const envelope = ErrorEnvelope.safeParse(json);
      if (envelope.success) {
        const { requestId, ...error } = envelope.data.error;
        throw new StockmeshError(error, res.status, requestId);
      }
      throw new StockmeshError(
        { code: 'internal', message: `${method} ${path}: ${res.status}` },
        res.status,
      );
    }
    return schema.parse(json);
  };
};
export type Call = ReturnType<typeof createCall>;

const isRaw = (body: unknown): body is RawBody =>
  typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;

// A proxy's HTML error page is not JSON: the status alone then tells what happened.
const parseJson = (text: string): unknown => {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

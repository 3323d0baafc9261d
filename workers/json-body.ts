import { createMiddleware } from 'hono/factory';
import { Failure } from '../protocol/errors';
import type { AppEnv } from './app';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
// application/json or a +json type (application/merge-patch+json), parameters aside.
const JSON_ESSENCE = /^application\/([\w.-]+\+)?json$/i;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Every body a route reads is JSON. A body in another media type (curl's default
 * x-www-form-urlencoded, fetch's text/plain, none at all) is refused with 415 before any route
 * runs: hono's validators read only bodies labelled JSON and would validate `{}` in their place.
 * An empty body needs no media type: the request goes on as one without a body, so every route
 * reads it as `{}` (and a route whose body is optional runs with its defaults).
 */
export const jsonBodies = createMiddleware<AppEnv>(async (c, next) => {
  if (!METHODS_WITH_BODY.has(c.req.method)) return next();
  // Read once through hono's body cache, so the route reads the same bytes again for free.
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.every((b) => WHITESPACE.has(b))) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete('content-type');
    headers.delete('content-length');
    // Request headers are immutable, so the request is replaced (hono's bodyLimit does the same).
    c.req.raw = new Request(c.req.url, { method: c.req.method, headers });
    return next();
  }
  const contentType = c.req.header('content-type');
  const essence = contentType?.split(';')[0]?.trim() ?? '';
  if (!JSON_ESSENCE.test(essence)) {
    throw new Failure({
      code: 'unsupported_media_type',
      message: `Content-Type ${contentType || '(none)'}: send the body as application/json`,
      details: { contentType: contentType ?? null, accepted: ['application/json'] },
    });
  }
  return next();
});

import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './support/client';

describe('gateway', () => {
  it('answers health without a key', async () => {
    const res = await exports.default.fetch('http://x/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('renders unknown routes in the error envelope with a request id', async () => {
    const res = await exports.default.fetch('http://x/v1/nope', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(404);
    const body = await res.json<{ error: { code: string; requestId: string } }>();
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const res = await exports.default.fetch('http://x/openapi.json');
    const doc = await res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/health');
  });
});

import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sku } from '../protocol/catalog';
import type { StockView } from '../protocol/stock';
import worker from '../workers/index';
import { ADMIN_KEY, api, uniq } from './support/client';
import { type Catalog, catalog, post, sku } from './support/fixtures';

type Envelope = { error?: { code: string; message: string } };

/**
 * Sends `body` exactly as given: with `contentType`, or with no Content-Type at all (a byte body,
 * so the Request does not add text/plain the way it does for a string).
 */
const sendAs = async <T = Envelope>(
  method: string,
  path: string,
  body: string,
  contentType: string | null,
): Promise<{ status: number; body: T }> => {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` };
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await worker.fetch(
    new Request(`http://stockmesh.test${path}`, {
      method,
      headers,
      body: new TextEncoder().encode(body),
    }),
    env,
    createExecutionContext(),
  );
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text || '{}') };
};

const codeOf = (res: { body: Envelope }) => res.body.error?.code;

/** What curl sends with -d and no -H, what fetch sends for a string, and nothing at all. */
const NOT_JSON = ['application/x-www-form-urlencoded', 'text/plain;charset=UTF-8', null] as const;

let cat: Catalog;
let code: string;
beforeAll(async () => {
  cat = await catalog();
  code = await sku();
  await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
});

const stock = async (of: string) => (await api<StockView>(`/v1/skus/${of}/stock`)).body;

describe('a JSON body in another media type', () => {
  const writes = () => [
    { method: 'POST', path: `/v1/skus/${code}/receive`, body: { location: cat.a, quantity: 5 } },
    { method: 'POST', path: `/v1/skus/${code}/holds`, body: { quantity: 1, locations: [cat.a] } },
    {
      method: 'POST',
      path: '/v1/reservations',
      body: { channel: cat.channel, lines: [{ sku: code, quantity: 1 }] },
    },
    {
      method: 'POST',
      path: '/v1/movements/batch',
      body: { lines: [{ sku: code, op: 'adjust', location: cat.a, delta: 1 }] },
    },
    { method: 'PATCH', path: `/v1/skus/${code}`, body: { title: 'Renamed' } },
  ];

  it.each(NOT_JSON)(
    'refuses every kind of write sent as %s with 415 unsupported_media_type and applies nothing',
    async (contentType) => {
      const before = {
        stock: await stock(code),
        sku: (await api<Sku>(`/v1/skus/${code}`)).body,
      };
      for (const w of writes()) {
        const res = await sendAs(w.method, w.path, JSON.stringify(w.body), contentType);
        expect({ path: w.path, status: res.status, code: codeOf(res) }).toEqual({
          path: w.path,
          status: 415,
          code: 'unsupported_media_type',
        });
      }
      const created = uniq('SKU');
      const create = await sendAs(
        'POST',
        '/v1/skus',
        JSON.stringify({ code: created, title: 'Tee' }),
        contentType,
      );
      expect([create.status, codeOf(create)]).toEqual([415, 'unsupported_media_type']);
      expect((await api(`/v1/skus/${created}`)).status).toBe(404);
      expect({ stock: await stock(code), sku: (await api<Sku>(`/v1/skus/${code}`)).body }).toEqual(
        before,
      );
    },
  );

  it('names the media type it got and the one it takes', async () => {
    const res = await sendAs(
      'POST',
      `/v1/skus/${code}/receive`,
      JSON.stringify({ location: cat.a, quantity: 1 }),
      'text/plain',
    );
    expect(res.body.error?.message).toContain('text/plain');
    expect(res.body.error?.message).toContain('application/json');
  });

  it('refuses a non-JSON body on every route documented as taking JSON', async () => {
    const doc = (await api<{ paths: Record<string, Record<string, Operation>> }>('/openapi.json'))
      .body;
    const jsonRoutes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody?.content?.['application/json'] !== undefined)
        .map(([method]) => ({ method: method.toUpperCase(), path: fillParams(path) })),
    );
    expect(jsonRoutes.length).toBeGreaterThan(20);
    const undocumented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody?.content?.['application/json'] !== undefined)
        .filter(([, op]) => op.responses['415'] === undefined)
        .map(([method]) => `${method} ${path}`),
    );
    expect(undocumented).toEqual([]);
    const answers = [];
    for (const r of jsonRoutes) {
      const res = await sendAs(r.method, r.path, '{}', 'text/plain');
      answers.push({ ...r, status: res.status, code: codeOf(res) });
    }
    expect(answers).toEqual(
      jsonRoutes.map((r) => ({ ...r, status: 415, code: 'unsupported_media_type' })),
    );
  });

  it('applies the same body sent as JSON, with or without a charset', async () => {
    for (const contentType of ['application/json', 'application/json; charset=utf-8']) {
      const res = await sendAs(
        'POST',
        `/v1/skus/${code}/adjust`,
        JSON.stringify({ location: cat.a, delta: 1 }),
        contentType,
      );
      expect([contentType, res.status]).toEqual([contentType, 200]);
    }
  });
});

describe('an empty body', () => {
  it.each(NOT_JSON)('needs no JSON media type (sent as %s)', async (contentType) => {
    const held = uniq('cart').toLowerCase();
    await post(`/v1/skus/${code}/holds`, { quantity: 1, holdId: held, locations: [cat.a] });
    const release = await sendAs('POST', `/v1/skus/${code}/holds/${held}/release`, '', contentType);
    expect(release.status).toBe(200);
    const reconcile = await sendAs('POST', '/v1/admin/reconcile', '', contentType);
    expect(reconcile.status).toBe(200);
  });

  it('still reads as an empty object where fields are required', async () => {
    const res = await sendAs('POST', `/v1/skus/${code}/receive`, '', null);
    expect([res.status, codeOf(res)]).toEqual([400, 'validation_failed']);
    expect(res.body.error?.message).toContain('location');
  });
});

describe('the import route', () => {
  it('keeps taking NDJSON and CSV', async () => {
    const [a, b] = [uniq('IMP'), uniq('IMP')];
    const ndjson = await sendAs<unknown>(
      'POST',
      '/v1/skus/import',
      JSON.stringify({ code: a, title: 'A' }),
      'application/x-ndjson',
    );
    expect([ndjson.status, ndjson.body]).toEqual([200, { created: 1, updated: 0, total: 1 }]);
    const csv = await sendAs<unknown>(
      'POST',
      '/v1/skus/import',
      `code,title\n${b},B\n`,
      'text/csv',
    );
    expect([csv.status, csv.body]).toEqual([200, { created: 1, updated: 0, total: 1 }]);
  });
});

type Operation = {
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, unknown>;
};

/** A well-formed value for every path parameter, so no route refuses the path first. */
const fillParams = (path: string) =>
  path
    .replace('{sku}', 'TEE-1')
    .replace('{holdId}', 'cart-1')
    .replace('{transferId}', 'tr-1')
    .replace('{id}', `r_${'0'.repeat(32)}`)
    .replace('{code}', 'web-uk')
    .replace(/\{\w+\}/g, 'x');

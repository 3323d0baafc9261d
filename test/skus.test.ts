import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SkuStock } from '../objects/SkuStock';
import type { Sku, SkuPage } from '../protocol/catalog';
import { configureSkus } from '../workers/catalog/configure-skus';
import { anIsoTime, type ErrorBody, makeSku } from './support/catalog';
import { api, uniq } from './support/client';

describe('SKU catalog', () => {
  it('creates a SKU with defaults and reads it back', async () => {
    const code = uniq('TEE');
    const created = await api<Sku>('/v1/skus', { body: { code, title: 'Tee, black, M' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      code,
      title: 'Tee, black, M',
      gtin: null,
      attributes: {},
      backorderPolicy: 'deny',
      createdAt: anIsoTime,
      updatedAt: anIsoTime,
    });
    const read = await api<Sku>(`/v1/skus/${code}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('stores every field, and codes with spaces and dots', async () => {
    const code = `BANK ${uniq('CHARGES')}.X`;
    const body = {
      code,
      title: '  Bank charges  ',
      gtin: '5012345678900',
      attributes: { colour: 'red', size: 3, fragile: true },
      backorderPolicy: 'continue',
    };
    const created = await api<Sku>('/v1/skus', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, title: 'Bank charges' });
    const read = await api<Sku>(`/v1/skus/${encodeURIComponent(code)}`);
    expect(read.body).toEqual(created.body);
  });

  it('refuses a code that already exists with already_exists, keeping the first', async () => {
    const sku = await makeSku({ title: 'First' });
    const again = await api<ErrorBody>('/v1/skus', { body: { code: sku.code, title: 'Second' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'already_exists',
      message: `SKU ${sku.code} already exists`,
    });
    expect((await api<Sku>(`/v1/skus/${sku.code}`)).body.title).toBe('First');
  });

  it('answers unknown_sku for a SKU not in the catalog', async () => {
    const code = uniq('NOPE');
    const res = await api<ErrorBody>(`/v1/skus/${code}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'unknown_sku', message: `Unknown SKU ${code}` });
  });

  it.each([
    ['an unknown field', { code: 'OK-1', title: 'x', colour: 'red' }, 'json: Unrecognized key'],
    ['a title of the wrong type', { code: 'OK-1', title: 42 }, 'json.title'],
    ['a code with a trailing space', { code: 'OK-1 ', title: 'x' }, 'json.code'],
    ['a code starting with punctuation', { code: '-OK', title: 'x' }, 'json.code'],
    ['a code of 65 characters', { code: 'A'.repeat(65), title: 'x' }, 'json.code'],
    ['a code with a slash', { code: 'A/B', title: 'x' }, 'json.code'],
    ['a GTIN of 11 digits', { code: 'OK-1', title: 'x', gtin: '12345678901' }, 'json.gtin'],
    [
      'an unknown backorder policy',
      { code: 'OK-1', title: 'x', backorderPolicy: 'sometimes' },
      'json.backorderPolicy',
    ],
    [
      'a nested attribute value',
      { code: 'OK-1', title: 'x', attributes: { a: { b: 1 } } },
      'json.attributes.a',
    ],
    ['an empty title', { code: 'OK-1', title: '   ' }, 'json.title'],
  ])('rejects %s with validation_failed and creates nothing', async (_, body, path) => {
    const code = uniq('BAD');
    const res = await api<ErrorBody>('/v1/skus', {
      body: { ...body, code: body.code === 'OK-1' ? code : body.code },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message.startsWith(path)).toBe(true);
    expect((await api(`/v1/skus/${code}`)).status).toBe(404);
  });

  // JSON.parse keeps "__proto__" as a key, but a parser that assigns it would set the prototype
  // instead: such keys are refused, never silently dropped or stored.
  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses an attribute named %s, naming its path, on create, patch and import',
    async (key) => {
      const attributes = `{"colour":"red",${JSON.stringify(key)}:"x"}`;
      const code = uniq('PROTO');
      const created = await api<ErrorBody>('/v1/skus', {
        rawBody: `{"code":"${code}","title":"Tee","attributes":${attributes}}`,
      });
      expect([created.status, created.body.error?.code]).toEqual([400, 'validation_failed']);
      expect(created.body.error.message).toContain(`json.attributes.${key}`);
      expect((await api(`/v1/skus/${code}`)).status).toBe(404);

      const sku = await makeSku({ attributes: { colour: 'blue' } });
      const patched = await api<ErrorBody>(`/v1/skus/${sku.code}`, {
        method: 'PATCH',
        rawBody: `{"attributes":${attributes}}`,
      });
      expect([patched.status, patched.body.error?.code]).toEqual([400, 'validation_failed']);
      expect(patched.body.error.message).toContain(`json.attributes.${key}`);
      expect((await api<Sku>(`/v1/skus/${sku.code}`)).body).toEqual(sku);

      const imported = await api<ErrorBody>('/v1/skus/import', {
        rawBody: `{"code":"${code}","title":"Tee","attributes":${attributes}}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect([imported.status, imported.body.error?.code]).toEqual([400, 'validation_failed']);
      expect(imported.body.error.message).toContain(`line 1: attributes.${key}`);
      expect((await api(`/v1/skus/${code}`)).status).toBe(404);
    },
  );

  it('rejects a body that is not JSON with invalid_json', async () => {
    const res = await api<ErrorBody>('/v1/skus', { rawBody: '{"code": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('patches the given fields only and bumps updatedAt', async () => {
    const sku = await makeSku({ title: 'Mug', gtin: '12345670', attributes: { colour: 'blue' } });
    const res = await api<Sku>(`/v1/skus/${sku.code}`, {
      method: 'PATCH',
      body: { title: 'Mug, large', attributes: { size: 'L' }, backorderPolicy: 'continue' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...sku,
      title: 'Mug, large',
      attributes: { size: 'L' },
      backorderPolicy: 'continue',
      updatedAt: anIsoTime,
    });
    expect(res.body.updatedAt >= sku.updatedAt).toBe(true);
    const cleared = await api<Sku>(`/v1/skus/${sku.code}`, {
      method: 'PATCH',
      body: { gtin: null },
    });
    expect(cleared.body.gtin).toBeNull();
    expect((await api<Sku>(`/v1/skus/${sku.code}`)).body).toEqual(cleared.body);
  });

  it('rejects an empty patch, a patch of the code and a patch of an unknown SKU', async () => {
    const sku = await makeSku({ title: 'Plate' });
    const empty = await api<ErrorBody>(`/v1/skus/${sku.code}`, { method: 'PATCH', body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({
      code: 'validation_failed',
      message: 'json: nothing to update',
    });
    const code = await api<ErrorBody>(`/v1/skus/${sku.code}`, {
      method: 'PATCH',
      body: { code: 'X' },
    });
    expect(code.status).toBe(400);
    expect(code.body.error.code).toBe('validation_failed');
    const unknown = uniq('NOPE');
    const missing = await api<ErrorBody>(`/v1/skus/${unknown}`, {
      method: 'PATCH',
      body: { title: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('unknown_sku');
    expect((await api<Sku>(`/v1/skus/${sku.code}`)).body).toEqual(sku);
  });

  it('pages through SKUs by code with a prefix and a cursor', async () => {
    const prefix = uniq('PG');
    const codes = [`${prefix}-A`, `${prefix}-B`, `${prefix}-C`, `${prefix}-D`, `${prefix}-E`];
    for (const code of [...codes].reverse()) await makeSku({ code });
    await makeSku({ code: `${prefix}`.slice(0, -1) }); // sorts before the prefix: never listed

    const first = await api<SkuPage>(`/v1/skus?prefix=${prefix}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((s) => s.code)).toEqual(codes.slice(0, 2));
    expect(first.body.nextCursor).toBe(codes[1]);
    const second = await api<SkuPage>(
      `/v1/skus?prefix=${prefix}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((s) => s.code)).toEqual(codes.slice(2, 4));
    const last = await api<SkuPage>(
      `/v1/skus?prefix=${prefix}&limit=2&cursor=${second.body.nextCursor}`,
    );
    expect(last.body).toEqual({
      items: [expect.objectContaining({ code: codes[4] })],
      nextCursor: null,
    });
  });

  it('rejects a bad limit in the query', async () => {
    for (const limit of ['0', '1001', 'ten']) {
      const res = await api<ErrorBody>(`/v1/skus?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe('configuring SKU objects', () => {
  /** The Worker's env, with SkuStock stubs whose configure fails transiently `failures` times. */
  const flakyEnv = (failures: number) => {
    let calls = 0;
    const namespace = env.SkuStock;
    const SkuStock = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => {
        const real = namespace.get(id);
        return {
          configure: async (input: Parameters<typeof real.configure>[0]) => {
            calls++;
            if (calls <= failures) {
              throw Object.assign(new Error('Network connection lost.'), { retryable: true });
            }
            return real.configure(input);
          },
        };
      },
    };
    return { env: { ...env, SkuStock } as unknown as Env, calls: () => calls };
  };

  it('sends a configure the platform lost again, so the SKU object ends configured', async () => {
    const code = uniq('FLAKY');
    const flaky = flakyEnv(2);
    await configureSkus(flaky.env, [{ code, backorderPolicy: 'continue' }]);
    expect(flaky.calls()).toBe(3);
    const policy = await runInDurableObject(
      env.SkuStock.get(env.SkuStock.idFromName(code)),
      async (instance: SkuStock) => {
        const stock = await instance.getStock();
        return stock.ok ? stock.value.policy : stock.error.code;
      },
    );
    expect(policy).toBe('continue');
  });

  it('gives up after four attempts and throws the transient failure, which answers 503', async () => {
    const flaky = flakyEnv(10);
    const failing = configureSkus(flaky.env, [{ code: uniq('LOST'), backorderPolicy: 'deny' }]);
    await expect(failing).rejects.toMatchObject({ retryable: true });
    expect(flaky.calls()).toBe(4);
  });
});

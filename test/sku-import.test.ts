import { describe, expect, it } from 'vitest';
import type { Sku, SkuImportResult, SkuPage } from '../protocol/catalog';
import { anIsoTime, type ErrorBody, makeSku } from './support/catalog';
import { api, uniq } from './support/client';

const importSkus = <T = SkuImportResult>(type: 'application/x-ndjson' | 'text/csv', text: string) =>
  api<T>('/v1/skus/import', { rawBody: text, headers: { 'content-type': type } });

const ndjson = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

const page = async (prefix: string) =>
  (await api<SkuPage>(`/v1/skus?prefix=${encodeURIComponent(prefix)}&limit=1000`)).body.items;

describe('SKU import', () => {
  it('creates SKUs from NDJSON with defaults for fields left out', async () => {
    const p = uniq('ND');
    const res = await importSkus(
      'application/x-ndjson',
      ndjson([
        { code: `${p}-1`, title: 'Heart T-light holder' },
        {
          code: `${p}-2`,
          title: 'Lantern',
          gtin: '00012345678905',
          attributes: { colour: 'white' },
          backorderPolicy: 'continue',
        },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 2, updated: 0, total: 2 });
    expect(await page(p)).toEqual([
      {
        code: `${p}-1`,
        title: 'Heart T-light holder',
        gtin: null,
        attributes: {},
        backorderPolicy: 'deny',
        createdAt: anIsoTime,
        updatedAt: anIsoTime,
      },
      {
        code: `${p}-2`,
        title: 'Lantern',
        gtin: '00012345678905',
        attributes: { colour: 'white' },
        backorderPolicy: 'continue',
        createdAt: anIsoTime,
        updatedAt: anIsoTime,
      },
    ]);
  });

  it('reads CSV with quoted commas, escaped quotes and empty cells', async () => {
    const p = uniq('CSV');
    const csv = [
      'code,title,gtin,backorderPolicy',
      `${p}-A,"SET OF 3 CAKE TINS, PANTRY DESIGN",,`,
      `${p}-B,"12"" RULER",50123456,continue`,
      `"${p} C",Bank charges,,deny`,
    ].join('\r\n');
    const res = await importSkus('text/csv', csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 3, updated: 0, total: 3 });
    const skus = await page(p);
    expect(
      skus.map(({ code, title, gtin, backorderPolicy }) => ({
        code,
        title,
        gtin,
        backorderPolicy,
      })),
    ).toEqual([
      { code: `${p} C`, title: 'Bank charges', gtin: null, backorderPolicy: 'deny' },
      {
        code: `${p}-A`,
        title: 'SET OF 3 CAKE TINS, PANTRY DESIGN',
        gtin: null,
        backorderPolicy: 'deny',
      },
      { code: `${p}-B`, title: '12" RULER', gtin: '50123456', backorderPolicy: 'continue' },
    ]);
  });

  it('updates SKUs that exist, keeping the fields a line leaves out', async () => {
    const existing = await makeSku({
      gtin: '12345670',
      backorderPolicy: 'continue',
      attributes: { a: 1 },
    });
    const fresh = uniq('NEW');
    const res = await importSkus(
      'text/csv',
      `code,title\n${existing.code},New title\n${fresh},Fresh\n`,
    );
    expect(res.body).toEqual({ created: 1, updated: 1, total: 2 });
    expect((await api<Sku>(`/v1/skus/${existing.code}`)).body).toEqual({
      ...existing,
      title: 'New title',
      updatedAt: anIsoTime,
    });
    const cleared = await importSkus(
      'application/x-ndjson',
      ndjson([{ code: existing.code, title: 'New title', gtin: null, backorderPolicy: 'deny' }]),
    );
    expect(cleared.body).toEqual({ created: 0, updated: 1, total: 1 });
    expect((await api<Sku>(`/v1/skus/${existing.code}`)).body).toMatchObject({
      gtin: null,
      backorderPolicy: 'deny',
      attributes: { a: 1 },
    });
  });

  it('imports more SKUs than fit in one statement or one lookup (100 parameters each)', async () => {
    const p = uniq('BULK');
    const lines = Array.from({ length: 250 }, (_, i) => ({
      code: `${p}-${String(i).padStart(3, '0')}`,
      title: `Item ${i}`,
    }));
    const res = await importSkus('application/x-ndjson', ndjson(lines));
    expect(res.body).toEqual({ created: 250, updated: 0, total: 250 });
    const again = await importSkus('application/x-ndjson', ndjson(lines));
    expect(again.body).toEqual({ created: 0, updated: 250, total: 250 });
    const all = await page(p);
    expect(all.map((s) => [s.code, s.title])).toEqual(lines.map((l) => [l.code, l.title]));
  });

  it('changes nothing when one line is bad, and names every bad line', async () => {
    const existing = await makeSku({ title: 'Before' });
    const p = uniq('ALL');
    const res = await importSkus<ErrorBody>(
      'application/x-ndjson',
      [
        JSON.stringify({ code: existing.code, title: 'After' }),
        JSON.stringify({ code: `${p}-1`, title: 'ok' }),
        '',
        JSON.stringify({ code: `${p}-2`, title: 'bad gtin', gtin: '123' }),
        '{"code": "broken"',
        JSON.stringify({ code: `${p}-1`, title: 'repeat' }),
        JSON.stringify({ code: `${p}-3`, title: 'x', price: 2 }),
      ].join('\n'),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'validation_failed',
      message:
        '4 invalid lines, nothing imported; first: line 4: gtin: GTIN: 8, 12, 13 or 14 digits',
      details: {
        errors: [
          { line: 4, message: 'gtin: GTIN: 8, 12, 13 or 14 digits' },
          { line: 5, message: 'not valid JSON' },
          { line: 6, message: `SKU ${p}-1 repeats line 2` },
          { line: 7, message: 'Unrecognized key: "price"' },
        ],
      },
      requestId: expect.any(String),
    });
    expect((await api<Sku>(`/v1/skus/${existing.code}`)).body).toEqual(existing);
    expect(await page(p)).toEqual([]);
  });

  it('reports CSV problems with their line numbers', async () => {
    const p = uniq('CSVBAD');
    const res = await importSkus<ErrorBody>(
      'text/csv',
      `code,title,gtin\n${p}-1,ok,\n${p}-2,"too, many",fields,here\n-bad,x,\n${p}-3,,\n`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({
      errors: [
        { line: 3, message: '4 fields, the header has 3' },
        {
          line: 4,
          message:
            'code: SKU code: 1-64 of A-Z a-z 0-9 space . _ -, starting with a letter or digit, no trailing space',
        },
        { line: 5, message: 'title: Invalid input: expected string, received undefined' },
      ],
    });
    expect(await page(p)).toEqual([]);
  });

  it('rejects a CSV header with unknown or missing columns', async () => {
    const res = await importSkus<ErrorBody>('text/csv', 'code,name,price\nA,b,1\n');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'validation_failed',
      message:
        'line 1: unknown column "name"; unknown column "price"; missing column title (columns: code,title,gtin,backorderPolicy)',
    });
  });

  it('rejects other content types, an empty body and more than 20,000 lines', async () => {
    const json = await api<ErrorBody>('/v1/skus/import', { body: [{ code: 'A', title: 'b' }] });
    expect(json.status).toBe(400);
    expect(json.body.error.message).toBe(
      'Content-Type application/json: send application/x-ndjson or text/csv',
    );
    const empty = await importSkus<ErrorBody>('application/x-ndjson', '\n\n');
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('The import holds no SKUs');

    const p = uniq('MAX');
    const rows = Array.from({ length: 20_001 }, (_, i) => `${p}-${i},t`).join('\n');
    const tooMany = await importSkus<ErrorBody>('text/csv', `code,title\n${rows}`);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({
      code: 'too_many_lines',
      message: '20001 SKUs in one import; at most 20000: split it',
    });
    expect(await page(p)).toEqual([]);
  });
});

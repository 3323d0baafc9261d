import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the flush delay pass and runs the SKU's alarm until its outbox is in D1. */
const flush = async (code: string) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 1_000);
  const stub = env.SkuStock.get(env.SkuStock.idFromName(code));
  for (let i = 0; i < 6; i++) await runDurableObjectAlarm(stub);
  vi.useRealTimers();
};

/** RFC 4180 records: quoted cells may hold commas, quotes, CR and LF. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
};

const refsOf = (text: string) => {
  const [header, ...rows] = parseCsv(text);
  const at = header?.indexOf('ref') ?? -1;
  return rows.map((r) => r[at] ?? '');
};

describe('the CSV export', () => {
  it('neutralises every cell a spreadsheet would run as a formula: =, +, -, @, TAB and CR first', async () => {
    const code = await sku();
    const hostile = ['=1+2', '+1+2', '-1+2', '@SUM(A1)', '\t=1+2', '\r=1+2', '=HYPERLINK("x")'];
    for (const ref of [...hostile, 'PO-1']) {
      await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 1, ref });
    }
    await flush(code);
    const csv = await api<string>(`/v1/movements.csv?sku=${code}`);
    expect(csv.status).toBe(200);
    expect(refsOf(csv.body)).toEqual([...hostile.map((ref) => `'${ref}`), 'PO-1']);
  });

  it('sends at most `limit` movements a request and links the next part until the end', async () => {
    const code = await sku();
    for (let i = 1; i <= 5; i++) {
      await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: i, ref: `PO-${i}` });
    }
    await flush(code);
    const refs: string[][] = [];
    let path: string | undefined = `/v1/movements.csv?sku=${code}&limit=2`;
    while (path !== undefined) {
      const res: { status: number; body: string; headers: Headers } = await api<string>(path);
      expect(res.status).toBe(200);
      refs.push(refsOf(res.body));
      const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      path = next;
      expect(refs.length).toBeLessThan(5);
    }
    expect(refs).toEqual([['PO-1', 'PO-2'], ['PO-3', 'PO-4'], ['PO-5']]);
  });

  it('continues a time window in event-time order from the cursor it links', async () => {
    const code = await sku();
    const from = new Date(Date.now() - 60_000).toISOString();
    for (let i = 1; i <= 3; i++) {
      await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: i, ref: `W-${i}` });
    }
    await flush(code);
    const first = await api<string>(`/v1/movements.csv?sku=${code}&from=${from}&limit=2`);
    expect(refsOf(first.body)).toEqual(['W-1', 'W-2']);
    const next = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toContain(`from=${encodeURIComponent(from)}`);
    const rest = await api<string>(next);
    expect(refsOf(rest.body)).toEqual(['W-3']);
    expect(rest.headers.get('link')).toBeNull();
  });

  it('refuses a limit above the most one request may carry', async () => {
    const res = await api<{ error: { code: string } }>('/v1/movements.csv?limit=10001');
    expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
  });
});

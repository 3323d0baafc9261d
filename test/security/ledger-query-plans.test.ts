import { createExecutionContext, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { MovementPage } from '../../protocol/ledger';
import { keyIdOf } from '../../shared/auth/api-key';
import worker from '../../workers/index';
import { ADMIN_KEY, api, createKey } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';

// Every filter combination /v1/movements and /v1/movements.csv accept must be answered from an
// index: a filter that scans the whole ledger lets any key with read access load D1 for everyone.

type Statement = { sql: string; params: unknown[]; rowsRead?: number };

/** The D1 binding, recording every statement the Worker prepares on it, with its parameters. */
const recordingD1 = (binding: D1Database) => {
  const seen: Statement[] = [];
  const proxy = new Proxy(binding, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (query: string) => {
          const statement = target.prepare(query);
          const entry: Statement = { sql: query, params: [] };
          seen.push(entry);
          const bind = statement.bind.bind(statement);
          statement.bind = (...params: unknown[]) => {
            entry.params = params;
            const bound = bind(...params);
            const all = bound.all.bind(bound);
            bound.all = async <T>() => {
              const result = await all<T>();
              entry.rowsRead = result.meta.rows_read;
              return result;
            };
            return bound;
          };
          return statement;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { proxy, seen };
};

/** Calls the real Worker entry with a recording D1 and returns the ledger statements it ran. */
const ledgerStatements = async (path: string, key: string) => {
  const { proxy, seen } = recordingD1(env.DB);
  const res = await worker.fetch(
    new Request(`http://stockmesh.test${path}`, { headers: { authorization: `Bearer ${key}` } }),
    { ...env, DB: proxy },
    createExecutionContext(),
  );
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
  return seen.filter((s) => /\b(movements|movement_locations|location_movements)\b/.test(s.sql));
};

type PlanRow = { id: number; parent: number; detail: string };
const planOf = async ({ sql, params }: Statement) => {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<PlanRow>();
  return results.map((r) => r.detail);
};

/**
 * What makes a plan read more of the ledger than the page it answers: a SCAN of a ledger table
 * (with or without an index), a filtered query walking the whole primary key from the cursor on,
 * no index at all, a page after a cursor that does not seek to it, or a sort of every match
 * (tolerated only for a reference's few movements).
 */
const problems = (plan: string[], filtered: boolean, paged: boolean): string[] => {
  const sorted = plan.includes('USE TEMP B-TREE FOR ORDER BY');
  const byRef = plan.some((line) => line.includes('USING INDEX movements_ref'));
  const lookup = plan.length === 1 && /USING INTEGER PRIMARY KEY \(rowid=\?\)$/.test(plan[0] ?? '');
  return [
    ...plan.filter((line) => /^SCAN (?!CONSTANT ROW)/.test(line)),
    ...(filtered
      ? plan.filter((line) => line.includes('USING INTEGER PRIMARY KEY (rowid>?)'))
      : []),
    ...(plan.some((line) =>
      /USING (INTEGER PRIMARY KEY|PRIMARY KEY|COVERING INDEX|INDEX)/.test(line),
    )
      ? []
      : ['no index']),
    ...(sorted && !byRef ? ['sorts every match'] : []),
    ...(paged && !lookup && !(sorted && byRef) && !/>\?|>\(\?,\?\)/.test(plan[0] ?? '')
      ? ['reads from the start, not from the cursor']
      : []),
  ];
};

const FILTERS: Record<string, string> = {
  sku: 'PLAN-SKU-1',
  location: 'PLAN-LOC-1',
  type: 'receive',
  reason: 'po_receipt',
  ref: 'PO-4711',
  actor: 'k_plan',
  from: '2026-11-01T00:00:00Z',
  to: '2026-12-01T00:00:00Z',
};
const NAMES = Object.keys(FILTERS);

/** Every subset of the filters, as query strings: 2^8 of them. */
const combinations = (values: Record<string, string> = {}): string[] =>
  Array.from({ length: 2 ** NAMES.length }, (_, mask) =>
    NAMES.filter((_, i) => mask & (1 << i))
      .map((name) => `${name}=${encodeURIComponent(values[name] ?? FILTERS[name] ?? '')}`)
      .join('&'),
  );

type Finding = { path: string; plan: string[]; problems: string[] };

/** Runs each query through the Worker and explains every ledger statement it sent to D1. */
const audit = async (paths: string[], key: string) => {
  const found: Finding[] = [];
  let explained = 0;
  for (const path of paths) {
    const filtered = /[?&](sku|location|type|reason|ref|actor|from|to)=/.test(path);
    const paged = /[?&]cursor=/.test(path);
    for (const statement of await ledgerStatements(path, key)) {
      const plan = await planOf(statement);
      explained++;
      const wrong = problems(plan, filtered, paged);
      if (wrong.length > 0) found.push({ path, plan, problems: wrong });
    }
  }
  return {
    explained,
    count: found.length,
    examples: found.slice(0, 6).map((f) => `${f.path} → ${f.plan.join(' | ')}`),
  };
};

const clean = { count: 0, examples: [] };

type Scoped = { key: string; filters: Record<string, string> };

// Connector keys are scoped like storefront keys, and viewer keys like admin keys.
const SCOPED: [label: string, make: (cat: Catalog) => Promise<Scoped>][] = [
  [
    'a warehouse key at one location',
    async (cat) => ({
      key: await createKey('warehouse', { locations: [cat.a] }),
      filters: { location: cat.a },
    }),
  ],
  [
    'a warehouse key at two locations',
    async (cat) => ({
      key: await createKey('warehouse', { locations: [cat.a, cat.b] }),
      filters: { location: cat.b },
    }),
  ],
  [
    'a storefront key',
    async (cat) => {
      const key = await createKey('storefront', { channels: [cat.channel] });
      return { key, filters: { actor: keyIdOf(key) ?? '' } };
    },
  ],
];

let cat: Catalog;
/** A movement in the ledger: a cursor in event-time order must name one. */
let cursor: number;
beforeAll(async () => {
  cat = await catalog();
  const code = await sku();
  await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 1 });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 1_000);
  for (let i = 0; i < 3; i++) {
    await runDurableObjectAlarm(env.SkuStock.get(env.SkuStock.idFromName(code)));
  }
  vi.useRealTimers();
  const page = await api<MovementPage>(`/v1/movements?sku=${code}`);
  cursor = page.body.items[0]?.id ?? 0;
});

describe('the ledger queries', () => {
  it('answer every filter combination of /v1/movements from an index, with and without a cursor', async () => {
    const paths = combinations().flatMap((q) => [
      `/v1/movements?${q}`,
      `/v1/movements?${q}${q ? '&' : ''}cursor=${cursor}`,
    ]);
    const { explained, ...found } = await audit(paths, ADMIN_KEY);
    expect(explained).toBeGreaterThanOrEqual(paths.length);
    expect(found).toEqual(clean);
  });

  it('answer every filter combination of the CSV export from an index, with and without a cursor', async () => {
    const paths = combinations().flatMap((q) => [
      `/v1/movements.csv?${q}`,
      `/v1/movements.csv?${q}${q ? '&' : ''}cursor=${cursor}`,
    ]);
    const { explained, ...found } = await audit(paths, ADMIN_KEY);
    expect(explained).toBeGreaterThanOrEqual(paths.length);
    expect(found).toEqual(clean);
  });

  for (const [label, make] of SCOPED) {
    it(`answer every filter combination ${label} may send from an index`, async () => {
      const { key, filters } = await make(cat);
      const paths = combinations(filters).flatMap((q) => [
        `/v1/movements?${q}`,
        `/v1/movements?${q}${q ? '&' : ''}cursor=${cursor}`,
      ]);
      const { explained, ...found } = await audit(paths, key);
      expect(explained).toBeGreaterThanOrEqual(paths.length);
      expect(found).toEqual(clean);
    });
  }

  it('read about as many rows for a page deep in a window or a location as the page returns', async () => {
    const code = await sku();
    const from = new Date(Date.now() - 60_000).toISOString();
    await api('/v1/movements/batch', {
      body: {
        lines: Array.from({ length: 60 }, () => ({
          sku: code,
          op: 'receive',
          location: cat.b,
          quantity: 1,
        })),
      },
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 1_000);
    for (let i = 0; i < 3; i++) {
      await runDurableObjectAlarm(env.SkuStock.get(env.SkuStock.idFromName(code)));
    }
    vi.useRealTimers();
    for (const query of [
      `sku=${code}&from=${from}`,
      `location=${cat.b}&from=${from}`,
      `location=${cat.b}`,
    ]) {
      const all = await api<MovementPage>(`/v1/movements?${query}&limit=1000`);
      const cursorRow = all.body.items.at(-11);
      const deep = cursorRow?.id;
      // The index seeks to the cursor's millisecond, then steps over the earlier events that
      // share it: a batch's events of one SKU often land in the same millisecond.
      const sameMillisecond = all.body.items.filter(
        (m) => m.at === cursorRow?.at && m.id <= (deep ?? 0),
      ).length;
      const statements = await ledgerStatements(
        `/v1/movements?${query}&limit=5&cursor=${deep}`,
        ADMIN_KEY,
      );
      expect(statements.some((s) => s.rowsRead !== undefined)).toBe(true);
      const read = statements.reduce((n, s) => n + (s.rowsRead ?? 0), 0);
      // 5 rows, the one past them, the cursor's own row, an index entry or so each, and the
      // events before the cursor in its millisecond; never the window from its start.
      expect({ query, read: read <= 20 + sameMillisecond }).toEqual({ query, read: true });
      expect(read).toBeLessThan(all.body.items.length);
    }
  });
});

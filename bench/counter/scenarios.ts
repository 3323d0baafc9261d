import { z } from 'zod';
import { type ApiClient, devFetch } from '../lib/api.ts';
import { httpLoad } from '../lib/http-load.ts';
import { LoadResult, mergeParts } from '../lib/load-result.ts';

export const SKU = 'BENCH-HOT';
const LOCATION = 'BENCH-1';
/** The most one receive may move (MAX_QUANTITY). */
const RECEIVE_CHUNK = 1_000_000;

export type Counter = 'durable' | 'memory';

export type Scenario = {
  id: string;
  counter: Counter | 'none';
  via: string;
  /** Runs before every warm-up and measured run, untimed. */
  prepare: () => Promise<void>;
  run: (seconds: number) => Promise<LoadResult>;
};

export type ScenarioOptions = {
  url: string;
  key: string;
  api: ApiClient;
  concurrency: number;
  /** Units each counter must have available before a run: more than any run can take. */
  unitsPerRun: number;
};

const Stock = z.object({ totals: z.object({ available: z.number() }) });

/** The location and the SKU, created through the catalog API. */
export const createCatalog = async (api: ApiClient): Promise<void> => {
  await api.post('/v1/locations', {
    code: LOCATION,
    name: 'Bench warehouse',
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 51.5,
    longitude: -0.1,
  });
  try {
    await api.post('/v1/skus', { code: SKU, title: 'Bench hot SKU', backorderPolicy: 'deny' });
  } catch (error) {
    // Without the catalog route, configure SkuStock directly.
    if (!String(error).includes('answered 404')) throw error;
    await api.post(`/bench/configure?counter=durable&sku=${SKU}`);
  }
};

/**
 * Tops a counter up to `units` available. MemoryStock is (re)configured first: the local
 * runtime evicts an object idle for ~10 s, and an in-memory counter forgets everything then.
 */
const ensureStock = async (api: ApiClient, counter: Counter, units: number) => {
  const prefix = counter === 'memory' ? '/bench/memory' : '';
  if (counter === 'memory') await api.post(`/bench/configure?counter=memory&sku=${SKU}`);
  const { totals } = Stock.parse(await api.get(`${prefix}/v1/skus/${SKU}/stock`));
  for (let left = units - totals.available; left > 0; left -= RECEIVE_CHUNK) {
    const quantity = Math.min(left, RECEIVE_CHUNK);
    await api.post(`${prefix}/v1/skus/${SKU}/receive`, { location: LOCATION, quantity });
  }
};

/**
 * Longest request sent through wrangler dev: after one of ~8 s its proxy's next request on that
 * connection is reset (a POST answers 503, a GET waits in its retry queue for a reload that never
 * comes), so a run inside workerd is sent as consecutive parts and their histograms merged.
 */
const PART_MS = 2000;

/** Holds fired by the bench Worker itself at one stub (POST /bench/inside). */
const insideRun = (o: ScenarioOptions, counter: Counter) => async (seconds: number) => {
  const parts: LoadResult[] = [];
  for (let left = Math.round(seconds * 1000); left > 0; left -= PART_MS) {
    const query = new URLSearchParams({
      counter,
      sku: SKU,
      concurrency: String(o.concurrency),
      durationMs: String(Math.min(left, PART_MS)),
    });
    const res = await devFetch(`${o.url}/bench/inside?${query}`, { method: 'POST' }, 60_000);
    const text = await res.text();
    if (!res.ok) throw new Error(`/bench/inside answered ${res.status}: ${text.slice(0, 500)}`);
    parts.push(LoadResult.parse(JSON.parse(text)));
  }
  return mergeParts(parts);
};

/** autocannon against one route for a fixed time. */
const httpRun =
  (o: ScenarioOptions, path: string, hold: boolean) =>
  (seconds: number): Promise<LoadResult> =>
    httpLoad({
      url: `${o.url}${path}`,
      ...(hold
        ? {
            method: 'POST',
            headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ quantity: 1 }),
          }
        : { method: 'GET' }),
      connections: o.concurrency,
      durationSec: seconds,
    });

/** The four configurations of the brief, (a)-(d), and the proxy reference (e). */
export const scenarios = (o: ScenarioOptions): Scenario[] => {
  const stocked = (counter: Counter) => () => ensureStock(o.api, counter, o.unitsPerRun);
  const nothing = async () => {};
  return [
    {
      id: 'a',
      counter: 'durable',
      via: 'inside workerd',
      prepare: stocked('durable'),
      run: insideRun(o, 'durable'),
    },
    {
      id: 'b',
      counter: 'memory',
      via: 'inside workerd',
      prepare: stocked('memory'),
      run: insideRun(o, 'memory'),
    },
    {
      id: 'c',
      counter: 'durable',
      via: 'HTTP',
      prepare: stocked('durable'),
      run: httpRun(o, `/v1/skus/${SKU}/holds`, true),
    },
    {
      id: 'd',
      counter: 'memory',
      via: 'HTTP',
      prepare: stocked('memory'),
      run: httpRun(o, `/bench/memory/v1/skus/${SKU}/holds`, true),
    },
    // Not a counter: what wrangler dev's HTTP proxy serves for a route that does nothing.
    {
      id: 'e',
      counter: 'none',
      via: 'HTTP GET /bench/noop',
      prepare: nothing,
      run: httpRun(o, '/bench/noop', false),
    },
  ];
};

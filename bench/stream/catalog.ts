import { shardOf } from '../../protocol/shard.ts';
import type { ApiClient } from '../lib/api.ts';

export const LOCATION = 'STREAM-1';
/** Every bench SKU starts with this and hashes to SHARD, so a subscriber needs one socket. */
export const PREFIX = 'BS-';
export const SHARD = 0;
const STOCK = 1_000;
const HOT_UNITS = 5_000_000;
const RECEIVE_CHUNK = 1_000_000;

/** `n` SKU codes with the bench prefix on the bench shard. */
const codesOnShard = (stem: string, n: number, shards: number): string[] => {
  const codes: string[] = [];
  for (let i = 0; codes.length < n; i++) {
    const code = `${PREFIX}${stem}-${i}`;
    if (shardOf(code, shards) === SHARD) codes.push(code);
  }
  return codes;
};

/** Runs `task` over `items`, `limit` at a time. */
export const mapLimited = async <T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

export type BenchCatalog = { skus: string[]; hot: string };

/** A location, `n` SKUs with stock to adjust, and a hot SKU with stock enough for any hold run. */
export const createCatalog = async (
  api: ApiClient,
  n: number,
  shards: number,
): Promise<BenchCatalog> => {
  await api.post('/v1/locations', {
    code: LOCATION,
    name: 'Stream bench warehouse',
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 51.5,
    longitude: -0.1,
  });
  const skus = codesOnShard('SKU', n, shards);
  const [hot] = codesOnShard('HOT', 1, shards);
  if (hot === undefined) throw new Error('no hot SKU');
  await mapLimited([...skus, hot], 8, async (code) => {
    await api.post('/v1/skus', { code, title: `Stream bench ${code}` });
    const units = code === hot ? HOT_UNITS : STOCK;
    for (let left = units; left > 0; left -= RECEIVE_CHUNK) {
      const quantity = Math.min(left, RECEIVE_CHUNK);
      await api.post(`/v1/skus/${code}/receive`, { location: LOCATION, quantity });
    }
  });
  return { skus, hot };
};

import { beforeAll, describe, expect, it } from 'vitest';
import type {
  Mapping,
  MappingImportResult,
  MappingPage,
  UnmappedPage,
} from '../../protocol/connections';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
import { connect, makeShop, must } from './sync-support/world';

// SKU mappings (our SKU ↔ the marketplace's item): one at a time, paged, imported in bulk all or
// nothing, and the catalog SKUs a connection cannot push for want of one.

const LOCATION = 'gid://shopify/Location/1';
const item = (n: number) => ({ inventoryItemId: `gid://shopify/InventoryItem/${n}` });
const shopify = (shop: string) => ({
  kind: 'shopify',
  settings: { shop, locationId: LOCATION },
  credentials: { accessToken: 'shpat_0123456789abcdef' },
});
const mappings = (channel: string, rest = '') => `/v1/channels/${channel}/mappings${rest}`;
const importMappings = (channel: string, body: string, type: string) =>
  api<MappingImportResult & ErrorBody>(mappings(channel, '/import'), {
    rawBody: body,
    headers: { 'content-type': type },
  });

/** Every page of the unmapped report. */
const allUnmapped = async (channel: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string =
      cursor === null ? '?limit=1000' : `?limit=1000&cursor=${encodeURIComponent(cursor)}`;
    const page = await must<UnmappedPage>(mappings(channel, `/unmapped${query}`), {}, 200);
    found.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return found;
};

let channel: string;
let skus: string[];
beforeAll(async () => {
  ({ channel, skus } = await makeShop([1, 1, 1, 1]));
  await connect(channel, shopify('sync-mappings'));
});

describe('SKU mappings', () => {
  it('maps a SKU, checked against the kind’s mapping', async () => {
    const [sku] = skus;
    const put = await api<Mapping & ErrorBody>(mappings(channel, `/${sku}`), {
      method: 'PUT',
      body: item(101),
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ sku, external: item(101), updatedAt: expect.any(String) });
    const bad = await api<ErrorBody>(mappings(channel, `/${sku}`), {
      method: 'PUT',
      body: { inventoryItemId: 'not-a-gid' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/^json\.inventoryItemId: /),
    });
  });

  it('refuses a mapping for a SKU the catalog does not have: unknown_sku', async () => {
    const res = await api<ErrorBody>(mappings(channel, '/NO-SUCH-SKU'), {
      method: 'PUT',
      body: item(1),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_sku');
  });

  it('refuses mappings for a channel with no connection: not_connected', async () => {
    const other = await makeShop([1]);
    const res = await api<ErrorBody>(mappings(other.channel, `/${other.skus[0]}`), {
      method: 'PUT',
      body: item(1),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_connected');
  });

  it('imports NDJSON and CSV, counting created and updated', async () => {
    const [a, b, c] = skus;
    const ndjson = [
      JSON.stringify({ sku: a, ...item(201) }),
      JSON.stringify({ sku: b, ...item(202) }),
    ].join('\n');
    const first = await importMappings(channel, ndjson, 'application/x-ndjson');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 2 });
    const csv = `sku,inventoryItemId\n${b},gid://shopify/InventoryItem/302\n${c},gid://shopify/InventoryItem/303\n`;
    const second = await importMappings(channel, csv, 'text/csv');
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ created: 1, updated: 1, total: 2 });
    const page = await must<MappingPage>(mappings(channel, '?limit=100'), {}, 200);
    expect(page.items.find((m) => m.sku === b)?.external).toEqual(item(302));
  });

  it('imports nothing when a line is bad, naming each bad line', async () => {
    const [a, b] = skus;
    const before = await must<MappingPage>(mappings(channel, '?limit=100'), {}, 200);
    const body = [
      JSON.stringify({ sku: a, ...item(901) }),
      JSON.stringify({ sku: b, inventoryItemId: 42 }),
      JSON.stringify({ sku: 'NOT-IN-CATALOG', ...item(903) }),
    ].join('\n');
    const res = await importMappings(channel, body, 'application/x-ndjson');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const after = await must<MappingPage>(mappings(channel, '?limit=100'), {}, 200);
    expect(after).toEqual(before);
    // The catalog is checked first: the unknown SKU is what it names.
    expect(res.body.error.details).toEqual({
      errors: [{ line: 3, message: 'SKU NOT-IN-CATALOG is not in the catalog' }],
    });
    const shapeOnly = await importMappings(
      channel,
      [
        JSON.stringify({ sku: a, ...item(901) }),
        JSON.stringify({ sku: b, inventoryItemId: 42 }),
      ].join('\n'),
      'application/x-ndjson',
    );
    expect(shapeOnly.status).toBe(400);
    expect(shapeOnly.body.error.details).toEqual({
      errors: [{ line: 2, message: expect.stringMatching(/^inventoryItemId: /) }],
    });
  });

  it('refuses an import in another media type', async () => {
    const res = await importMappings(channel, '{}', 'application/json');
    expect(res.status).toBe(415);
  });

  it('pages mappings by SKU code', async () => {
    const first = await must<MappingPage>(mappings(channel, '?limit=2'), {}, 200);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await must<MappingPage>(
      mappings(channel, `?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`),
      {},
      200,
    );
    expect((second.items[0]?.sku ?? '') > (first.items[1]?.sku ?? '')).toBe(true);
  });

  it('reports catalog SKUs with no mapping when the kind has no default mapping', async () => {
    const own = await makeShop([1, 1, 1]);
    await connect(own.channel, shopify('sync-unmapped'));
    const [mapped, ...rest] = own.skus;
    await must(mappings(own.channel, `/${mapped}`), { method: 'PUT', body: item(7) }, 200);
    const unmapped = await allUnmapped(own.channel);
    for (const sku of rest) expect(unmapped).toContain(sku);
    expect(unmapped).not.toContain(mapped);
    // Amazon's default mapping is the SKU code itself: nothing is unmapped.
    await connect(own.channel, {
      kind: 'amazon',
      settings: { sellerId: 'A2SYNCMAP01', marketplaceIds: ['A1F83G8C2ARO7P'] },
      credentials: {
        clientId: 'amzn1.application-oa2-client.sync',
        clientSecret: 'secret',
        refreshToken: 'Atzr|A2SYNCMAP01|sync',
      },
    });
    expect(await allUnmapped(own.channel)).toEqual([]);
  });

  it('lets admins and viewers read mappings, and only admins write them', async () => {
    const viewer = await createKey('viewer');
    expect((await api(mappings(channel), { key: viewer })).status).toBe(200);
    const [sku] = skus;
    const put = await api(mappings(channel, `/${sku}`), {
      method: 'PUT',
      body: item(1),
      key: viewer,
    });
    expect(put.status).toBe(403);
  });
});

import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../protocol/auth';
import { type ErrorBody, makeChannel, makeLocation, makeSku } from './support/catalog';
import { ADMIN_KEY, api, createKey, uniq } from './support/client';

const fetchRaw = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(`http://stockmesh.test${path}`, { headers, redirect: 'manual' });

describe('authentication', () => {
  it('serves health, the docs page and / without a key (health.test.ts covers /openapi.json)', async () => {
    expect((await fetchRaw('/v1/health')).status).toBe(200);
    expect((await fetchRaw('/docs')).status).toBe(200);
    const wall = await fetchRaw('/');
    expect(wall.status).toBe(200);
    expect(await wall.text()).toContain('stock wall');
  });

  it.each([
    ['no key', {}, 'Missing API key: send "Authorization: Bearer <key>"'],
    ['a Basic header', { authorization: 'Basic dXNlcjpwYXNz' }, 'Malformed Authorization header'],
    ['an empty bearer', { authorization: 'Bearer ' }, 'Malformed Authorization header'],
    ['a malformed key', { authorization: 'Bearer hello' }, 'Malformed API key'],
    [
      'an unknown key',
      { authorization: `Bearer smk_0123456789abcdef_${'A'.repeat(43)}` },
      'Unknown API key',
    ],
    [
      'a near miss of the admin key',
      { authorization: `Bearer ${ADMIN_KEY}x` },
      'Malformed API key',
    ],
  ])('answers 401 unauthorized to %s', async (_, headers, message) => {
    const res = await fetchRaw('/v1/skus', headers);
    expect(res.status).toBe(401);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message.startsWith(message)).toBe(true);
  });

  it('answers 401 before 404 for a route that does not exist', async () => {
    const res = await fetchRaw('/v1/nope');
    expect(res.status).toBe(401);
  });

  it('accepts the bootstrap admin key and any case of "Bearer"', async () => {
    expect((await fetchRaw('/v1/keys', { authorization: `bearer ${ADMIN_KEY}` })).status).toBe(200);
  });

  it('accepts the key as a WebSocket subprotocol on an upgrade request', async () => {
    const key = await createKey('viewer');
    const headers = {
      upgrade: 'websocket',
      'sec-websocket-protocol': `stockmesh.v1, stockmesh.bearer.${key}`,
    };
    expect((await fetchRaw('/v1/locations', headers)).status).toBe(200);
    // Not an upgrade: the subprotocol is not looked at.
    const plain = await fetchRaw('/v1/locations', {
      'sec-websocket-protocol': `stockmesh.bearer.${key}`,
    });
    expect(plain.status).toBe(401);
  });
});

describe('catalog permissions', () => {
  let keys: Record<Role, string>;
  let location = '';
  let channel = '';
  let sku = '';

  beforeAll(async () => {
    location = (await makeLocation()).code;
    channel = (await makeChannel({ locations: [location] })).code;
    sku = (await makeSku()).code;
    keys = {
      admin: await createKey('admin'),
      storefront: await createKey('storefront', { channels: [channel] }),
      warehouse: await createKey('warehouse', { locations: [location] }),
      connector: await createKey('connector', { channels: [channel] }),
      viewer: await createKey('viewer'),
    };
  });

  const reads = () => [
    '/v1/skus',
    `/v1/skus/${sku}`,
    '/v1/locations',
    `/v1/locations/${location}`,
    '/v1/channels',
    `/v1/channels/${channel}`,
  ];
  // Bodies that would succeed for an admin (checked below) so that 403 is about the role alone.
  const writes = (): [string, string, unknown][] => [
    ['POST', '/v1/skus', { code: uniq('P'), title: 'x' }],
    ['PATCH', `/v1/skus/${sku}`, { title: 'Renamed' }],
    [
      'POST',
      '/v1/locations',
      {
        code: uniq('L'),
        name: 'x',
        kind: 'store',
        region: 'UK',
        country: 'GB',
        latitude: 0,
        longitude: 0,
      },
    ],
    ['PATCH', `/v1/locations/${location}`, { name: 'Renamed' }],
    [
      'POST',
      '/v1/channels',
      { code: uniq('c').toLowerCase(), name: 'x', kind: 'custom', locations: [location] },
    ],
    ['PATCH', `/v1/channels/${channel}`, { name: 'Renamed' }],
    ['POST', '/v1/keys', { name: 'x', role: 'viewer' }],
    ['GET', '/v1/keys', undefined],
    ['DELETE', '/v1/keys/key_0123456789abcdef', undefined],
  ];

  it('lets every role read the catalog', async () => {
    for (const role of Role.options) {
      for (const path of reads()) {
        const res = await api(path, { key: keys[role] });
        expect({ role, path, status: res.status }).toEqual({ role, path, status: 200 });
      }
    }
  });

  it('answers 401 to catalog reads and writes without a key', async () => {
    for (const path of reads()) expect((await api(path, { key: null })).status).toBe(401);
    for (const [method, path, body] of writes()) {
      expect((await api(path, { method, body, key: null })).status).toBe(401);
    }
  });

  it.each(['storefront', 'warehouse', 'connector', 'viewer'] as const)(
    'answers 403 forbidden to a %s key writing the catalog or managing keys, changing nothing',
    async (role) => {
      for (const [method, path, body] of writes()) {
        const res = await api<ErrorBody>(path, { method, body, key: keys[role] });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
        expect(res.body.error.code).toBe('forbidden');
        expect(res.body.error.message).toContain(`has role ${role}`);
        expect(res.body.error.message).toContain('needs admin');
      }
      expect((await api<{ title: string }>(`/v1/skus/${sku}`)).body.title).not.toBe('Renamed');
    },
  );

  it('lets an admin key made through the API write the catalog', async () => {
    for (const [method, path, body] of writes()) {
      const res = await api(path, { method, body, key: keys.admin });
      const expected = method === 'POST' ? 201 : method === 'DELETE' ? 404 : 200;
      expect({ method, path, status: res.status }).toEqual({ method, path, status: expected });
    }
  });
});

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSync } from '../../objects/ChannelSync';
import type { Connection, ConnectionTest } from '../../protocol/connections';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
import { connect, makeShop, must, sqlOf, syncStub } from './sync-support/world';

// The connection admin API: create, read (never the credentials), change, pause, test, delete;
// validated with the kind's adapter; credentials encrypted in the object's own SQLite.

const SECRET = 'whsec_c3RvY2ttZXNoLXNpbXVsYXRvci13ZWJob29rLXNlY3JldA==';
const webhook = (receiver: string) => ({
  kind: 'webhook',
  settings: { url: `https://simulators.test/webhook/${receiver}` },
  credentials: { secret: SECRET },
});
const SHOPIFY_TOKEN = 'shpat_0123456789abcdef0123456789abcdef';
const shopify = {
  kind: 'shopify',
  settings: { shop: 'sync-admin', locationId: 'gid://shopify/Location/1' },
  credentials: { accessToken: SHOPIFY_TOKEN },
};

type Answer = Connection & ErrorBody;
const path = (channel: string, rest = '') => `/v1/channels/${channel}/connection${rest}`;

let channel: string;
beforeAll(async () => {
  ({ channel } = await makeShop([]));
});

describe('a channel connection', () => {
  it('is created with settings and credentials checked, and never shows the credentials', async () => {
    const created = await connect(channel, shopify);
    expect(created).toMatchObject({
      channel,
      kind: 'shopify',
      state: 'active',
      settings: { shop: 'sync-admin', apiVersion: expect.any(String) },
      credentials: { fields: ['accessToken'], changedAt: expect.any(String) },
      lastError: null,
    });
    const read = await api<Answer>(path(channel));
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(SHOPIFY_TOKEN);
  });

  it('keeps the credentials encrypted in the object’s SQLite, under a fresh IV each time', async () => {
    await connect(channel, shopify);
    const [first] = await sqlOf(channel, 'SELECT credentials FROM connection');
    await connect(channel, shopify);
    const [second] = await sqlOf(channel, 'SELECT credentials FROM connection');
    const dump = JSON.stringify(await sqlOf(channel, 'SELECT * FROM connection'));
    expect(dump).not.toContain(SHOPIFY_TOKEN);
    expect(dump).not.toContain('shpat_');
    expect(first?.credentials).toMatch(/^\{"v":1,"iv":"[^"]+","data":"[^"]+"\}$/);
    expect(first?.credentials).not.toBe(second?.credentials);
  });

  it('refuses settings and credentials the kind does not accept, naming the field', async () => {
    const badSettings = await api<ErrorBody>(path(channel), {
      method: 'PUT',
      body: {
        ...shopify,
        settings: { shop: 'Not A Shop!', locationId: 'gid://shopify/Location/1' },
      },
    });
    expect(badSettings.status).toBe(400);
    expect(badSettings.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/^json\.settings\.shop: /),
    });
    const badCredentials = await api<ErrorBody>(path(channel), {
      method: 'PUT',
      body: { ...webhook('r1'), credentials: { secret: 'not-a-secret' } },
    });
    expect(badCredentials.status).toBe(400);
    expect(badCredentials.body.error.message).toMatch(/^json\.credentials\.secret: /);
    expect(JSON.stringify(badCredentials.body)).not.toContain('not-a-secret');
    const badKind = await api<ErrorBody>(path(channel), {
      method: 'PUT',
      body: { ...shopify, kind: 'ebay' },
    });
    expect(badKind.status).toBe(400);
    // Nothing changed.
    expect((await api<Answer>(path(channel))).body.kind).toBe('shopify');
  });

  it('answers unknown_channel for a channel the catalog does not have', async () => {
    const res = await api<ErrorBody>(path('no-such-channel'), { method: 'PUT', body: shopify });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('unknown_channel');
  });

  it('patches settings field by field and replaces credentials only when given', async () => {
    const own = (await makeShop([])).channel;
    const before = await connect(own, webhook('patch-me'));
    const patched = await must<Connection>(
      path(own),
      {
        method: 'PATCH',
        body: { settings: { maxBatch: 7 } },
      },
      200,
    );
    expect(patched.settings).toMatchObject({
      url: expect.stringContaining('patch-me'),
      maxBatch: 7,
    });
    expect(patched.credentials).toEqual(before.credentials);
    const rotated = await must<Connection>(
      path(own),
      {
        method: 'PATCH',
        body: { credentials: { secret: SECRET } },
      },
      200,
    );
    expect(rotated.credentials.changedAt >= before.credentials.changedAt).toBe(true);
    const bad = await api<ErrorBody>(path(own), {
      method: 'PATCH',
      body: { settings: { url: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^json\.settings\.url: /);
  });

  it('pauses and resumes', async () => {
    const own = (await makeShop([])).channel;
    await connect(own, webhook('pause'));
    expect((await must<Connection>(path(own, '/pause'), { method: 'POST' }, 200)).state).toBe(
      'paused',
    );
    expect((await must<Connection>(path(own, '/resume'), { method: 'POST' }, 200)).state).toBe(
      'active',
    );
  });

  it('tests the connection with the marketplace: ok, or the coded reason', async () => {
    const own = (await makeShop([])).channel;
    await connect(own, webhook('probe'));
    const ok = await must<ConnectionTest>(path(own, '/test'), { method: 'POST' }, 200);
    expect(ok).toMatchObject({ ok: true });
    await connect(own, {
      ...shopify,
      settings: { ...shopify.settings, shop: 'sync-probe' },
      credentials: { accessToken: 'shpat_revoked_0123456789abcdef' },
    });
    const refused = await must<ConnectionTest>(path(own, '/test'), { method: 'POST' }, 200);
    expect(refused).toMatchObject({ ok: false, code: 'credentials_invalid' });
    expect(JSON.stringify(refused)).not.toContain('shpat_revoked');
  });

  it('is forgotten on delete, with its mappings and sync state', async () => {
    const own = (await makeShop([])).channel;
    await connect(own, webhook('gone'));
    expect((await api(path(own), { method: 'DELETE' })).status).toBe(204);
    const read = await api<ErrorBody>(path(own));
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('not_connected');
    expect(await sqlOf(own, 'SELECT * FROM connection')).toEqual([]);
    expect((await api<ErrorBody>(path(own), { method: 'DELETE' })).body.error.code).toBe(
      'not_connected',
    );
  });

  it('refuses to store credentials without the CONNECTOR_SECRET secret: not_configured', async () => {
    const own = (await makeShop([])).channel;
    await runInDurableObject(syncStub(own), (instance: ChannelSync) => {
      Reflect.set(instance, 'env', { ...env, CONNECTOR_SECRET: undefined });
    });
    const res = await api<ErrorBody>(path(own), { method: 'PUT', body: shopify });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('not_configured');
    expect(res.body.error.message).not.toContain(SHOPIFY_TOKEN);
    expect(await sqlOf(own, 'SELECT * FROM connection')).toEqual([]);
  });

  it('lets only admins write, and admins and viewers read', async () => {
    const viewer = await createKey('viewer');
    const connector = await createKey('connector', { channels: [channel] });
    expect((await api(path(channel), { key: viewer })).status).toBe(200);
    expect((await api(path(channel), { key: connector })).status).toBe(403);
    expect((await api(path(channel), { method: 'PUT', body: shopify, key: viewer })).status).toBe(
      403,
    );
    expect((await api(path(channel, '/pause'), { method: 'POST', key: connector })).status).toBe(
      403,
    );
  });
});

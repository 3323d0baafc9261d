import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ApiKey, KeyCreated } from '../protocol/catalog';
import { anIsoTime, type ErrorBody, makeChannel, makeLocation } from './support/catalog';
import { api, createKey, uniq } from './support/client';

type KeyList = { items: ApiKey[] };

describe('API keys', () => {
  it('shows the secret once, on creation, and stores only its hash', async () => {
    const channel = await makeChannel();
    const res = await api<KeyCreated>('/v1/keys', {
      body: { name: 'Shopify storefront', role: 'storefront', channels: [channel.code] },
    });
    expect(res.status).toBe(201);
    const { key, id } = res.body;
    expect(id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(key).toMatch(new RegExp(`^smk_${id.slice(4)}_[A-Za-z0-9_-]{43}$`));
    expect(res.body).toEqual({
      id,
      key,
      name: 'Shopify storefront',
      role: 'storefront',
      channels: [channel.code],
      locations: [],
      createdAt: anIsoTime,
      revokedAt: null,
      lastUsedAt: null,
    });

    const listed = await api<KeyList>('/v1/keys');
    expect(listed.status).toBe(200);
    const { key: _secret, ...view } = res.body;
    expect(listed.body.items.find((k) => k.id === id)).toEqual(view);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain('hash');

    const row = await env.DB.prepare('select hash from api_keys where id = ?').bind(id).first();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(row).toEqual({ hash: hex });
  });

  it('authenticates a new key and records when it was last used', async () => {
    const key = await createKey('viewer');
    const res = await api('/v1/locations', { key });
    expect(res.status).toBe(200);
    const listed = await api<KeyList>('/v1/keys');
    const id = `key_${key.split('_')[1]}`;
    expect(listed.body.items.find((k) => k.id === id)?.lastUsedAt).toEqual(anIsoTime);
  });

  it('revokes a key: it answers 401 at once, and revoking again keeps the first time', async () => {
    const key = await createKey('viewer');
    const id = `key_${key.split('_')[1]}`;
    expect((await api('/v1/skus?limit=1', { key })).status).toBe(200);

    const revoked = await api<ApiKey>(`/v1/keys/${id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, role: 'viewer', revokedAt: anIsoTime });

    const after = await api<ErrorBody>('/v1/skus?limit=1', { key });
    expect(after.status).toBe(401);
    expect(after.body.error).toEqual({
      code: 'unauthorized',
      message: `API key ${id} was revoked at ${revoked.body.revokedAt}`,
      requestId: expect.any(String),
    });
    const again = await api<ApiKey>(`/v1/keys/${id}`, { method: 'DELETE' });
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('answers unknown_key when revoking a key that does not exist', async () => {
    const res = await api<ErrorBody>('/v1/keys/key_0123456789abcdef', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'unknown_key',
      message: 'Unknown API key key_0123456789abcdef',
    });
  });

  it('scopes warehouse keys to locations and connector keys to channels', async () => {
    const location = await makeLocation();
    const channel = await makeChannel({ locations: [location.code] });
    const warehouse = await api<KeyCreated>('/v1/keys', {
      body: { name: 'MAN dock', role: 'warehouse', locations: [location.code] },
    });
    expect(warehouse.status).toBe(201);
    expect(warehouse.body).toMatchObject({ channels: [], locations: [location.code] });
    const connector = await api<KeyCreated>('/v1/keys', {
      body: { name: 'Amazon', role: 'connector', channels: [channel.code] },
    });
    expect(connector.status).toBe(201);
    expect(connector.body).toMatchObject({ channels: [channel.code], locations: [] });
  });

  it.each([
    [
      'a storefront key without channels',
      { role: 'storefront' },
      'A storefront key needs at least one channel',
    ],
    [
      'a connector key without channels',
      { role: 'connector', channels: [] },
      'A connector key needs at least one channel',
    ],
    [
      'a warehouse key without locations',
      { role: 'warehouse' },
      'A warehouse key needs at least one location',
    ],
    [
      'a viewer key with channels',
      { role: 'viewer', channels: ['web'] },
      'A viewer key takes no channels',
    ],
    [
      'an admin key with locations',
      { role: 'admin', locations: ['MAN-1'] },
      'An admin key takes no locations',
    ],
    [
      'a storefront key with locations',
      { role: 'storefront', channels: ['web'], locations: ['MAN-1'] },
      'A storefront key takes no locations',
    ],
  ])('rejects %s with validation_failed', async (_, scope, message) => {
    const before = (await api<KeyList>('/v1/keys')).body.items.length;
    const res = await api<ErrorBody>('/v1/keys', { body: { name: 'x', ...scope } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', message });
    expect((await api<KeyList>('/v1/keys')).body.items.length).toBe(before);
  });

  it('rejects scopes naming channels or locations that do not exist', async () => {
    const channel = uniq('nochan').toLowerCase();
    const location = uniq('NOLOC');
    const before = (await api<KeyList>('/v1/keys')).body.items.length;
    const c = await api<ErrorBody>('/v1/keys', {
      body: { name: 'x', role: 'connector', channels: [channel] },
    });
    expect(c.status).toBe(404);
    expect(c.body.error).toMatchObject({
      code: 'unknown_channel',
      message: `Unknown channel: ${channel}`,
      details: { channels: [channel] },
    });
    const l = await api<ErrorBody>('/v1/keys', {
      body: { name: 'x', role: 'warehouse', locations: [location] },
    });
    expect(l.status).toBe(404);
    expect(l.body.error).toMatchObject({
      code: 'unknown_location',
      details: { locations: [location] },
    });
    expect((await api<KeyList>('/v1/keys')).body.items.length).toBe(before);
  });

  it('rejects unknown fields, unknown roles and a key id in the body', async () => {
    for (const body of [
      { name: 'x', role: 'viewer', hash: 'abc' },
      { name: 'x', role: 'root' },
      { name: 'x', role: 'viewer', id: 'key_0000000000000000' },
      { role: 'viewer' },
    ]) {
      const res = await api<ErrorBody>('/v1/keys', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { Location } from '../protocol/catalog';
import { anIsoTime, type ErrorBody, makeLocation } from './support/catalog';
import { api, uniq } from './support/client';

const rotterdam = {
  name: 'Rotterdam EU hub',
  kind: 'warehouse',
  region: 'EU',
  country: 'NL',
  latitude: 51.9244,
  longitude: 4.4777,
};

describe('locations', () => {
  it('creates a location and reads it back, alone and in the list', async () => {
    const code = uniq('RTM');
    const created = await api<Location>('/v1/locations', { body: { code, ...rotterdam } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      code,
      ...rotterdam,
      createdAt: anIsoTime,
      updatedAt: anIsoTime,
    });
    expect((await api<Location>(`/v1/locations/${code}`)).body).toEqual(created.body);
    const list = await api<{ items: Location[] }>('/v1/locations');
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(created.body);
    const codes = list.body.items.map((l) => l.code);
    expect(codes).toEqual([...codes].sort());
  });

  it('refuses a code that exists with already_exists', async () => {
    const location = await makeLocation();
    const res = await api<ErrorBody>('/v1/locations', {
      body: { code: location.code, ...rotterdam },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'already_exists',
      message: `Location ${location.code} already exists`,
    });
    expect((await api<Location>(`/v1/locations/${location.code}`)).body).toEqual(location);
  });

  it('patches some fields and leaves the rest', async () => {
    const location = await makeLocation();
    const res = await api<Location>(`/v1/locations/${location.code}`, {
      method: 'PATCH',
      body: { name: 'Manchester North', kind: 'store' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...location,
      name: 'Manchester North',
      kind: 'store',
      updatedAt: anIsoTime,
    });
    expect((await api<Location>(`/v1/locations/${location.code}`)).body).toEqual(res.body);
  });

  it('answers unknown_location for a location that does not exist', async () => {
    const code = uniq('NOWHERE');
    const get = await api<ErrorBody>(`/v1/locations/${code}`);
    expect(get.status).toBe(404);
    expect(get.body.error).toMatchObject({
      code: 'unknown_location',
      message: `Unknown location ${code}`,
    });
    const patch = await api<ErrorBody>(`/v1/locations/${code}`, {
      method: 'PATCH',
      body: { name: 'x' },
    });
    expect(patch.status).toBe(404);
    expect(patch.body.error.code).toBe('unknown_location');
  });

  it.each([
    ['a lower-case code', { code: 'man-1' }, 'json.code'],
    ['an unknown kind', { kind: 'depot' }, 'json.kind'],
    ['a three-letter country', { country: 'GBR' }, 'json.country'],
    ['a latitude past the pole', { latitude: 91 }, 'json.latitude'],
    ['a longitude given as text', { longitude: '4.47' }, 'json.longitude'],
    ['an unknown field', { capacity: 10 }, 'json: Unrecognized key'],
  ])('rejects %s with validation_failed and creates nothing', async (_, fields, message) => {
    const code = uniq('BAD');
    const res = await api<ErrorBody>('/v1/locations', { body: { code, ...rotterdam, ...fields } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message.startsWith(message)).toBe(true);
    expect((await api(`/v1/locations/${code}`)).status).toBe(404);
  });

  it('rejects a bad patch and keeps the location as it was', async () => {
    const location = await makeLocation();
    for (const body of [{}, { code: 'OTHER' }, { latitude: -100 }, { name: '' }]) {
      const res = await api<ErrorBody>(`/v1/locations/${location.code}`, { method: 'PATCH', body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api<Location>(`/v1/locations/${location.code}`)).body).toEqual(location);
  });
});

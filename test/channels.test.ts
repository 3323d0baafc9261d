import { describe, expect, it } from 'vitest';
import type { Channel } from '../protocol/catalog';
import { anIsoTime, type ErrorBody, makeChannel, makeLocation } from './support/catalog';
import { api, uniq } from './support/client';

describe('channels', () => {
  it('creates a channel with default rules and reads it back', async () => {
    const [man, lon] = [await makeLocation(), await makeLocation({ name: 'London DC' })];
    const code = uniq('web-uk').toLowerCase();
    const created = await api<Channel>('/v1/channels', {
      body: { code, name: 'Own web store UK', kind: 'storefront', locations: [lon.code, man.code] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      code,
      name: 'Own web store UK',
      kind: 'storefront',
      locations: [lon.code, man.code],
      percentage: 100,
      buffer: 0,
      maxListed: null,
      endWhen: 0,
      routing: 'priority',
      allowSplit: false,
      createdAt: anIsoTime,
      updatedAt: anIsoTime,
    });
    expect((await api<Channel>(`/v1/channels/${code}`)).body).toEqual(created.body);
    const list = await api<{ items: Channel[] }>('/v1/channels');
    expect(list.body.items).toContainEqual(created.body);
  });

  it('stores every rule', async () => {
    const location = await makeLocation();
    const rules = {
      percentage: 80,
      buffer: 2,
      maxListed: 500,
      endWhen: 3,
      routing: 'nearest',
      allowSplit: true,
    } as const;
    const channel = await makeChannel({
      kind: 'marketplace',
      locations: [location.code],
      ...rules,
    });
    expect(channel).toMatchObject({ kind: 'marketplace', locations: [location.code], ...rules });
    expect((await api<Channel>(`/v1/channels/${channel.code}`)).body).toEqual(channel);
  });

  it('patches rules and locations, keeping the order given', async () => {
    const [a, b] = [await makeLocation(), await makeLocation()];
    const channel = await makeChannel({ locations: [a.code] });
    const res = await api<Channel>(`/v1/channels/${channel.code}`, {
      method: 'PATCH',
      body: { locations: [b.code, a.code], percentage: 50, endWhen: 3, maxListed: 10 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...channel,
      locations: [b.code, a.code],
      percentage: 50,
      endWhen: 3,
      maxListed: 10,
      updatedAt: anIsoTime,
    });
    const cleared = await api<Channel>(`/v1/channels/${channel.code}`, {
      method: 'PATCH',
      body: { maxListed: null },
    });
    expect(cleared.body.maxListed).toBeNull();
  });

  it('rejects locations that do not exist with unknown_location, creating or changing nothing', async () => {
    const location = await makeLocation();
    const missing = uniq('GHOST');
    const code = uniq('ch').toLowerCase();
    const res = await api<ErrorBody>('/v1/channels', {
      body: { code, name: 'x', kind: 'custom', locations: [location.code, missing] },
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'unknown_location',
      message: `Unknown location: ${missing}`,
      details: { locations: [missing] },
    });
    expect((await api(`/v1/channels/${code}`)).status).toBe(404);

    const channel = await makeChannel({ locations: [location.code] });
    const patch = await api<ErrorBody>(`/v1/channels/${channel.code}`, {
      method: 'PATCH',
      body: { locations: [missing] },
    });
    expect(patch.status).toBe(404);
    expect(patch.body.error.code).toBe('unknown_location');
    expect((await api<Channel>(`/v1/channels/${channel.code}`)).body).toEqual(channel);
  });

  it('refuses a code that exists, and answers unknown_channel for one that does not', async () => {
    const channel = await makeChannel();
    const again = await api<ErrorBody>('/v1/channels', {
      body: { code: channel.code, name: 'x', kind: 'custom', locations: channel.locations },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'already_exists',
      message: `Channel ${channel.code} already exists`,
    });
    const code = uniq('nope').toLowerCase();
    const get = await api<ErrorBody>(`/v1/channels/${code}`);
    expect(get.status).toBe(404);
    expect(get.body.error).toMatchObject({
      code: 'unknown_channel',
      message: `Unknown channel ${code}`,
    });
  });

  it.each([
    ['an upper-case code', { code: 'Web-UK' }, 'json.code'],
    ['no locations', { locations: [] }, 'json.locations'],
    ['a repeated location', { locations: ['MAN-1', 'MAN-1'] }, 'json.locations'],
    ['a percentage of 0', { percentage: 0 }, 'json.percentage'],
    ['a percentage of 101', { percentage: 101 }, 'json.percentage'],
    ['a fractional buffer', { buffer: 1.5 }, 'json.buffer'],
    ['a negative endWhen', { endWhen: -1 }, 'json.endWhen'],
    ['an unknown routing', { routing: 'cheapest' }, 'json.routing'],
    ['allowSplit as a string', { allowSplit: 'yes' }, 'json.allowSplit'],
    ['an unknown field', { priority: 1 }, 'json: Unrecognized key'],
  ])('rejects %s with validation_failed', async (_, fields, message) => {
    const code = uniq('bad').toLowerCase();
    const body = { code, name: 'x', kind: 'custom', locations: ['MAN-1'], ...fields };
    const res = await api<ErrorBody>('/v1/channels', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message.startsWith(message)).toBe(true);
    expect((await api(`/v1/channels/${code}`)).status).toBe(404);
  });
});

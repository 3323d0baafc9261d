import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Channel, Location } from '../protocol/catalog';
import { getChannel, getLocation, getLocations } from '../shared/catalog/cache';
import { makeChannel, makeLocation } from './support/catalog';
import { api, uniq } from './support/client';

describe('catalog cache', () => {
  it('finds locations and channels, and sees writes made in this isolate at once', async () => {
    const location = await makeLocation();
    expect(await getLocation(env, location.code)).toEqual(location);
    expect((await getLocations(env)).get(location.code)).toEqual(location);
    const channel = await makeChannel({ locations: [location.code] });
    expect(await getChannel(env, channel.code)).toEqual(channel);

    const renamed = await api<Location>(`/v1/locations/${location.code}`, {
      method: 'PATCH',
      body: { name: 'Renamed' },
    });
    expect(await getLocation(env, location.code)).toEqual(renamed.body);
    const changed = await api<Channel>(`/v1/channels/${channel.code}`, {
      method: 'PATCH',
      body: { percentage: 40 },
    });
    expect(await getChannel(env, channel.code)).toEqual(changed.body);
  });

  it('answers undefined for codes that do not exist', async () => {
    expect(await getLocation(env, uniq('NONE'))).toBeUndefined();
    expect(await getChannel(env, uniq('none').toLowerCase())).toBeUndefined();
  });
});

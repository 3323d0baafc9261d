import { expect } from 'vitest';
import type {
  Channel,
  ChannelCreate,
  Location,
  LocationCreate,
  Sku,
  SkuCreate,
} from '../../protocol/catalog';
import { api, uniq } from './client';

/** An ISO 8601 UTC timestamp as the catalog writes them. */
export const anIsoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

/** Creates a location (a Manchester warehouse unless overridden) and returns it. */
export const makeLocation = async (fields: Partial<LocationCreate> = {}): Promise<Location> => {
  const res = await api<Location>('/v1/locations', {
    body: {
      code: uniq('LOC'),
      name: 'Manchester DC',
      kind: 'warehouse',
      region: 'UK',
      country: 'GB',
      latitude: 53.48,
      longitude: -2.24,
      ...fields,
    },
  });
  if (res.status !== 201)
    throw new Error(`creating a location failed: ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Creates a channel fed by the given locations (a new one if none) and returns it. */
export const makeChannel = async (fields: Partial<ChannelCreate> = {}): Promise<Channel> => {
  const locations = fields.locations ?? [(await makeLocation()).code];
  const res = await api<Channel>('/v1/channels', {
    body: {
      code: uniq('ch').toLowerCase(),
      name: 'Web store',
      kind: 'storefront',
      ...fields,
      locations,
    },
  });
  if (res.status !== 201) throw new Error(`creating a channel failed: ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Creates a SKU and returns it. */
export const makeSku = async (fields: Partial<SkuCreate> = {}): Promise<Sku> => {
  const res = await api<Sku>('/v1/skus', {
    body: { code: uniq('SKU'), title: 'White hanging heart T-light holder', ...fields },
  });
  if (res.status !== 201) throw new Error(`creating a SKU failed: ${JSON.stringify(res.body)}`);
  return res.body;
};

/** The error code of an error envelope. */
export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

import { api, uniq } from './client';

export type Catalog = {
  /** Two warehouse codes, in the order the channel prefers them. */
  a: string;
  b: string;
  /** A channel fed by a then b, splits allowed. */
  channel: string;
  /** A channel fed by b only, no splits. */
  narrow: string;
};

const must = async (path: string, body: unknown) => {
  const res = await api(path, { body });
  if (res.status !== 201)
    throw new Error(`${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
};

export const location = async (code = uniq('LOC')) => {
  await must('/v1/locations', {
    code,
    name: `Warehouse ${code}`,
    kind: 'warehouse',
    region: 'UK',
    country: 'GB',
    latitude: 53.48,
    longitude: -2.24,
  });
  return code;
};

export const channel = async (locations: string[], rules: Record<string, unknown> = {}) => {
  const code = uniq('ch').toLowerCase();
  await must('/v1/channels', { code, name: code, kind: 'storefront', locations, ...rules });
  return code;
};

/** Two locations and two channels, with codes unique to this call. */
export const catalog = async (): Promise<Catalog> => {
  const a = await location();
  const b = await location();
  return {
    a,
    b,
    channel: await channel([a, b], { allowSplit: true }),
    narrow: await channel([b]),
  };
};

/** A SKU in the catalog (and so with a configured counter). */
export const sku = async (backorderPolicy: 'deny' | 'continue' = 'deny') => {
  const code = uniq('SKU');
  await must('/v1/skus', { code, title: `Test ${code}`, backorderPolicy });
  return code;
};

/** POSTs to a SKU's stock route as admin and fails the test on anything but success. */
export const post = async <T = Record<string, unknown>>(
  path: string,
  body: unknown,
  key?: string,
) => {
  const res = await api<T>(path, { body, ...(key !== undefined && { key }) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

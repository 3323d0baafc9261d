import { env } from 'cloudflare:workers';
import { z } from 'zod';
import { type ReservationView, ShortLine } from '../../protocol/reservations';
import type { StockView } from '../../protocol/stock';
import type { ErrorBody } from '../support/catalog';
import { type ApiResponse, api, uniq } from '../support/client';
import { post } from '../support/fixtures';

export type { ErrorBody };
export type Reservation = ApiResponse<ReservationView & ErrorBody>;

/** Warehouses with real coordinates, so `nearest` routing has something to rank. */
export const SITES = {
  MAN: { name: 'Manchester DC', region: 'UK', country: 'GB', latitude: 53.48, longitude: -2.24 },
  LON: { name: 'London store', region: 'UK', country: 'GB', latitude: 51.51, longitude: -0.13 },
  RTM: { name: 'Rotterdam DC', region: 'EU', country: 'NL', latitude: 51.92, longitude: 4.48 },
  OSL: { name: 'Oslo DC', region: 'NORDICS', country: 'NO', latitude: 59.91, longitude: 10.75 },
} as const;
export type Site = keyof typeof SITES;

/** Creates one location per site (unique codes) and returns site → code. */
export const makeSites = async <S extends Site>(...sites: S[]): Promise<Record<S, string>> => {
  const codes = {} as Record<S, string>;
  for (const site of sites) {
    const code = uniq(site);
    await post('/v1/locations', { code, kind: 'warehouse', ...SITES[site] });
    codes[site] = code;
  }
  return codes;
};

export const makeChannel = async (
  locations: string[],
  rules: { routing?: 'priority' | 'nearest'; allowSplit?: boolean } = {},
) => {
  const code = uniq('web').toLowerCase();
  await post('/v1/channels', { code, name: code, kind: 'storefront', locations, ...rules });
  return code;
};

/** A SKU with the given units received at each location. */
export const makeSku = async (
  stock: Record<string, number> = {},
  policy: 'deny' | 'continue' = 'deny',
) => {
  const code = uniq('SKU');
  await post('/v1/skus', { code, title: `Test ${code}`, backorderPolicy: policy });
  for (const [location, quantity] of Object.entries(stock)) {
    if (quantity > 0) await post(`/v1/skus/${code}/receive`, { location, quantity });
  }
  return code;
};

export const reserve = (body: Record<string, unknown>, key?: string, idempotencyKey?: string) =>
  api<ReservationView & ErrorBody>('/v1/reservations', {
    body,
    ...(key !== undefined && { key }),
    ...(idempotencyKey !== undefined && { headers: { 'idempotency-key': idempotencyKey } }),
  });

export const stockOf = async (sku: string): Promise<StockView> => {
  const res = await api<StockView>(`/v1/skus/${sku}/stock`);
  if (res.status !== 200) throw new Error(`stock of ${sku}: ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Units reserved and committed for a SKU, summed over its locations. */
export const totals = async (sku: string) => (await stockOf(sku)).totals;

/** The short lines an insufficient_stock answer lists. */
export const shortLines = (res: Reservation): ShortLine[] =>
  z.object({ lines: z.array(ShortLine) }).parse(res.body.error?.details).lines;

/** The Checkout stub of a reservation, for alarms and crash tests. */
export const checkoutStub = (reservationId: string) =>
  env.Checkout.get(env.Checkout.idFromName(reservationId));

/** Where each line is held: [sku, location, quantity] per fulfilment. */
export const placed = (view: ReservationView) =>
  view.lines.flatMap((l) => l.fulfilment.map((f) => [f.sku, f.location, f.quantity]));

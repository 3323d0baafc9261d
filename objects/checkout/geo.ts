import type { ShipTo } from '../../protocol/reservations';

export type Point = { latitude: number; longitude: number };

/**
 * Approximate centres of the countries the order stream ships to (and a few neighbours), for a
 * ship-to given as a country only. Good to tens of kilometres: enough to rank warehouses.
 */
export const COUNTRY_CENTRES: Readonly<Record<string, Point>> = {
  AT: { latitude: 47.6, longitude: 14.1 },
  AU: { latitude: -25.3, longitude: 133.8 },
  BE: { latitude: 50.6, longitude: 4.6 },
  CH: { latitude: 46.8, longitude: 8.2 },
  DE: { latitude: 51.2, longitude: 10.4 },
  DK: { latitude: 56.0, longitude: 10.0 },
  ES: { latitude: 40.2, longitude: -3.6 },
  FI: { latitude: 64.0, longitude: 26.0 },
  FR: { latitude: 46.6, longitude: 2.2 },
  GB: { latitude: 54.0, longitude: -2.5 },
  GG: { latitude: 49.45, longitude: -2.58 },
  IE: { latitude: 53.4, longitude: -8.2 },
  IS: { latitude: 64.9, longitude: -18.6 },
  IT: { latitude: 42.8, longitude: 12.6 },
  JE: { latitude: 49.21, longitude: -2.13 },
  JP: { latitude: 36.2, longitude: 138.3 },
  LT: { latitude: 55.2, longitude: 23.9 },
  NL: { latitude: 52.2, longitude: 5.5 },
  NO: { latitude: 60.5, longitude: 8.5 },
  PL: { latitude: 52.1, longitude: 19.4 },
  PT: { latitude: 39.6, longitude: -8.0 },
  SE: { latitude: 62.0, longitude: 15.0 },
  US: { latitude: 39.8, longitude: -98.6 },
};

const EARTH_RADIUS_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in kilometres (haversine). */
export const haversineKm = (a: Point, b: Point): number => {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
};

/** The point a ship-to stands for, or null for a country whose centre is not known. */
export const shipToPoint = (shipTo: ShipTo): Point | null =>
  'country' in shipTo ? (COUNTRY_CENTRES[shipTo.country] ?? null) : shipTo;

export type Site = Point & { code: string; country: string };
export type Candidate = { location: string; distanceKm: number | null };
export type Ordered = { candidates: Candidate[]; basis: string };

/**
 * The channel's locations in the order routing prefers them: the channel's own order under
 * `priority`; nearest first under `nearest` (ties keep the channel's order). `basis` says why.
 */
export const orderLocations = (
  sites: readonly Site[],
  routing: 'priority' | 'nearest',
  shipTo: ShipTo | null,
): Ordered => {
  const point = shipTo === null ? null : shipToPoint(shipTo);
  const withDistance = sites.map((s) => ({
    location: s.code,
    country: s.country,
    distanceKm: point === null ? null : Math.round(haversineKm(point, s)),
  }));
  const strip = (list: typeof withDistance): Candidate[] =>
    list.map(({ location, distanceKm }) => ({ location, distanceKm }));
  if (routing === 'priority') return { candidates: strip(withDistance), basis: 'channel priority' };
  if (shipTo === null) {
    return { candidates: strip(withDistance), basis: 'channel priority (no ship-to given)' };
  }
  if (point === null && 'country' in shipTo) {
    // No centre for the country: its own locations first, then the channel's order.
    const inCountry = withDistance.filter((s) => s.country === shipTo.country);
    const rest = withDistance.filter((s) => s.country !== shipTo.country);
    return {
      candidates: strip([...inCountry, ...rest]),
      basis: `locations in ${shipTo.country} first, then channel priority (no centre known for ${shipTo.country})`,
    };
  }
  // Array.prototype.sort is stable: equal distances keep the channel's order.
  const sorted = [...withDistance].sort((a, b) => (a.distanceKm ?? 0) - (b.distanceKm ?? 0));
  return { candidates: strip(sorted), basis: 'distance to the ship-to' };
};

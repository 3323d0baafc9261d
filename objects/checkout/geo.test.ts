import { describe, expect, it } from 'vitest';
import { haversineKm, orderLocations, type Site } from './geo';

const MAN: Site = { code: 'MAN', country: 'GB', latitude: 53.48, longitude: -2.24 };
const RTM: Site = { code: 'RTM', country: 'NL', latitude: 51.92, longitude: 4.48 };
const OSL: Site = { code: 'OSL', country: 'NO', latitude: 59.91, longitude: 10.75 };
const codes = (o: ReturnType<typeof orderLocations>) => o.candidates.map((c) => c.location);

describe('haversineKm', () => {
  it('measures London to Paris at about 344 km', () => {
    const km = haversineKm(
      { latitude: 51.5074, longitude: -0.1278 },
      { latitude: 48.8566, longitude: 2.3522 },
    );
    expect(km).toBeGreaterThan(340);
    expect(km).toBeLessThan(348);
  });
});

describe('orderLocations', () => {
  it('keeps the channel order under priority routing, ship-to or not', () => {
    const o = orderLocations([OSL, MAN, RTM], 'priority', { country: 'GB' });
    expect(codes(o)).toEqual(['OSL', 'MAN', 'RTM']);
    expect(o.basis).toBe('channel priority');
  });

  it('puts the nearest first under nearest routing, from a country centre or coordinates', () => {
    expect(codes(orderLocations([OSL, MAN, RTM], 'nearest', { country: 'DE' }))).toEqual([
      'RTM',
      'MAN',
      'OSL',
    ]);
    expect(codes(orderLocations([OSL, MAN, RTM], 'nearest', { country: 'IE' }))).toEqual([
      'MAN',
      'RTM',
      'OSL',
    ]);
    const bergen = orderLocations([MAN, RTM, OSL], 'nearest', { latitude: 60.39, longitude: 5.32 });
    expect(bergen.candidates).toEqual([
      { location: 'OSL', distanceKm: 305 },
      { location: 'MAN', distanceKm: 894 },
      { location: 'RTM', distanceKm: 943 },
    ]);
  });

  it('falls back to channel order without a ship-to, and to same-country first for an unknown country', () => {
    expect(orderLocations([OSL, MAN], 'nearest', null)).toMatchObject({
      basis: 'channel priority (no ship-to given)',
    });
    const o = orderLocations([OSL, MAN, RTM], 'nearest', { country: 'ZZ' });
    expect(codes(o)).toEqual(['OSL', 'MAN', 'RTM']);
    expect(codes(orderLocations([OSL, MAN, RTM], 'nearest', { country: 'NL' }))[0]).toBe('RTM');
  });
});

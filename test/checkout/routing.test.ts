import { beforeAll, describe, expect, it } from 'vitest';
import { makeChannel, makeSites, makeSku, placed, reserve, shortLines, totals } from './support';

let s: Record<'MAN' | 'RTM' | 'OSL', string>;
beforeAll(async () => {
  s = await makeSites('MAN', 'RTM', 'OSL');
});

describe('routing a cart', () => {
  it('prefers one location that ships every line over the channel priority', async () => {
    const channel = await makeChannel([s.MAN, s.RTM]);
    const a = await makeSku({ [s.MAN]: 5, [s.RTM]: 5 });
    const b = await makeSku({ [s.RTM]: 5 });
    const res = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ],
    });
    expect(res.status).toBe(201);
    expect(placed(res.body)).toEqual([
      [a, s.RTM, 2],
      [b, s.RTM, 1],
    ]);
    expect(res.body.lines[0]).toMatchObject({
      reason: 'single_location',
      note: `${s.RTM} ships the whole cart: the only one of 2 locations that can`,
    });
    expect(res.body.shipments).toEqual([{ location: s.RTM, distanceKm: null, lines: [0, 1] }]);
  });

  it('takes the highest-priority location when several can ship the whole cart', async () => {
    const channel = await makeChannel([s.OSL, s.MAN], { routing: 'priority' });
    const a = await makeSku({ [s.MAN]: 5, [s.OSL]: 5 });
    const res = await reserve({
      channel,
      lines: [{ sku: a, quantity: 1 }],
      shipTo: { country: 'GB' },
    });
    expect(placed(res.body)).toEqual([[a, s.OSL, 1]]);
    expect(res.body.lines[0]?.note).toMatch(
      /the first by channel priority of 2 locations that can/,
    );
  });

  it('takes the nearest location to the ship-to under nearest routing', async () => {
    const channel = await makeChannel([s.OSL, s.MAN, s.RTM], { routing: 'nearest' });
    const a = await makeSku({ [s.MAN]: 5, [s.OSL]: 5, [s.RTM]: 5 });
    const byCountry = async (country: string) =>
      placed(
        (await reserve({ channel, lines: [{ sku: a, quantity: 1 }], shipTo: { country } })).body,
      );
    expect(await byCountry('IE')).toEqual([[a, s.MAN, 1]]);
    expect(await byCountry('DE')).toEqual([[a, s.RTM, 1]]);
    expect(await byCountry('NO')).toEqual([[a, s.OSL, 1]]);
    const bergen = await reserve({
      channel,
      lines: [{ sku: a, quantity: 1 }],
      shipTo: { latitude: 60.39, longitude: 5.32 },
    });
    expect(bergen.body.shipments).toEqual([{ location: s.OSL, distanceKm: 305, lines: [0] }]);
    expect(bergen.body.lines[0]?.note).toBe(
      `${s.OSL} ships the whole cart: the first by distance to the ship-to of 3 locations that can (305 km)`,
    );
    // The nearest that can ship everything, not the nearest of all.
    const b = await makeSku({ [s.RTM]: 1 });
    const res = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ],
      shipTo: { country: 'NO' },
    });
    expect(placed(res.body)).toEqual([
      [a, s.RTM, 1],
      [b, s.RTM, 1],
    ]);
  });

  it('splits a line across locations when the channel allows it and no location has it all', async () => {
    const channel = await makeChannel([s.MAN, s.RTM], { allowSplit: true });
    const a = await makeSku({ [s.MAN]: 3, [s.RTM]: 4 });
    const res = await reserve({ channel, lines: [{ sku: a, quantity: 6 }] });
    expect(res.status).toBe(201);
    expect(placed(res.body)).toEqual([
      [a, s.MAN, 3],
      [a, s.RTM, 3],
    ]);
    expect(res.body.lines[0]?.reason).toBe('split');
    expect(await totals(a)).toMatchObject({ reserved: 6, available: 1 });
  });

  it('refuses to split when the channel does not allow it, and says the total would do', async () => {
    const channel = await makeChannel([s.MAN, s.RTM], { allowSplit: false });
    const a = await makeSku({ [s.MAN]: 3, [s.RTM]: 4 });
    const b = await makeSku({ [s.MAN]: 9 });
    const res = await reserve({
      channel,
      lines: [
        { sku: b, quantity: 1 },
        { sku: a, quantity: 6 },
      ],
    });
    expect([res.status, res.body.error.code]).toEqual([409, 'insufficient_stock']);
    expect(shortLines(res)).toEqual([
      {
        line: 1,
        sku: a,
        component: null,
        requested: 6,
        available: 7,
        locations: [s.MAN, s.RTM],
        availableAt: [3, 4],
        reason: 'split_refused',
      },
    ]);
    expect(res.body.error.message).toContain('the channel does not split lines');
    expect(await totals(a)).toMatchObject({ reserved: 0 });
    expect(await totals(b)).toMatchObject({ reserved: 0 });
  });

  it('ships whole lines from several locations, the fewest it can, when none has everything', async () => {
    const channel = await makeChannel([s.MAN, s.RTM, s.OSL]);
    const a = await makeSku({ [s.MAN]: 1, [s.OSL]: 1 });
    const b = await makeSku({ [s.OSL]: 1 });
    const c = await makeSku({ [s.OSL]: 1 });
    const d = await makeSku({ [s.RTM]: 1, [s.MAN]: 1 });
    const res = await reserve({
      channel,
      lines: [a, b, c, d].map((sku) => ({ sku, quantity: 1 })),
    });
    expect(placed(res.body)).toEqual([
      [a, s.OSL, 1],
      [b, s.OSL, 1],
      [c, s.OSL, 1],
      [d, s.MAN, 1],
    ]);
    expect(res.body.shipments.map((x) => [x.location, x.lines])).toEqual([
      [s.OSL, [0, 1, 2]],
      [s.MAN, [3]],
    ]);
  });

  it('finds nothing for a channel whose locations have no stock, though others do', async () => {
    const channel = await makeChannel([s.OSL]);
    const a = await makeSku({ [s.MAN]: 50 });
    const res = await reserve({ channel, lines: [{ sku: a, quantity: 1 }] });
    expect(res.body.error.code).toBe('insufficient_stock');
    expect(shortLines(res)).toEqual([
      expect.objectContaining({
        requested: 1,
        available: 0,
        locations: [s.OSL],
        availableAt: [0],
        reason: 'out_of_stock',
      }),
    ]);
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 50 });
  });
});

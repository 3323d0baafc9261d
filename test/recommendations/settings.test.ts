import { describe, expect, it } from 'vitest';
import type { LocationPolicyView, TransferLaneView } from '../../protocol/recommendations';
import { makeLocation } from '../support/catalog';
import { api, createKey } from '../support/client';

type ErrorBody = { error: { code: string; message: string } };
const GOOD = { leadTimeDays: 6, leadTimeSpreadDays: 1.5, reviewPeriodDays: 2, serviceLevel: 0.98 };

describe('replenishment settings', () => {
  it('reads the defaults until set, then what was set', async () => {
    const { code } = await makeLocation();
    const path = `/v1/locations/${code}/replenishment`;
    expect((await api<LocationPolicyView>(path)).body).toEqual({
      location: code,
      leadTimeDays: 4,
      leadTimeSpreadDays: 1,
      reviewPeriodDays: 1,
      serviceLevel: 0.95,
      source: 'default',
      updatedAt: null,
    });
    const put = await api<LocationPolicyView>(path, { method: 'PUT', body: GOOD });
    expect(put.status).toBe(200);
    expect((await api<LocationPolicyView>(path)).body).toMatchObject({ ...GOOD, source: 'set' });
  });

  it('refuses bad values with validation_failed and keeps the settings as they were', async () => {
    const { code } = await makeLocation();
    const path = `/v1/locations/${code}/replenishment`;
    await api(path, { method: 'PUT', body: GOOD });
    const before = (await api(path)).body;
    const bad = [
      { ...GOOD, serviceLevel: 0.4 },
      { ...GOOD, serviceLevel: 1 },
      { ...GOOD, leadTimeDays: -1 },
      { ...GOOD, reviewPeriodDays: 'daily' },
      { leadTimeDays: 3 },
      { ...GOOD, extra: 1 },
    ];
    for (const body of bad) {
      const res = await api<ErrorBody>(path, { method: 'PUT', body });
      expect({ status: res.status, code: res.body.error.code }).toEqual({
        status: 400,
        code: 'validation_failed',
      });
    }
    expect((await api(path)).body).toEqual(before);
  });

  it('answers 404 unknown_location for a location not in the catalog, and 403 to a viewer', async () => {
    const res = await api<ErrorBody>('/v1/locations/NOPE-9/replenishment', {
      method: 'PUT',
      body: GOOD,
    });
    expect({ status: res.status, code: res.body.error.code }).toEqual({
      status: 404,
      code: 'unknown_location',
    });
    const { code } = await makeLocation();
    const viewer = await createKey('viewer');
    const refused = await api<ErrorBody>(`/v1/locations/${code}/replenishment`, {
      method: 'PUT',
      body: GOOD,
      key: viewer,
    });
    expect(refused.status).toBe(403);
    expect((await api(`/v1/locations/${code}/replenishment`, { key: viewer })).status).toBe(200);
  });
});

describe('transfer lanes', () => {
  it('defaults by region pair: 0.5 days within a region, 1.5 across; a set lane wins', async () => {
    const [uk1, uk2, eu] = [
      await makeLocation({ region: 'UK' }),
      await makeLocation({ region: 'UK' }),
      await makeLocation({ region: 'EU' }),
    ];
    const lane = (a: string, b: string) => api<TransferLaneView>(`/v1/transfer-lanes/${a}/${b}`);
    expect((await lane(uk1.code, uk2.code)).body).toMatchObject({
      leadTimeDays: 0.5,
      costPerUnit: 0,
      fromRegion: 'UK',
      toRegion: 'UK',
      source: 'default',
    });
    expect((await lane(uk1.code, eu.code)).body).toMatchObject({ leadTimeDays: 1.5 });
    const put = await api<TransferLaneView>(`/v1/transfer-lanes/${uk1.code}/${eu.code}`, {
      method: 'PUT',
      body: { leadTimeDays: 1, costPerUnit: 0.35 },
    });
    expect(put.status).toBe(200);
    expect((await lane(uk1.code, eu.code)).body).toMatchObject({
      leadTimeDays: 1,
      costPerUnit: 0.35,
      source: 'set',
    });
    // One way only: the way back keeps its default.
    expect((await lane(eu.code, uk1.code)).body).toMatchObject({ leadTimeDays: 1.5 });
  });

  it('refuses a lane to itself, bad numbers and unknown locations, changing nothing', async () => {
    const [a, b] = [await makeLocation(), await makeLocation()];
    const path = `/v1/transfer-lanes/${a.code}/${b.code}`;
    const before = (await api(path)).body;
    const cases: [string, unknown, number, string][] = [
      [
        `/v1/transfer-lanes/${a.code}/${a.code}`,
        { leadTimeDays: 1, costPerUnit: 1 },
        400,
        'validation_failed',
      ],
      [path, { leadTimeDays: -0.5, costPerUnit: 1 }, 400, 'validation_failed'],
      [path, { leadTimeDays: 1 }, 400, 'validation_failed'],
      [
        `/v1/transfer-lanes/${a.code}/NOPE-9`,
        { leadTimeDays: 1, costPerUnit: 1 },
        404,
        'unknown_location',
      ],
    ];
    for (const [p, body, status, code] of cases) {
      const res = await api<ErrorBody>(p, { method: 'PUT', body });
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status, code });
    }
    expect((await api(path)).body).toEqual(before);
  });
});

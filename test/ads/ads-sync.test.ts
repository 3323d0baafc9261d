import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdsSync } from '../../objects/AdsSync';
import type {
  AdsActionPage,
  AdsConnection,
  AdsConnectionStatus,
  AdsStatus,
} from '../../protocol/ads';
import type { SignalEvent } from '../../protocol/webhooks';
import { adsSync, webhooks } from '../../shared/stubs';
import { type ErrorBody, makeChannel, makeSku } from '../support/catalog';
import { api, uniq } from '../support/client';

// AdsSync end to end: signals in by RPC, the alarm pushes to the Google Ads simulator through
// the MARKETPLACES binding, the action log and status read through the admin API.

const CUSTOMER = '1234500001';
let channel: string;
let sku: string;
let sku2: string;

const connection = (overrides: Record<string, unknown> = {}) => ({
  kind: 'google_ads',
  channel,
  settings: { customerId: CUSTOMER },
  credentials: {
    clientId: 'stockmesh-test.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-test',
    refreshToken: '1//stockmesh-test-refresh',
    developerToken: 'dev-token-0123456789',
  },
  ...overrides,
});

const sim = async (action: string, body?: unknown) => {
  const res = await env.MARKETPLACES?.fetch(
    `https://simulators.test/_sim/google_ads/${action}?account=${CUSTOMER}`,
    {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
  );
  return (await res?.json()) as {
    entities: { entity: string; status: string; changes: number }[];
    totals: Record<string, number>;
  };
};

let n = 0;
const signal = (
  type: SignalEvent['type'],
  of: string,
  listed: number,
  id = `sig-${++n}`,
): SignalEvent => ({
  id,
  type,
  sku: of,
  channel,
  at: new Date().toISOString(),
  data: { listed },
});

/** Runs the alarm until nothing is queued (each run sends what the gate allows). */
const drain = async (name: string) => {
  for (let i = 0; i < 20; i++) {
    await runDurableObjectAlarm(adsSync(env, name));
    const status = (await api<AdsStatus>(`/v1/ads/${name}/status`)).body;
    if (status.entities.queued === 0) return status;
    await new Promise((r) => setTimeout(r, 120));
  }
  throw new Error('actions still queued');
};

const statusOf = async (entity: string) =>
  (await sim('listing')).entities.find((e) => e.entity === entity);

beforeAll(async () => {
  channel = (await makeChannel()).code;
  sku = (await makeSku()).code;
  sku2 = (await makeSku()).code;
});

describe('ads that follow stock', () => {
  it('pauses a mapped ad group when its SKU sells out and resumes it when it is back, acting once per crossing', async () => {
    const name = uniq('g').toLowerCase().slice(0, 30);
    const put = await api<AdsConnection>(`/v1/ads/${name}`, { method: 'PUT', body: connection() });
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain('GOCSPX');
    const map = await api(`/v1/ads/${name}/mappings/${sku}`, {
      method: 'PUT',
      body: { entities: [{ level: 'ad_group', id: '5550001' }] },
    });
    expect(map.status).toBe(200);
    const entity = `customers/${CUSTOMER}/adGroups/5550001`;
    const out = signal('out', sku, 0);
    // Noise: the same signal twice, and another sold-out reading, must not act twice.
    await adsSync(env, name).signal([out, out, signal('low', sku, 0)]);
    await drain(name);
    expect(await statusOf(entity)).toMatchObject({ status: 'PAUSED', changes: 1 });
    await adsSync(env, name).signal([signal('back_in_stock', sku, 4)]);
    const status = await drain(name);
    expect(await statusOf(entity)).toMatchObject({ status: 'ENABLED', changes: 2 });
    expect(status.signals).toEqual({ received: 4, duplicates: 1 });
    const log = (await api<AdsActionPage>(`/v1/ads/${name}/actions`)).body.items;
    expect(log.map((a) => [a.action, a.status])).toEqual([
      ['resume', 'applied'],
      ['pause', 'applied'],
    ]);
    expect(log[1]?.reason).toMatchObject({
      sku,
      listed: 0,
      threshold: 0,
      rule: 'listed 0 ≤ 0',
      eventId: out.id,
    });
    expect(log[0]?.reason).toMatchObject({ listed: 4, threshold: 1 });
  });

  it('keeps an ad group serving while any SKU it serves is in stock, and retries through throttling and 5xx', async () => {
    const name = uniq('g').toLowerCase().slice(0, 30);
    await api(`/v1/ads/${name}`, { method: 'PUT', body: connection() });
    const entities = [{ level: 'ad_group', id: '5550002' }];
    await api(`/v1/ads/${name}/mappings/${sku}`, { method: 'PUT', body: { entities } });
    await api(`/v1/ads/${name}/mappings/${sku2}`, { method: 'PUT', body: { entities } });
    const entity = `customers/${CUSTOMER}/adGroups/5550002`;
    await adsSync(env, name).signal([signal('out', sku, 0)]);
    await drain(name);
    expect((await statusOf(entity))?.status ?? 'ENABLED').toBe('ENABLED');
    await sim('faults', { throttle: true });
    await adsSync(env, name).signal([signal('out', sku2, 0)]);
    await runDurableObjectAlarm(adsSync(env, name));
    // The runtime may fire the alarm on its own first; runDurableObjectAlarm then finds none to
    // run while that run still waits on the throttled request, so wait for its outcome.
    const throttled = await vi.waitFor(
      async () => {
        const s = (await api<AdsStatus>(`/v1/ads/${name}/status`)).body;
        if (s.throttle.failures === 0) throw new Error('no throttled attempt yet');
        return s;
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(throttled.entities.queued).toBe(1);
    expect(throttled.throttle.failures).toBeGreaterThan(0);
    await sim('faults', { throttle: false, http5xxRate: 1 });
    await api(`/v1/ads/${name}`, { method: 'PATCH', body: { paused: false } });
    await runDurableObjectAlarm(adsSync(env, name));
    expect((await api<AdsStatus>(`/v1/ads/${name}/status`)).body.entities.queued).toBe(1);
    await sim('faults', { http5xxRate: 0 });
    await api(`/v1/ads/${name}`, { method: 'PATCH', body: { paused: false } });
    await drain(name);
    expect(await statusOf(entity)).toMatchObject({ status: 'PAUSED', changes: 1 });
  });

  it('keeps its connection name when the runtime wakes it without one (an alarm after a restart)', async () => {
    const name = uniq('g').toLowerCase().slice(0, 30);
    expect((await api(`/v1/ads/${name}`, { method: 'PUT', body: connection() })).status).toBe(200);
    const id = env.AdsSync.idFromName(name).toString();
    // The instance dies; the next one is reached by its id alone, as an alarm reaches it.
    await runInDurableObject(adsSync(env, name), (_i, state) => state.abort('restart')).catch(
      () => undefined,
    );
    const nameless = env.AdsSync.get(env.AdsSync.idFromString(id));
    expect(await runInDurableObject(nameless, (_i, state) => state.id.name)).toBeUndefined();
    expect(await nameless.state()).toMatchObject({ ok: true, value: { name } });
    expect(await nameless.connection()).toMatchObject({ ok: true, value: { name } });
  });

  it('shows in its status how many stock signals the relay has not handed it yet and how old the oldest is, to the signal and the second', async () => {
    // Date faked a year ahead: alarms set from now on never fire on their own, the test runs each.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const t0 = Date.now() + 365 * 24 * 3600 * 1000;
      vi.setSystemTime(t0);
      const name = uniq('g').toLowerCase().slice(0, 30);
      expect((await api(`/v1/ads/${name}`, { method: 'PUT', body: connection() })).status).toBe(
        200,
      );
      const relay = async () =>
        (await api<AdsConnectionStatus>(`/v1/ads/${name}/status`)).body.relay;
      const refuse = (on: boolean) =>
        runInDurableObject(adsSync(env, name), (instance: AdsSync) => {
          instance.seam.beforeSignal = on
            ? async () => {
                throw new Error('refusing signals');
              }
            : undefined;
        });
      const caughtUp = {
        behind: 0,
        oldestAt: null,
        oldestAgeSeconds: null,
        failures: 0,
        retryAt: null,
        lastError: null,
      };
      expect(await relay()).toEqual(caughtUp);
      await refuse(true);
      // Three signals an ad acts on (an unmapped SKU: no other connection acts) and one it never gets.
      const unmapped = uniq('NOT-MAPPED');
      await webhooks(env).publish([
        signal('out', unmapped, 0),
        signal('low', unmapped, 2),
        signal('back_in_stock', unmapped, 3),
        { id: uniq('oversold'), type: 'oversold', at: new Date().toISOString(), data: {} },
      ]);
      vi.setSystemTime(t0 + 5_000);
      const waiting = { ...caughtUp, behind: 3, oldestAt: new Date(t0).toISOString() };
      expect(await relay()).toEqual({ ...waiting, oldestAgeSeconds: 5 });
      await runDurableObjectAlarm(webhooks(env));
      vi.setSystemTime(t0 + 5_250);
      expect(await relay()).toEqual({
        ...waiting,
        oldestAgeSeconds: 5.25,
        failures: 1,
        retryAt: new Date(t0 + 5_500).toISOString(),
        lastError: expect.stringContaining('refusing signals'),
      });
      await refuse(false);
      vi.setSystemTime(t0 + 6_000);
      await runDurableObjectAlarm(webhooks(env));
      expect(await relay()).toEqual(caughtUp);
      expect((await api<AdsStatus>(`/v1/ads/${name}/status`)).body.signals).toEqual({
        received: 3,
        duplicates: 0,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses bad settings, unknown kinds and rule numbers out of range with 4xx, changing nothing', async () => {
    const name = uniq('g').toLowerCase().slice(0, 30);
    const cases: [Record<string, unknown>, number][] = [
      [connection({ kind: 'tiktok' }), 400],
      [connection({ settings: { customerId: '123-456-7890' } }), 400],
      [connection({ rules: { pauseAtListed: -1 } }), 400],
      [connection({ rules: { pauseAtListed: 5, resumeAtListed: 5 } }), 400],
      [connection({ rules: { pauseUnderCoverDays: 1000 } }), 400],
      [connection({ channel: 'no-such-channel' }), 404],
    ];
    for (const [body, code] of cases) {
      const res = await api<ErrorBody>(`/v1/ads/${name}`, { method: 'PUT', body });
      expect({ body, status: res.status }).toEqual({ body, status: code });
    }
    expect((await api<ErrorBody>(`/v1/ads/${name}`)).body.error.code).toBe('not_connected');
    const listed = await api<{ items: { name: string }[] }>('/v1/ads?limit=500');
    expect(listed.body.items.map((i) => i.name)).not.toContain(name);
  });
});

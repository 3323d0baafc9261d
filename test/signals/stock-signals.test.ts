import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdsSync } from '../../objects/AdsSync';
import type { SkuStock } from '../../objects/SkuStock';
import type { Webhooks } from '../../objects/Webhooks';
import { CREATED_SKEW_MS } from '../../objects/webhooks/ads-relay';
import type { AdsActionPage, AdsStatus } from '../../protocol/ads';
import { shardOf } from '../../protocol/shard';
import type { LocationThresholdsView } from '../../protocol/threshold-rollout';
import type { SignalEvent, SignalPage, WebhookCreated } from '../../protocol/webhooks';
import { adsSync, streamHub, webhooks } from '../../shared/stubs';
import { makeChannel, makeSites, makeSku, reserve } from '../checkout/support';
import { crash, drainAlarms, flag, stubOf } from '../ledger/alarms';
import { api, createKey, uniq } from '../support/client';
import { post } from '../support/fixtures';

// Stock signals end to end (docs/signals.md): a mutation crosses a threshold, SkuStock writes the
// signal with it and its alarm publishes it to the Webhooks object, whose alarm delivers it. The
// clock is faked a year ahead so no alarm fires on its own: the test runs each one.

type Received = { url: string; headers: Headers; body: string };
const received: Received[] = [];
const hooks = () => webhooks(env);
let sites: { MAN: string; RTM: string };
let channel: string;

/** Webhook deliveries land in `received` (again after a restart of the object). */
const captureDeliveries = () =>
  runInDurableObject(hooks(), (instance: Webhooks) => {
    instance.seam.send = async (url, init) => {
      received.push({ url, headers: new Headers(init.headers), body: String(init.body) });
      return new Response('ok');
    };
  });

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
  sites = await makeSites('MAN', 'RTM');
  channel = await makeChannel([sites.MAN]);
  await captureDeliveries();
});
afterAll(() => {
  vi.useRealTimers();
});

/** Runs the Webhooks object's alarm until nothing is due. */
const deliverAll = async () => {
  for (let runs = 0; runs < 20; runs++) {
    const at = await runInDurableObject(hooks(), (_i: Webhooks, s) => s.storage.getAlarm());
    if (at === null) return;
    vi.setSystemTime(Math.max(Date.now(), at));
    await runDurableObjectAlarm(hooks());
  }
  throw new Error('deliveries still due');
};

const hubOf = (code: string) => streamHub(env, shardOf(code, Number(env.STREAM_SHARDS) || 1));

/** Runs the SKU's alarms, its hub's (channel signals), then the Webhooks object's. */
const publishAll = async (code: string) => {
  await drainAlarms(code);
  expect(await stubOf(code).published()).toBe(true);
  for (let runs = 0; runs < 10; runs++) {
    const at = await runInDurableObject(hubOf(code), (_i, s) => s.storage.getAlarm());
    if (at === null) break;
    vi.setSystemTime(Math.max(Date.now(), at));
    await runDurableObjectAlarm(hubOf(code));
  }
  await deliverAll();
};

/** Publishes the SKU's signals, delivers them, and answers the bodies its receiver got. */
const signalsOf = async (url: string, code: string) => {
  await publishAll(code);
  return received
    .filter((r) => r.url === url)
    .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
    .filter((b) => b.data.sku === code);
};

const subscribe = async (code: string) => {
  const url = `https://hooks.example.com/${uniq('r')}`;
  const res = await api<WebhookCreated>('/v1/webhooks', {
    body: { url, events: ['low', 'out', 'back_in_stock'], filter: { skus: [code] } },
  });
  expect(res.status).toBe(201);
  return { url, secret: res.body.secret };
};

/** The Standard Webhooks check, from the public specification. */
const verifies = async (secret: string, r: Received) => {
  const id = r.headers.get('webhook-id') ?? '';
  const ts = r.headers.get('webhook-timestamp') ?? '';
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${ts}.${r.body}`)),
  );
  return (r.headers.get('webhook-signature') ?? '')
    .split(' ')
    .includes(`v1,${btoa(String.fromCharCode(...mac))}`);
};

/** What a receiver got, in order: type, where (location or channel), and the numbers. */
const summary = (bodies: { type: string; data: Record<string, unknown> }[]) =>
  bodies.map((b) => [
    b.type,
    b.data.location ?? b.data.channel,
    b.data.location === undefined ? b.data.listed : b.data.available,
    b.data.threshold,
  ]);

const CUSTOMER = '1234500077';

/** A Google Ads connection following the test channel, on the simulator. */
const connectAds = async () => {
  const name = uniq('g').toLowerCase().slice(0, 30);
  const put = await api(`/v1/ads/${name}`, {
    method: 'PUT',
    body: {
      kind: 'google_ads',
      channel,
      settings: { customerId: CUSTOMER },
      credentials: {
        clientId: 'stockmesh-test.apps.googleusercontent.com',
        clientSecret: 'GOCSPX-test',
        refreshToken: '1//stockmesh-test-refresh',
        developerToken: 'dev-token-0123456789',
      },
    },
  });
  expect(put.status).toBe(200);
  return name;
};

/** Signals an ads connection took in: each counted once, and those it had already. */
const tallyOf = async (name: string) =>
  (await api<AdsStatus>(`/v1/ads/${name}/status`)).body.signals;

const adsSim = async () => {
  const res = await env.MARKETPLACES?.fetch(
    `https://simulators.test/_sim/google_ads/listing?account=${CUSTOMER}`,
  );
  return (await res?.json()) as { entities: { entity: string; status: string; changes: number }[] };
};

/** Runs an ads connection's alarm until nothing is queued, moving the clock past its gate. */
const drainAds = async (name: string) => {
  for (let i = 0; i < 20; i++) {
    await runDurableObjectAlarm(adsSync(env, name));
    const status = (await api<AdsStatus>(`/v1/ads/${name}/status`)).body;
    if (status.entities.queued === 0) return;
    vi.setSystemTime(Date.now() + 5_000);
  }
  throw new Error('ads actions still queued');
};

describe('stock signals per SKU and location', () => {
  it('a cart that sells a SKU out raises exactly one out per location and channel, signed, and pauses its ad group; a restock resumes it', async () => {
    const name = await connectAds();
    const code = await makeSku({ [sites.MAN]: 2 });
    const mapped = await api(`/v1/ads/${name}/mappings/${code}`, {
      method: 'PUT',
      body: { entities: [{ level: 'ad_group', id: '7770001' }] },
    });
    expect(mapped.status).toBe(200);
    const entity = `customers/${CUSTOMER}/adGroups/7770001`;
    const { url, secret } = await subscribe(code);

    const cart = await reserve({ channel, lines: [{ sku: code, quantity: 2 }] });
    expect(cart.status).toBe(201);
    await api(`/v1/reservations/${cart.body.reservationId}/commit`, { body: {} });
    expect(summary(await signalsOf(url, code))).toEqual([
      ['stock.out', sites.MAN, 0, 0],
      ['stock.out', channel, 0, 0],
    ]);
    const delivery = received.find((r) => r.url === url);
    expect(delivery && (await verifies(secret, delivery))).toBe(true);
    await drainAds(name);
    expect((await adsSim()).entities.find((e) => e.entity === entity)).toMatchObject({
      status: 'PAUSED',
      changes: 1,
    });

    await post(`/v1/skus/${code}/receive`, { location: sites.MAN, quantity: 3 });
    await post(`/v1/skus/${code}/adjust`, { location: sites.MAN, delta: 1 });
    expect(summary(await signalsOf(url, code))).toEqual([
      ['stock.out', sites.MAN, 0, 0],
      ['stock.out', channel, 0, 0],
      ['stock.back_in_stock', sites.MAN, 3, 1],
      ['stock.back_in_stock', channel, 3, 1],
    ]);
    await drainAds(name);
    expect((await adsSim()).entities.find((e) => e.entity === entity)).toMatchObject({
      status: 'ENABLED',
      changes: 2,
    });
    // The same signals, newest first, through GET /v1/signals: filters and cursor paging.
    const where = (e: SignalEvent) => [e.type, e.location ?? e.channel];
    const first = await api<SignalPage>(`/v1/signals?sku=${code}&limit=3`);
    expect(first.body.items.map(where)).toEqual([
      ['back_in_stock', channel],
      ['back_in_stock', sites.MAN],
      ['out', channel],
    ]);
    const rest = await api<SignalPage>(
      `/v1/signals?sku=${code}&limit=3&cursor=${first.body.nextCursor}`,
    );
    expect([rest.body.items.map(where), rest.body.nextCursor]).toEqual([
      [['out', sites.MAN]],
      null,
    ]);
    const outs = await api<SignalPage>(`/v1/signals?type=out&sku=${code}&location=${sites.MAN}`);
    expect(outs.body.items.map((e) => e.id)).toEqual([`${code}:${sites.MAN}:out:2`]);
    const bad = await api<{ error: { code: string } }>('/v1/signals?type=sold_out');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    // Each key reads within its scope: a warehouse key its locations' signals, a connector key
    // its channels', and a filter naming anything else is refused.
    const ids = async (key: string, query = '') => {
      const page = await api<SignalPage>(`/v1/signals?sku=${code}${query}`, { key });
      return page.status === 200 ? page.body.items.map(where) : page.status;
    };
    const atMan = await createKey('warehouse', { locations: [sites.MAN] });
    const atRtm = await createKey('warehouse', { locations: [sites.RTM] });
    const ofChannel = await createKey('connector', { channels: [channel] });
    const { RTM: unstocked } = await makeSites('RTM');
    const elsewhere = await createKey('storefront', { channels: [await makeChannel([unstocked])] });
    const viewer = await createKey('viewer');
    expect(await ids(atMan)).toEqual([
      ['back_in_stock', sites.MAN],
      ['out', sites.MAN],
    ]);
    expect(await ids(atRtm)).toEqual([]);
    expect(await ids(atRtm, `&location=${sites.MAN}`)).toBe(403);
    expect(await ids(atMan, `&channel=${channel}`)).toBe(403);
    expect(await ids(ofChannel)).toEqual([
      ['back_in_stock', channel],
      ['out', channel],
    ]);
    expect(await ids(ofChannel, `&location=${sites.MAN}`)).toBe(403);
    expect(await ids(elsewhere)).toEqual([]);
    expect(await ids(elsewhere, `&channel=${channel}`)).toBe(403);
    expect(await ids(viewer)).toHaveLength(4);
    const log = (await api<AdsActionPage>(`/v1/ads/${name}/actions`)).body.items;
    expect(log.map((a) => [a.action, a.status, a.reason.rule])).toEqual([
      ['resume', 'applied', 'listed 3 ≥ 1'],
      ['pause', 'applied', 'listed 0 ≤ 0'],
    ]);
  });

  it('loses no signal when the object restarts between the mutation and the publish', async () => {
    const code = await makeSku({ [sites.MAN]: 1, [sites.RTM]: 1 });
    const { url } = await subscribe(code);
    await post(`/v1/skus/${code}/adjust`, { location: sites.MAN, delta: -1 });
    await crash(code);
    // And once more mid-publish: the sink never answers, the object dies there.
    await post(`/v1/skus/${code}/adjust`, { location: sites.RTM, delta: -1 });
    const publishing = flag();
    await runInDurableObject(stubOf(code), (instance) => {
      instance.signalSink = () => publishing.hang();
    });
    const stuck = runDurableObjectAlarm(stubOf(code)).catch(() => 'aborted');
    await publishing.wait(code);
    await crash(code);
    await stuck;
    const signals = summary(await signalsOf(url, code)).filter(([, where]) => where !== channel);
    expect(signals.sort()).toEqual(
      [
        ['stock.out', sites.MAN, 0, 0],
        ['stock.out', sites.RTM, 0, 0],
      ].sort(),
    );
  });

  it('an ads connection that refuses signals holds neither the webhooks nor the other connections, and gets every signal once it accepts, across a restart', async () => {
    // Signals logged before the connections existed are not theirs: leave them out of the counts.
    vi.setSystemTime(Date.now() + 2 * CREATED_SKEW_MS);
    const [refusing, other] = [await connectAds(), await connectAds()];
    const refuse = (on: boolean) =>
      runInDurableObject(adsSync(env, refusing), (instance: AdsSync) => {
        instance.seam.beforeSignal = on
          ? async () => {
              throw new Error('refusing signals');
            }
          : undefined;
      });
    await refuse(true);
    // More signals than one publish carries (SIGNAL_BATCH, 100): 60 times out and back at RTM,
    // which the channel does not sell from, so no channel signal joins them.
    const code = await makeSku({ [sites.RTM]: 1 });
    const { url } = await subscribe(code);
    const lines = Array.from({ length: 120 }, (_, i) => ({
      sku: code,
      op: 'adjust',
      location: sites.RTM,
      delta: i % 2 === 0 ? -1 : 1,
    }));
    await post('/v1/movements/batch', { lines });
    for (let runs = 0; runs < 10; runs++) {
      const at = await runInDurableObject(stubOf(code), (_i, s) => s.storage.getAlarm());
      if (at === null) break;
      vi.setSystemTime(Math.max(Date.now(), at));
      await runDurableObjectAlarm(stubOf(code));
    }
    await runDurableObjectAlarm(hooks());
    const deliveredTo = () => received.filter((r) => r.url === url).length;
    expect(deliveredTo()).toBe(120);
    expect(await tallyOf(other)).toEqual({ received: 120, duplicates: 0 });
    expect(await tallyOf(refusing)).toEqual({ received: 0, duplicates: 0 });
    const cursors = await hooks().adsRelay();
    expect(cursors.find((c) => c.name === refusing)).toMatchObject({
      failures: 1,
      lastError: expect.stringContaining('refusing signals'),
    });

    // The Webhooks object restarts (its cursors are in storage), the connection accepts again.
    await runInDurableObject(hooks(), (_i, state) => state.abort('crash')).catch(() => undefined);
    await captureDeliveries();
    await refuse(false);
    await deliverAll();
    expect(await tallyOf(refusing)).toEqual({ received: 120, duplicates: 0 });
    expect(await tallyOf(other)).toEqual({ received: 120, duplicates: 0 });
    expect(deliveredTo()).toBe(120);
    expect((await hooks().adsRelay()).find((c) => c.name === refusing)).toMatchObject({
      failures: 0,
      notBefore: null,
      lastError: null,
    });
  });

  it('a webhook receiver that does not answer holds up neither the next alarm run nor the ads relay', async () => {
    // Under the order replay a run of deliveries to a slow receiver held the next run, and the
    // relay's signals waited behind it for seconds (bench/README.md, signals replay).
    vi.setSystemTime(Date.now() + 2 * CREATED_SKEW_MS);
    const ads = await connectAds();
    const code = uniq('SKU');
    const { url } = await subscribe(code);
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    await runInDurableObject(hooks(), (instance: Webhooks) => {
      const send = instance.seam.send;
      instance.seam.send = async (u, init) => {
        if (u !== url) return send ? send(u, init) : new Response(null, { status: 404 });
        received.push({ url: u, headers: new Headers(init.headers), body: String(init.body) });
        await answered;
        return new Response('late');
      };
    });
    const out = (n: number): SignalEvent => ({
      id: `${code}:${sites.RTM}:out:${n}`,
      type: 'out',
      at: new Date().toISOString(),
      sku: code,
      location: sites.RTM,
      data: { available: 0, coverDays: 0 },
    });
    const run = () =>
      Promise.race([
        runDurableObjectAlarm(hooks()).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
    try {
      await hooks().publish([out(1)]);
      expect(await run()).toBe(true);
      await hooks().publish([out(2)]);
      expect(await run()).toBe(true);
      expect(await tallyOf(ads)).toEqual({ received: 2, duplicates: 0 });
      expect(received.filter((r) => r.url === url)).toHaveLength(2);
    } finally {
      answer();
    }
    // The two attempts end on their own: delivered once each, nothing due again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await captureDeliveries();
    await deliverAll();
    expect(received.filter((r) => r.url === url)).toHaveLength(2);
    const hook = (await api<{ items: { id: string; url: string }[] }>('/v1/webhooks')).body.items;
    const id = hook.find((h) => h.url === url)?.id;
    const log = await api<{ items: { status: string }[] }>(`/v1/webhooks/${id}/deliveries`);
    expect(log.body.items.map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it("pushes a location's thresholds to every SKU's object a page at a time, answering at once with the plan", async () => {
    await runInDurableObject(hooks(), (instance: Webhooks) => {
      instance.seam.rolloutPage = 3;
    });
    for (let i = 0; i < 7; i++) await makeSku({ [sites.MAN]: 5 });
    const catalog = await env.DB.prepare('SELECT code FROM skus ORDER BY code').all<{
      code: string;
    }>();
    const codes = catalog.results.map((r) => r.code);
    expect(codes.length).toBeGreaterThan(6);
    const put = await api<LocationThresholdsView>(`/v1/locations/${sites.MAN}/thresholds`, {
      method: 'PUT',
      body: { reorderPoint: 4 },
    });
    expect(put.status).toBe(200);
    expect(put.body.rollout).toMatchObject({
      skus: codes.length,
      pushed: 0,
      pageSize: 3,
      finishedAt: null,
    });
    const reorderPoints = () =>
      Promise.all(
        codes.map((code) =>
          runInDurableObject(
            stubOf(code),
            // biome-ignore lint/complexity/useLiteralKeys: private; what the object judges by
            (instance: SkuStock) => instance['signals'].thresholdsAt(sites.MAN).reorderPoint,
          ),
        ),
      );
    // Nothing pushed within the request; one page per alarm run of the Webhooks object.
    expect((await reorderPoints()).filter((r) => r === 4)).toHaveLength(0);
    await runDurableObjectAlarm(hooks());
    expect((await reorderPoints()).filter((r) => r === 4)).toHaveLength(3);
    const progress = await api<LocationThresholdsView>(`/v1/locations/${sites.MAN}/thresholds`);
    expect(progress.body.rollout).toMatchObject({ pushed: 3, finishedAt: null });
    // A restart between pages resumes from the cursor.
    await runInDurableObject(hooks(), (_i, state) => state.abort('crash')).catch(() => undefined);
    await captureDeliveries();
    await deliverAll();
    expect(await reorderPoints()).toEqual(codes.map(() => 4));
    const done = await api<LocationThresholdsView>(`/v1/locations/${sites.MAN}/thresholds`);
    expect(done.body.rollout).toMatchObject({
      skus: codes.length,
      pushed: codes.length,
      finishedAt: expect.any(String),
      lastError: null,
    });
    await api(`/v1/locations/${sites.MAN}/thresholds`, { method: 'PUT', body: {} });
    await deliverAll();
    expect(await reorderPoints()).toEqual(codes.map(() => null));
  });

  it('judges by the thresholds set per SKU and location, and refuses out-of-range values changing nothing', async () => {
    const code = await makeSku({ [sites.MAN]: 20, [sites.RTM]: 20 });
    const { url } = await subscribe(code);
    const loc = await api(`/v1/locations/${sites.RTM}/thresholds`, {
      method: 'PUT',
      body: { reorderPoint: 10 },
    });
    expect(loc.status).toBe(200);
    const set = await api(`/v1/skus/${code}/thresholds`, {
      method: 'PUT',
      body: { reorderPoint: 5, band: 0 },
    });
    expect(set.body).toEqual({
      code,
      thresholds: { reorderPoint: 5, band: 0 },
      effective: { lowCoverDays: 5, reorderPoint: 5, band: 0, backInStock: 1 },
      updatedAt: expect.any(String),
    });
    for (const body of [
      { reorderPoint: -1 },
      { lowCoverDays: 0 },
      { lowCoverDays: 366 },
      { band: 3 },
      { backInStock: 0 },
      { backInStock: 1.5 },
      { reorderPoint: 5, colour: 'red' },
    ]) {
      const bad = await api<{ error: { code: string } }>(`/v1/skus/${code}/thresholds`, {
        method: 'PUT',
        body,
      });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    }
    const bad = await api<{ error: { code: string } }>(`/v1/channels/${channel}/thresholds`, {
      method: 'PUT',
      body: { backInStock: 0 },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    const unknown = await api<{ error: { code: string } }>('/v1/skus/NO-SUCH-SKU/thresholds', {
      method: 'PUT',
      body: { reorderPoint: 1 },
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_sku']);
    expect((await api(`/v1/skus/${code}/thresholds`)).body).toEqual(set.body);

    // The SKU's reorder point (5) wins over the location's (10) at RTM.
    await post(`/v1/skus/${code}/adjust`, { location: sites.RTM, delta: -14 });
    await post(`/v1/skus/${code}/adjust`, { location: sites.RTM, delta: -1 });
    await post(`/v1/skus/${code}/adjust`, { location: sites.RTM, delta: 1 });
    await post(`/v1/skus/${code}/adjust`, { location: sites.RTM, delta: -1 });
    expect(summary(await signalsOf(url, code))).toEqual([
      ['stock.low', sites.RTM, 5, 5],
      ['stock.low', sites.RTM, 5, 5],
    ]);
    await api(`/v1/locations/${sites.RTM}/thresholds`, { method: 'PUT', body: {} });
  });
});

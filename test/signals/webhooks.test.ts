import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Webhooks } from '../../objects/Webhooks';
import type {
  DeliveryPage,
  SignalEvent,
  WebhookCreated,
  WebhookView,
} from '../../protocol/webhooks';
import { webhooks } from '../../shared/stubs';
import { api, createKey, uniq } from '../support/client';

// Webhook subscriptions end to end: the admin API, the Webhooks object and its alarm. Receivers
// are functions behind the object's send seam (by URL); the object's clock is the test's (faked
// a year ahead, so the platform never fires its alarms on its own: the test runs them).

type Received = { url: string; headers: Headers; body: string };
type Receiver = (r: Received) => Response | Promise<Response>;

const receivers = new Map<string, Receiver>();
const received: Received[] = [];
const stub = () => webhooks(env);
const never = () => new Promise<never>(() => {});

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
  await installSeam();
});
afterAll(() => {
  vi.useRealTimers();
});
// Each test's subscriptions go with it, so no other test's deliveries are due in its alarms.
const made: string[] = [];
afterEach(async () => {
  for (const id of made.splice(0)) await stub().remove(id);
});

const installSeam = () =>
  runInDurableObject(stub(), (instance: Webhooks) => {
    instance.seam.send = async (url, init) => {
      const r = { url, headers: new Headers(init.headers), body: String(init.body) };
      received.push(r);
      const answer = receivers.get(url);
      return answer ? answer(r) : new Response('no receiver', { status: 404 });
    };
  });

const subscribe = async (body: Record<string, unknown>) => {
  const res = await api<WebhookCreated>('/v1/webhooks', { body });
  expect(res.status).toBe(201);
  made.push(res.body.id);
  return res.body;
};

const signal = (over: Partial<SignalEvent> & { sku: string }): SignalEvent => ({
  id: uniq('sig'),
  type: 'out',
  at: new Date().toISOString(),
  location: 'WH-A',
  data: { available: 0, coverDays: 0 },
  ...over,
});

/** Runs the object's alarm while a delivery is due, moving the clock to it; how many runs. */
const drain = async (most = 50): Promise<number> => {
  for (let runs = 0; runs < most; runs++) {
    const at = await runInDurableObject(stub(), (_i: Webhooks, state) => state.storage.getAlarm());
    if (at === null) return runs;
    vi.setSystemTime(Math.max(Date.now(), at));
    await runDurableObjectAlarm(stub());
  }
  throw new Error(`deliveries still due after ${most} alarm runs`);
};

const deliveriesOf = async (id: string) => {
  const res = await api<DeliveryPage>(`/v1/webhooks/${id}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.items;
};

/** The Standard Webhooks check, written from the public specification, not the project's code. */
const verifiesWith = async (secret: string, r: Received): Promise<boolean> => {
  const id = r.headers.get('webhook-id');
  const ts = r.headers.get('webhook-timestamp');
  const signatures = r.headers.get('webhook-signature');
  if (!id || !ts || !signatures) return false;
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${ts}.${r.body}`)),
  );
  const expected = `v1,${btoa(String.fromCharCode(...mac))}`;
  return signatures.split(' ').includes(expected);
};

describe('webhook subscriptions', () => {
  it('creates a subscription, shows its secret once, and refuses bad input changing nothing', async () => {
    const before = (await api<{ items: WebhookView[] }>('/v1/webhooks')).body.items.length;
    const created = await subscribe({
      url: 'https://hooks.example.com/stock',
      events: ['low', 'out'],
      filter: { locations: ['WH-A'] },
    });
    expect(created.id).toMatch(/^wh_[0-9a-f]{24}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created).toMatchObject({ enabled: true, events: ['low', 'out'], failingSince: null });
    const read = await api<Record<string, unknown>>(`/v1/webhooks/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(created.secret.slice(6));

    const bad: [unknown, string][] = [
      [{ url: 'ftp://hooks.example.com/x', events: ['out'] }, 'url'],
      [{ url: 'http://hooks.example.com/x', events: ['out'] }, 'https'],
      [{ url: 'https://user:pw@hooks.example.com/x', events: ['out'] }, 'credentials'],
      [{ url: 'https://hooks.example.com/x', events: ['sold_out'] }, 'events'],
      [{ url: 'https://hooks.example.com/x', events: [] }, 'events'],
      [{ url: 'https://hooks.example.com/x', events: ['out', 'out'] }, 'repeat'],
      [{ url: 'https://hooks.example.com/x', events: ['out'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, hint] of bad) {
      const res = await api<{ error: { code: string; message: string } }>('/v1/webhooks', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error).toLowerCase()).toContain(hint);
    }
    const after = (await api<{ items: WebhookView[] }>('/v1/webhooks')).body.items.length;
    expect(after).toBe(before + 1);
    const patch = await api(`/v1/webhooks/${created.id}`, { method: 'PATCH', body: {} });
    expect(patch.status).toBe(400);
    expect((await api(`/v1/webhooks/wh_${'0'.repeat(24)}`)).status).toBe(404);
    expect((await api('/v1/webhooks/not-an-id')).status).toBe(400);
  });

  it('is for admin keys only', async () => {
    const viewer = await createKey('viewer');
    const res = await api('/v1/webhooks', {
      key: viewer,
      body: { url: 'https://hooks.example.com/v', events: ['out'] },
    });
    expect(res.status).toBe(403);
    expect((await api('/v1/webhooks', { key: viewer })).status).toBe(403);
    expect((await api('/v1/webhooks', { key: null })).status).toBe(401);
  });

  it('delivers a matching signal once, signed so the public algorithm verifies it', async () => {
    const url = `https://hooks.example.com/${uniq('ok')}`;
    const sku = uniq('SKU');
    receivers.set(url, () => new Response('ok'));
    const sub = await subscribe({ url, events: ['out'], filter: { skus: [sku] } });
    const e = signal({ sku });
    expect(await stub().publish([e, signal({ sku: uniq('OTHER') })])).toBe(1);
    expect(await stub().publish([e])).toBe(0);
    await drain();
    const got = received.filter((r) => r.url === url);
    expect(got).toHaveLength(1);
    const [r] = got;
    if (r === undefined) throw new Error('unreachable');
    expect(await verifiesWith(sub.secret, r)).toBe(true);
    expect(await verifiesWith(`whsec_${btoa('another secret')}`, r)).toBe(false);
    expect(JSON.parse(r.body)).toEqual({
      type: 'stock.out',
      timestamp: e.at,
      data: { id: e.id, sku, location: 'WH-A', available: 0, coverDays: 0 },
    });
    const log = await deliveriesOf(sub.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: r.headers.get('webhook-id'),
      eventId: e.id,
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
    });
  });

  it('retries after 5xx with growing gaps, under the same webhook-id', async () => {
    const url = `https://hooks.example.com/${uniq('flaky')}`;
    const sku = uniq('SKU');
    let calls = 0;
    receivers.set(url, () =>
      ++calls <= 3 ? new Response('busy', { status: 503 }) : new Response(null, { status: 204 }),
    );
    const sub = await subscribe({ url, events: ['low'], filter: { skus: [sku] } });
    await stub().publish([signal({ sku, type: 'low' })]);
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = received.filter((r) => r.url === url).length;
      await drain(1).catch(() => undefined);
      if (received.filter((r) => r.url === url).length > before) times.push(Date.now());
      const [d] = await deliveriesOf(sub.id);
      if (d?.status === 'delivered') break;
    }
    const got = received.filter((r) => r.url === url);
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.headers.get('webhook-id'))).size).toBe(1);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // 5 s, 15 s, 45 s, each ±20%.
    expect(gaps[0]).toBeGreaterThanOrEqual(4_000);
    expect(gaps[0]).toBeLessThanOrEqual(6_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(12_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(36_000);
    const [d] = await deliveriesOf(sub.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 204, lastError: null });
  });

  it('loses no delivery when the object dies mid-send, and resends it with the same webhook-id', async () => {
    const url = `https://hooks.example.com/${uniq('crash')}`;
    const sku = uniq('SKU');
    let dies = true;
    receivers.set(url, () => new Response('ok'));
    const sub = await subscribe({ url, events: ['back_in_stock'], filter: { skus: [sku] } });
    await runInDurableObject(stub(), (instance: Webhooks, state) => {
      const send = instance.seam.send;
      instance.seam.send = async (u, init) => {
        if (u === url && dies) {
          dies = false;
          received.push({ url: u, headers: new Headers(init.headers), body: String(init.body) });
          state.abort('crash');
          return never();
        }
        return send ? send(u, init) : new Response(null, { status: 404 });
      };
    });
    await stub().publish([signal({ sku, type: 'back_in_stock' })]);
    await runDurableObjectAlarm(stub()).catch(() => undefined);
    await installSeam();
    await drain();
    const got = received.filter((r) => r.url === url);
    expect(got).toHaveLength(2);
    expect(got[0]?.headers.get('webhook-id')).toBe(got[1]?.headers.get('webhook-id'));
    const [d] = await deliveriesOf(sub.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('disables a subscription after a day of failures, tells the others, and redelivers on demand', async () => {
    const url = `https://hooks.example.com/${uniq('down')}`;
    const watcher = `https://hooks.example.com/${uniq('watcher')}`;
    const sku = uniq('SKU');
    let up = false;
    receivers.set(url, () => new Response('down', { status: up ? 200 : 500 }));
    receivers.set(watcher, () => new Response('ok'));
    const sub = await subscribe({ url, events: ['out'], filter: { skus: [sku] } });
    const watch = await subscribe({ url: watcher, events: ['webhook_disabled'] });
    await stub().publish([signal({ sku })]);
    await drain(100);
    const view = (await api<WebhookView>(`/v1/webhooks/${sub.id}`)).body;
    expect(view.enabled).toBe(false);
    expect(view.disabledReason).toContain('every delivery failed since');
    const [failed] = await deliveriesOf(sub.id);
    expect(failed?.status).toBe('failed');
    const attempts = failed?.attempts ?? 0;
    // 5 s ×3 per failure, capped at 2 h: about 16 attempts fit in a day.
    expect(attempts).toBeGreaterThanOrEqual(12);
    expect(attempts).toBeLessThanOrEqual(20);
    const told = received.filter((r) => r.url === watcher).map((r) => JSON.parse(r.body));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      type: 'stock.webhook_disabled',
      data: { webhook: sub.id, url },
    });
    expect(await deliveriesOf(watch.id)).toHaveLength(1);

    const refused = await api(`/v1/webhooks/${sub.id}/deliveries/${failed?.id}/redeliver`, {
      method: 'POST',
    });
    expect(refused.status).toBe(409);
    up = true;
    const enabled = await api<WebhookView>(`/v1/webhooks/${sub.id}`, {
      method: 'PATCH',
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const again = await api(`/v1/webhooks/${sub.id}/deliveries/${failed?.id}/redeliver`, {
      method: 'POST',
    });
    expect(again.status).toBe(202);
    await drain();
    const [delivered] = await deliveriesOf(sub.id);
    expect(delivered).toMatchObject({ id: failed?.id, status: 'delivered', lastStatus: 200 });
  });

  it('pages the delivery log newest first', async () => {
    const url = `https://hooks.example.com/${uniq('log')}`;
    const sku = uniq('SKU');
    receivers.set(url, () => new Response('ok'));
    const sub = await subscribe({ url, events: ['out', 'low'], filter: { skus: [sku] } });
    const events = Array.from({ length: 7 }, (_, n) =>
      signal({ sku, type: n % 2 ? 'low' : 'out' }),
    );
    await stub().publish(events);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const res = await api<DeliveryPage>(`/v1/webhooks/${sub.id}/deliveries?limit=3${q}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((d) => d.eventId));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(events.map((e) => e.id).sort());
    const pending = await api<DeliveryPage>(`/v1/webhooks/${sub.id}/deliveries?status=delivered`);
    expect(pending.body.items).toHaveLength(0);
    await drain();
    expect((await deliveriesOf(sub.id)).every((d) => d.status === 'delivered')).toBe(true);
    expect((await api(`/v1/webhooks/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/webhooks/${sub.id}/deliveries`)).status).toBe(404);
  });
});

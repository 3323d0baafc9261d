import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Webhooks } from '../../objects/Webhooks';
import type { WebhookCreated } from '../../protocol/webhooks';
import { webhooks } from '../../workers/stubs';
import { makeChannel, makeSites, makeSku, reserve } from '../checkout/support';
import { crash, drainAlarms, flag, stubOf } from '../ledger/alarms';
import { api, uniq } from '../support/client';
import { post } from '../support/fixtures';

// Stock signals end to end (docs/signals.md): a mutation crosses a threshold, SkuStock writes the
// signal with it and its alarm publishes it to the Webhooks object, whose alarm delivers it. The
// clock is faked a year ahead so no alarm fires on its own: the test runs each one.

type Received = { url: string; headers: Headers; body: string };
const received: Received[] = [];
const hooks = () => webhooks(env);
let sites: { MAN: string; RTM: string };
let channel: string;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
  sites = await makeSites('MAN', 'RTM');
  channel = await makeChannel([sites.MAN]);
  await runInDurableObject(hooks(), (instance: Webhooks) => {
    instance.seam.send = async (url, init) => {
      received.push({ url, headers: new Headers(init.headers), body: String(init.body) });
      return new Response('ok');
    };
  });
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

/** Publishes the SKU's signals, delivers them, and answers the bodies its receiver got. */
const signalsOf = async (url: string, code: string) => {
  await drainAlarms(code);
  await deliverAll();
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

describe('stock signals per SKU and location', () => {
  it('a cart that sells a SKU out raises exactly one out, signed; a restock raises back_in_stock', async () => {
    const code = await makeSku({ [sites.MAN]: 2 });
    const { url, secret } = await subscribe(code);
    const cart = await reserve({ channel, lines: [{ sku: code, quantity: 2 }] });
    expect(cart.status).toBe(201);
    await api(`/v1/reservations/${cart.body.reservationId}/commit`, { body: {} });
    const out = await signalsOf(url, code);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: 'stock.out',
      data: { sku: code, location: sites.MAN, available: 0, threshold: 0 },
    });
    const delivery = received.find((r) => r.url === url);
    expect(delivery && (await verifies(secret, delivery))).toBe(true);

    await post(`/v1/skus/${code}/receive`, { location: sites.MAN, quantity: 3 });
    await post(`/v1/skus/${code}/adjust`, { location: sites.MAN, delta: 1 });
    const all = await signalsOf(url, code);
    expect(all.map((b) => [b.type, b.data.available, b.data.threshold])).toEqual([
      ['stock.out', 0, 0],
      ['stock.back_in_stock', 3, 1],
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
    const signals = await signalsOf(url, code);
    expect(signals.map((b) => [b.type, b.data.location]).sort()).toEqual(
      [
        ['stock.out', sites.MAN],
        ['stock.out', sites.RTM],
      ].sort(),
    );
  });
});

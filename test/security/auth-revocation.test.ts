import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SUBSCRIPTION_HEADER } from '../../objects/StreamHub';
import { CloseCode, type Subscription } from '../../protocol/stream';
import { streamHub } from '../../shared/stubs';
import { is, openSocket, SHARDS } from '../stream/support';
import { api, createKey } from '../support/client';
import { call } from './auth-support';

const idOf = (key: string) => `key_${key.split('_')[1]}`;

/** Resolves with the close, or with `timeout` after a bounded wait, so a socket left open fails the test plainly. */
const closedWithin = (closed: Promise<{ code: number; reason: string }>, ms = 3_000) =>
  Promise.race([
    closed,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ]);

/** A D1 binding whose answers are held back until `release()`: a verify caught mid-flight. */
const heldD1 = () => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const hold = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (prop === 'bind') {
          return (...args: unknown[]) => hold(target.bind(...args));
        }
        if (prop === 'all' || prop === 'raw' || prop === 'first' || prop === 'run') {
          return async (...args: unknown[]) => {
            // The query runs now (before the revocation); its answer arrives after it.
            const answer: unknown = await value.apply(target, args);
            reached();
            await released;
            return answer;
          };
        }
        return value.bind(target);
      },
    });
  const proxy = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => hold(target.prepare(sql));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { proxy, started, release };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('revoking a key', () => {
  it("closes the key's open sockets on every shard at once, with 4001 and a reason", async () => {
    const key = await createKey('viewer');
    const sockets = await Promise.all(
      Array.from({ length: SHARDS }, (_, shard) => openSocket(`shard=${shard}`, { key })),
    );
    await Promise.all(sockets.map((s) => s.waitFor(is('caught-up'))));
    expect((await api(`/v1/keys/${idOf(key)}`, { method: 'DELETE' })).status).toBe(200);
    for (const s of sockets) {
      expect(await closedWithin(s.closed)).toMatchObject({
        code: CloseCode.unauthorized,
        reason: expect.stringContaining('revoked'),
      });
      expect(s.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' });
    }
  });

  it("leaves other keys' sockets open", async () => {
    const [revoked, kept] = [await createKey('viewer'), await createKey('viewer')];
    const a = await openSocket('shard=1', { key: revoked });
    const b = await openSocket('shard=1', { key: kept });
    await Promise.all([a.waitFor(is('caught-up')), b.waitFor(is('caught-up'))]);
    await api(`/v1/keys/${idOf(revoked)}`, { method: 'DELETE' });
    expect((await closedWithin(a.closed)) !== 'timeout').toBe(true);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    b.ws.close();
  });

  it('makes every hub refuse the key, even from a gateway whose cache still trusts it', async () => {
    const key = await createKey('viewer');
    await api(`/v1/keys/${idOf(key)}`, { method: 'DELETE' });
    // What a gateway in another isolate, holding the key in its cache, would send the hub.
    const subscription: Subscription = {
      principal: { keyId: idOf(key), role: 'viewer' },
      filter: {},
      from: 0,
    };
    const res = await streamHub(env, 0).fetch('https://stream-hub/connect', {
      headers: { upgrade: 'websocket', [SUBSCRIPTION_HEADER]: JSON.stringify(subscription) },
    });
    const ws = res.webSocket;
    if (ws === null) throw new Error(`no socket: ${res.status}`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
    );
    ws.accept();
    expect(await closedWithin(closed)).toMatchObject({
      code: CloseCode.unauthorized,
      reason: expect.stringContaining('revoked'),
    });
  });

  it('cannot be undone by a check that read the key before the revocation', async () => {
    const key = await createKey('viewer');
    const d1 = heldD1();
    const inFlight = call('/v1/locations', { key, bindings: { DB: d1.proxy } });
    await d1.started;
    expect((await api(`/v1/keys/${idOf(key)}`, { method: 'DELETE' })).status).toBe(200);
    d1.release();
    await inFlight;
    const after = await call<{ error?: { code: string } }>('/v1/locations', { key });
    expect([after.status, after.body.error?.code]).toEqual([401, 'unauthorized']);
  });

  it('reaches a gateway that cached the key within 5 seconds of a revocation made elsewhere', async () => {
    const key = await createKey('viewer');
    expect((await call('/v1/locations', { key })).status).toBe(200);
    // Revoked by another isolate: this one's cache was not told.
    await env.DB.prepare("update api_keys set revoked_at = '2026-01-01T00:00:00.000Z' where id = ?")
      .bind(idOf(key))
      .run();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_001);
    expect((await call('/v1/locations', { key })).status).toBe(401);
  });
});

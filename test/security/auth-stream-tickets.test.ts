import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CloseCode, STREAM_SUBPROTOCOL } from '../../protocol/stream';
import { collect, is, openSocket, testClient, workerFetch } from '../stream/support';
import { api, createKey } from '../support/client';
import { channel, location } from '../support/fixtures';

type Ticket = { ticket: string; expiresAt: string };
type Envelope = { error: { code: string; message: string } };

const idOf = (key: string) => `key_${key.split('_')[1]}`;

const ticketFor = async (key: string, body?: unknown) => {
  const res = await api<Ticket>('/v1/stream/tickets', { method: 'POST', key, body });
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ticket;
};

let mine = '';
let theirs = '';
beforeAll(async () => {
  const a = await location();
  mine = await channel([a]);
  theirs = await channel([a]);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('stream tickets', () => {
  it('issues a short-lived ticket to a key that may stream', async () => {
    const viewer = await createKey('viewer');
    const before = Date.now();
    const res = await api<Ticket>('/v1/stream/tickets', { method: 'POST', key: viewer });
    expect(res.status).toBe(201);
    expect(res.body.ticket).toMatch(/^[A-Za-z0-9_.-]+$/);
    // The key's whole secret (smk_<id>_<secret>; the secret itself may hold '_').
    expect(res.body.ticket).not.toContain(viewer.split('_').slice(2).join('_'));
    const lifetime = Date.parse(res.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(60_000);
    expect(lifetime).toBeLessThanOrEqual(121_000);
  });

  it('opens a stream with a ticket in the query, no key sent', async () => {
    const ticket = await ticketFor(await createKey('viewer'));
    const s = await openSocket(`shard=0&ticket=${ticket}`, { key: null });
    await s.waitFor(is('caught-up'));
    s.ws.close();
  });

  it('opens a stream with a ticket offered as a subprotocol, and selects the stream subprotocol', async () => {
    const ticket = await ticketFor(await createKey('viewer'));
    const s = await openSocket('shard=1', {
      key: null,
      protocols: [STREAM_SUBPROTOCOL, `stockmesh.ticket.${ticket}`],
    });
    expect(s.protocol).toBe(STREAM_SUBPROTOCOL);
    await s.waitFor(is('caught-up'));
    s.ws.close();
  });

  it('accepts a ticket once, on any shard', async () => {
    const ticket = await ticketFor(await createKey('viewer'));
    const first = await openSocket(`shard=0&ticket=${ticket}`, { key: null });
    await first.waitFor(is('hello'));
    for (const shard of [0, 2]) {
      const again = await openSocket(`shard=${shard}&ticket=${ticket}`, { key: null });
      expect(await again.closed).toMatchObject({
        code: CloseCode.unauthorized,
        reason: expect.stringContaining('already used'),
      });
    }
    first.ws.close();
  });

  it('refuses an expired ticket', async () => {
    const ticket = await ticketFor(await createKey('viewer'));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 121_000);
    const s = await openSocket(`shard=0&ticket=${ticket}`, { key: null });
    expect(await s.closed).toMatchObject({
      code: CloseCode.unauthorized,
      reason: expect.stringContaining('expired'),
    });
  });

  it('refuses a ticket whose claims were altered', async () => {
    const ticket = await ticketFor(await createKey('connector', { channels: [mine] }));
    const [payload = '', signature = ''] = ticket.split('.');
    const claims: unknown = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')));
    const forged = btoa(JSON.stringify({ ...(claims as object), role: 'admin' }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    const s = await openSocket(`shard=0&ticket=${forged}.${signature}`, { key: null });
    expect((await s.closed).code).toBe(CloseCode.unauthorized);
  });

  it('refuses keys that may not stream, when the ticket is asked for', async () => {
    const storefront = await createKey('storefront', { channels: [mine] });
    const res = await api<Envelope>('/v1/stream/tickets', { method: 'POST', key: storefront });
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
    const connector = await createKey('connector', { channels: [mine] });
    const other = await api<Envelope>('/v1/stream/tickets', {
      method: 'POST',
      key: connector,
      body: { channel: theirs },
    });
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
  });

  it("keeps a connector's ticket to the connector's channels", async () => {
    const ticket = await ticketFor(await createKey('connector', { channels: [mine] }));
    const s = await openSocket(`shard=0&channel=${theirs}&ticket=${ticket}`, { key: null });
    const closed = await s.closed;
    expect(closed.code).toBe(CloseCode.forbidden);
    expect(closed.reason).toContain(`may not stream channel ${theirs}`);
  });

  it('binds a ticket to the channel it was asked for', async () => {
    const viewer = await createKey('viewer');
    const ticket = await ticketFor(viewer, { channel: mine });
    const s = await openSocket(`shard=0&channel=${theirs}&ticket=${ticket}`, { key: null });
    expect((await s.closed).code).toBe(CloseCode.forbidden);
    const ok = await openSocket(`shard=0&ticket=${await ticketFor(viewer, { channel: mine })}`, {
      key: null,
    });
    await ok.waitFor(is('caught-up'));
    ok.ws.close();
  });

  it("stops a revoked key's unused tickets", async () => {
    const viewer = await createKey('viewer');
    const ticket = await ticketFor(viewer);
    await api(`/v1/keys/${idOf(viewer)}`, { method: 'DELETE' });
    const s = await openSocket(`shard=3&ticket=${ticket}`, { key: null });
    expect(await s.closed).toMatchObject({
      code: CloseCode.unauthorized,
      reason: expect.stringContaining('revoked'),
    });
  });

  it('is what the typed client opens its sockets with: the key never travels in a handshake', async () => {
    const viewer = await createKey('viewer');
    const upgrades: Request[] = [];
    const recording = async (request: Request) => {
      if (request.headers.get('upgrade') === 'websocket') upgrades.push(request.clone());
      return workerFetch(request);
    };
    const { createStockmeshClient, fetchWebSocket } = await import('../../client');
    const client = createStockmeshClient({
      baseUrl: 'http://stockmesh.test',
      apiKey: viewer,
      fetch: recording,
      WebSocket: fetchWebSocket(recording),
    });
    const stream = client.stream({});
    await collect(stream, (e) => e.some((x) => x.type === 'caught-up' && x.all));
    stream.close();
    expect(upgrades.length).toBeGreaterThan(0);
    for (const upgrade of upgrades) {
      const handshake = `${upgrade.url} ${[...upgrade.headers].join(' ')}`;
      expect(handshake).not.toContain(viewer);
      expect(new URL(upgrade.url).searchParams.get('ticket')).toMatch(/\./);
    }
  });

  it('lets a client refused a ticket end its stream with the reason', async () => {
    const storefront = await createKey('storefront', { channels: [mine] });
    const stream = testClient(storefront).stream({});
    await expect(stream.next()).rejects.toMatchObject({
      code: 'forbidden',
      status: CloseCode.forbidden,
    });
  });
});

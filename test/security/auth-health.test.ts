import { describe, expect, it } from 'vitest';
import { createKey } from '../support/client';
import { call, countingHubs, recordingD1 } from './auth-support';

type Ledger = { unflushedEvents: number; shardsUnreachable: number };

describe('health', () => {
  it('answers liveness without a key, without calling a single hub and without asking D1', async () => {
    const hubs = countingHubs();
    const d1 = recordingD1();
    const res = await call<Record<string, unknown>>('/v1/health', {
      key: null,
      bindings: { StreamHub: hubs.proxy, DB: d1.proxy },
    });
    expect(res.status).toBe(200);
    expect(hubs.state.stubs).toBe(0);
    expect(d1.statements).toEqual([]);
    expect(res.body).toEqual({ status: 'ok', time: expect.any(String) });
  });

  it('keeps the ledger lag behind a key', async () => {
    const res = await call<{ error: { code: string } }>('/v1/health/ledger', { key: null });
    expect([res.status, res.body.error.code]).toEqual([401, 'unauthorized']);
  });

  it('shows the ledger lag to any key, asking the hubs at most once in a few seconds', async () => {
    const viewer = await createKey('viewer');
    const hubs = countingHubs();
    const bindings = { StreamHub: hubs.proxy };
    const first = await call<{ status: string; ledger: Ledger }>('/v1/health/ledger', {
      key: viewer,
      bindings,
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: expect.stringMatching(/^(ok|degraded)$/),
      ledger: { unflushedEvents: expect.any(Number), shardsUnreachable: 0 },
    });
    const asked = hubs.state.stubs;
    for (let i = 0; i < 10; i++) {
      expect((await call('/v1/health/ledger', { key: viewer, bindings })).status).toBe(200);
    }
    expect(hubs.state.stubs).toBe(asked);
  });

  it('gives an admin a fresh view on request', async () => {
    const hubs = countingHubs();
    const bindings = { StreamHub: hubs.proxy };
    await call('/v1/health/ledger', { bindings });
    const before = hubs.state.stubs;
    const fresh = await call('/v1/health/ledger?fresh=true', { bindings });
    expect(fresh.status).toBe(200);
    expect(hubs.state.stubs).toBeGreaterThan(before);
    // Only an admin may skip the cache.
    const viewer = await createKey('viewer');
    const refused = await call('/v1/health/ledger?fresh=true', { key: viewer, bindings });
    expect(refused.status).toBe(403);
  });
});

import { describe, expect, it } from 'vitest';
import type { AnyAdapter, HttpResponse } from './adapter';
import { fakeAdapter } from './fake-marketplace';
import { makeSession, type StoredToken } from './session';

const withToken: AnyAdapter = {
  ...fakeAdapter,
  token: ({ now }) => ({
    request: { method: 'POST', url: 'https://auth.test/token', headers: {} },
    parse: (res: HttpResponse) =>
      res.status === 200
        ? { token: `tok-${res.body}`, expiresAt: now + 3600_000 }
        : {
            error: {
              code: 'credentials_invalid' as const,
              message: 'refresh token refused',
              retryable: false,
            },
          },
  }),
};

const session = (status: number, stored: StoredToken | null = null, now = 1000) => {
  const saved: (StoredToken | null)[] = [];
  let calls = 0;
  const s = makeSession({
    adapter: withToken,
    settings: {},
    credentials: {},
    token: stored,
    saveToken: async (t) => {
      saved.push(t);
    },
    send: async () => {
      calls++;
      return { status, headers: {}, body: String(calls) };
    },
    now: () => now,
  });
  return { s, saved, calls: () => calls };
};

describe('the access token of a session', () => {
  it('is fetched once, kept, and reused while it is valid', async () => {
    const { s, saved, calls } = session(200);
    expect(await s.token()).toEqual({ ok: true, token: 'tok-1' });
    expect(await s.token()).toEqual({ ok: true, token: 'tok-1' });
    expect(calls()).toBe(1);
    expect(saved).toEqual([{ token: 'tok-1', expiresAt: 1000 + 3600_000 }]);
  });

  it('is fetched again when it lapses, or when the marketplace refused it', async () => {
    const lapsing = session(200, { token: 'old', expiresAt: 1002 });
    expect(await lapsing.s.token()).toEqual({ ok: true, token: 'tok-1' });
    const fresh = session(200, { token: 'old', expiresAt: 999_999 });
    fresh.s.dropToken();
    expect(await fresh.s.token()).toEqual({ ok: true, token: 'tok-1' });
  });

  it('reports a refused refresh token as a coded, final failure', async () => {
    const { s } = session(400);
    expect(await s.token()).toEqual({
      ok: false,
      code: 'credentials_invalid',
      message: 'refresh token refused',
      retryable: false,
    });
  });

  it('is not needed by adapters without one', async () => {
    const s = makeSession({
      adapter: fakeAdapter,
      settings: {},
      credentials: {},
      token: null,
      saveToken: async () => {},
      send: async () => {
        throw new Error('no request expected');
      },
      now: () => 0,
    });
    expect(await s.token()).toEqual({ ok: true, token: undefined });
  });
});

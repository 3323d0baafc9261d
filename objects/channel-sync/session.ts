import type { AnyAdapter, HttpRequest, HttpResponse } from './adapter';
import type { Session, TokenAnswer } from './engine';

// The connection as one alarm run uses it: the adapter, the settings and credentials as parsed,
// and the access token (Amazon LWA), fetched when missing or lapsing and kept sealed.

export type StoredToken = { token: string; expiresAt: number };

/** Fetch a new token this long before the adapter says it lapses. */
const EARLY_MS = 5_000;

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const makeSession = (p: {
  adapter: AnyAdapter;
  settings: unknown;
  credentials: unknown;
  token: StoredToken | null;
  /** Keeps a new token (sealed) for the next runs; null forgets it. */
  saveToken: (t: StoredToken | null) => Promise<void>;
  send: (req: HttpRequest) => Promise<HttpResponse>;
  now: () => number;
}): Session => {
  let current = p.token;
  return {
    adapter: p.adapter,
    settings: p.settings,
    credentials: p.credentials,
    dropToken() {
      current = null;
      void p.saveToken(null);
    },
    async token(): Promise<TokenAnswer> {
      const { adapter } = p;
      if (adapter.token === undefined) return { ok: true, token: undefined };
      const now = p.now();
      if (current !== null && current.expiresAt - EARLY_MS > now) {
        return { ok: true, token: current.token };
      }
      const refresh = adapter.token({ settings: p.settings, credentials: p.credentials, now });
      let res: HttpResponse;
      try {
        res = await p.send(refresh.request);
      } catch (e) {
        const message = `no answer from the token endpoint: ${text(e)}`;
        return { ok: false, code: 'unreachable', message, retryable: true };
      }
      let parsed: ReturnType<typeof refresh.parse>;
      try {
        parsed = refresh.parse(res);
      } catch (e) {
        const message = `unreadable token answer (${res.status}): ${text(e)}`;
        return { ok: false, code: 'bad_response', message, retryable: true };
      }
      if ('error' in parsed) return { ok: false, ...parsed.error };
      current = { token: parsed.token, expiresAt: parsed.expiresAt };
      await p.saveToken(current);
      return { ok: true, token: parsed.token };
    },
  };
};

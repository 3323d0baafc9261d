import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../workers/index';
import { ADMIN_KEY, uniq } from '../support/client';

/** What a limiter binding answers; the Rate Limiting binding's shape. */
type Limit = { limit(options: { key: string }): Promise<{ success: boolean }> };

/** A fixed-window limiter allowing `max` calls per key, counting every call: a tiny stand-in for the binding. */
export const tinyLimiter = (max: number) => {
  const counts = new Map<string, number>();
  const calls: string[] = [];
  const limiter: Limit = {
    limit: async ({ key }) => {
      calls.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= max };
    },
  };
  return { limiter, calls };
};

/** A D1 binding that records every statement it prepares (and every batch's statements). */
export const recordingD1 = (binding: D1Database = env.DB) => {
  const statements: string[] = [];
  const proxy = new Proxy(binding, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          statements.push(sql);
          return target.prepare(sql);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    proxy,
    statements,
    writes: () => statements.filter((s) => /^\s*(update|insert|delete)/i.test(s)),
    about: (table: string) => statements.filter((s) => s.includes(`"${table}"`)),
  };
};

/** A StreamHub namespace that counts the stubs taken from it (every hub call takes one). */
export const countingHubs = (namespace = env.StreamHub) => {
  const state = { stubs: 0 };
  const proxy = new Proxy(namespace, {
    get(target, prop) {
      if (prop === 'get') {
        return (...args: Parameters<typeof target.get>) => {
          state.stubs++;
          return target.get(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { proxy, state };
};

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** The bearer key; null sends none. Defaults to the bootstrap admin key. */
  key?: string | null;
  /** The client address, as Cloudflare's edge sets it. */
  ip?: string;
  headers?: Record<string, string>;
  /** Bindings replaced for this call (a recording D1, a tiny limiter). */
  bindings?: Partial<Env>;
};

export type Answer<T = unknown> = { status: number; body: T; headers: Headers };

/** Calls the real Worker entry as an outside client would, with some bindings swapped. */
export const call = async <T = unknown>(
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> => {
  const headers = new Headers(options.headers);
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.set('authorization', `Bearer ${key}`);
  if (options.ip !== undefined) headers.set('cf-connecting-ip', options.ip);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set('content-type', 'application/json');
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://stockmesh.test${path}`, { method, headers, body }),
    { ...env, ...options.bindings },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  const json: unknown = text === '' ? undefined : JSON.parse(text);
  return { status: res.status, body: json as T, headers: res.headers };
};

/** A made-up key of the right shape, naming a key id no one has. */
export const unknownKey = (): string => {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return `smk_${id}_${'A'.repeat(43)}`;
};

/** A client address no other test uses. */
export const freshIp = (): string => {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
};

export { uniq };

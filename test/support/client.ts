import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Role } from '../../protocol/auth';
import worker from '../../workers/index';

/** The bootstrap admin key the test pool is configured with (vitest.config.ts). */
export const ADMIN_KEY = 'test-admin-key';

export type ApiResponse<T = unknown> = { status: number; body: T; headers: Headers };

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** Raw body text, sent as is (for malformed-input tests). */
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
};

/** Calls the real Worker entry the way an HTTP client would. */
export const api = async <T = unknown>(
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> => {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = 'application/json';
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  // The Worker's own entry with the real bindings: calling it through the pool's self
  // service binding (exports.default.fetch) gets slower with every request in vitest-pool-workers
  // 0.15 (measured: 4 ms, then 17, 28, 60 ms a call over 400 calls), which makes load tests crawl.
  const res = await worker.fetch(
    new Request(`http://stockmesh.test${path}`, { method, headers, body }),
    env,
    createExecutionContext(),
  );
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('json') ?? false;
  const parsed: T = text === '' ? (undefined as T) : isJson ? JSON.parse(text) : (text as T);
  return { status: res.status, body: parsed, headers: res.headers };
};

/** Creates an API key with the given role and scope through the admin API and returns its secret. */
export const createKey = async (
  role: Role,
  scope: { channels?: string[]; locations?: string[] } = {},
): Promise<string> => {
  const res = await api<{ key: string }>('/v1/keys', {
    body: { name: `${role} test key`, role, ...scope },
  });
  if (res.status !== 201)
    throw new Error(`creating a ${role} key failed: ${JSON.stringify(res.body)}`);
  return res.body.key;
};

/** A unique code per call, so tests sharing storage never collide. */
let counter = 0;
export const uniq = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}`.toUpperCase();

import { describe, expect, it, vi } from 'vitest';
import { createApp, onError } from './app';

/** An app whose one route throws `error`, rendered by the Worker's error handler. */
const answerTo = async (error: unknown) => {
  const app = createApp();
  app.use(async (c, next) => {
    c.set('requestId', 'req-1');
    await next();
  });
  app.get('/x', () => {
    throw error;
  });
  app.onError(onError);
  const res = await app.request('/x');
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string } },
  };
};

describe('onError', () => {
  it('answers a call the platform lost on the way with 503 overloaded and a retry hint, not 500', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const lost = Object.assign(new Error('Network connection lost.'), { retryable: true });
    const { status, body } = await answerTo(lost);
    expect([status, body.error.code]).toEqual([503, 'overloaded']);
    expect(body.error.message).toMatch(/retry the request/);
    expect(body.error.message).not.toContain('Network connection lost');
    expect(warned).toHaveBeenCalledTimes(1);
    warned.mockRestore();
  });

  it('answers a call whose object the runtime reset mid-call with 503 overloaded too', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reset = Object.assign(new Error('Rollback'), { durableObjectReset: true });
    const { status, body } = await answerTo(reset);
    expect([status, body.error.code]).toEqual([503, 'overloaded']);
    expect(body.error.message).not.toContain('Rollback');
    warned.mockRestore();
  });

  it('keeps an unexpected error a 500 internal that leaks nothing', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { status, body } = await answerTo(new Error('SQLITE_IOERR at /var/lib/x'));
    expect([status, body.error.code, body.error.message]).toEqual([
      500,
      'internal',
      'Internal error',
    ]);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});

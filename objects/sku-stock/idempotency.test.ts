import { describe, expect, it } from 'vitest';
import { err } from '../../protocol/errors';
import { callerOf, replay, toRecord } from './idempotency';

describe('idempotency records', () => {
  it('belong to the API key that sent them, or to Checkout for every cart', () => {
    expect(callerOf({ origin: 'client', actor: 'k1' })).toBe('key:k1');
    expect(callerOf({ origin: 'client', actor: 'k2' })).not.toBe(
      callerOf({ origin: 'client', actor: 'k1' }),
    );
    expect(callerOf({ origin: 'checkout', actor: 'k1' })).toBe('checkout');
  });

  it('replay the first result for the same request and refuse another request', () => {
    const refused = err('insufficient_stock', 'short');
    const prior = { request: '{"op":"hold"}', result: toRecord(refused) };
    expect(replay('X', 'k', prior, '{"op":"hold"}')).toEqual({ ...refused, replayed: true });
    const reused = replay('X', 'k', prior, '{"op":"adjust"}');
    expect(reused.ok ? '' : reused.error.code).toBe('idempotency_key_reused');
  });
});

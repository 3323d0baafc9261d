import { describe, expect, it } from 'vitest';
import { err, ok } from '../../protocol/errors';
import { callerOf, type MutationResult, oncePerKey, replay, toRecord } from './idempotency';

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

describe('oncePerKey', () => {
  const memory = () => {
    const rows = new Map<string, { request: string; result: string }>();
    return {
      rows,
      get: (caller: string, key: string) => rows.get(`${caller}/${key}`),
      save: (caller: string, key: string, request: string, result: string) => {
        rows.set(`${caller}/${key}`, { request, result });
      },
    };
  };
  const input = { sku: 'X', key: 'k', caller: 'key:a', request: '{"op":"hold"}', now: 5 };
  const applied = ok({ replayed: false }) as unknown as MutationResult;

  it('runs a keyed request once and answers its retry from the record', () => {
    const records = memory();
    let runs = 0;
    const run = () => {
      runs++;
      return err('insufficient_stock', 'short');
    };
    const first = oncePerKey(records, { ...input, recordRefusals: true }, run);
    expect(first).toEqual({ result: err('insufficient_stock', 'short'), recorded: true });
    const again = oncePerKey(records, { ...input, recordRefusals: true }, run);
    expect(again).toEqual({
      result: { ...err('insufficient_stock', 'short'), replayed: true },
      recorded: false,
    });
    expect(runs).toBe(1);
  });

  it('records no refusal for a batch line, and nothing without a key', () => {
    const records = memory();
    const refused = () => err('insufficient_stock', 'short');
    expect(oncePerKey(records, { ...input, recordRefusals: false }, refused).recorded).toBe(false);
    expect(records.rows.size).toBe(0);
    const unkeyed = oncePerKey(
      records,
      { ...input, key: undefined, recordRefusals: true },
      () => applied,
    );
    expect(unkeyed).toEqual({ result: applied, recorded: false });
    expect(records.rows.size).toBe(0);
  });

  it('keeps one caller’s key apart from another’s', () => {
    const records = memory();
    oncePerKey(records, { ...input, recordRefusals: true }, () => applied);
    let ran = false;
    oncePerKey(records, { ...input, caller: 'key:b', recordRefusals: true }, () => {
      ran = true;
      return applied;
    });
    expect(ran).toBe(true);
    expect(records.rows.size).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import type { Cart, CartHold } from './cart';
import type { ReserveInput } from './input';
import {
  CART_RETENTION_MS,
  callFor,
  effectiveStatus,
  guard,
  isFinished,
  newCart,
  nextAlarm,
  outcome,
  ownerOf,
  RESUME_DELAY_MS,
  startOp,
} from './saga';

const input: ReserveInput = {
  reservationId: `r_${'b'.repeat(32)}`,
  request: '{}',
  channel: { code: 'web', routing: 'priority', allowSplit: false },
  candidates: [{ location: 'A', distanceKm: null }],
  basis: 'channel priority',
  lines: [{ sku: 'X', quantity: 1, kit: false }],
  items: [{ line: 0, sku: 'X', quantity: 1, kit: null }],
  shipTo: null,
  ttlSeconds: 30,
  actor: 'key_a',
};
const hold: CartHold = {
  holdId: `${input.reservationId}:1.0`,
  item: 0,
  sku: 'X',
  location: 'A',
  quantity: 1,
  state: 'held',
  error: null,
  pending: null,
};
const owner = ownerOf(newCart(input, 0));
/** What SkuStock says of the hold this cart placed, when it is asked again. */
const ours = { channel: 'web', ref: input.reservationId, quantity: 1, locations: ['A'] };
const held = (expiresAt = 50_000): Cart => ({
  ...newCart(input, 0),
  status: 'held',
  op: null,
  holds: [hold],
  heldAt: 20_000,
  expiresAt,
});

describe('cart state', () => {
  it('is expired from its deadline on, whether or not the alarm has run', () => {
    expect(effectiveStatus(held(), 49_999)).toBe('held');
    expect(effectiveStatus(held(), 50_000)).toBe('expired');
  });

  it('arms the alarm to resume an op in flight, at the deadline of a held cart, and to forget a finished one', () => {
    expect(nextAlarm(newCart(input, 1_000))).toBe(1_000 + RESUME_DELAY_MS);
    expect(nextAlarm(held())).toBe(50_000);
    for (const status of ['committed', 'released', 'expired', 'failed'] as const) {
      const ended = { ...held(), status, expiresAt: null, updatedAt: 60_000 };
      expect(isFinished(ended)).toBe(true);
      expect(nextAlarm(ended)).toBe(60_000 + CART_RETENTION_MS);
    }
    expect(isFinished(held())).toBe(false);
    expect(isFinished({ ...held(), status: 'committed', op: newCart(input, 0).op })).toBe(false);
  });

  it('lets a held cart commit, repeats a commit that happened, refuses an expired one', () => {
    expect(guard(held(), 'commit', 10, null)).toEqual({ ok: true, value: 'run' });
    expect(guard({ ...held(), status: 'committed' }, 'commit', 10, null)).toEqual({
      ok: true,
      value: 'done',
    });
    expect(guard(held(), 'commit', 50_000, null)).toMatchObject({
      ok: false,
      error: { code: 'hold_expired' },
    });
    expect(guard({ ...held(), status: 'released' }, 'extend', 10, null)).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_state',
        message: `Reservation ${input.reservationId} is released; extend needs a held reservation`,
      },
    });
  });

  it('refuses a key scoped to other channels', () => {
    expect(guard(held(), 'release', 10, ['other'])).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(guard(held(), 'release', 10, ['web'])).toMatchObject({ ok: true });
  });
});

describe('calls and answers', () => {
  it('keys every call by hold, op and action, so a resend is a replay', () => {
    const cart = startOp(held(), 'commit', 'key_b', 30_000, { ref: 'ORD-9' });
    expect(cart.op?.n).toBe(2);
    if (!cart.op) throw new Error('no op');
    expect(callFor(cart, cart.op, hold, 'commit')).toEqual({
      sku: 'X',
      key: `co:${hold.holdId}:2:commit`,
      command: { op: 'commit', holdId: hold.holdId, ref: 'ORD-9' },
    });
  });

  it('carries the cart id, the location and the TTL on every hold', () => {
    const cart = newCart(input, 0);
    const op = cart.op;
    if (!op) throw new Error('no op');
    expect(callFor(cart, op, { ...hold, state: 'planned' }, 'hold').command).toEqual({
      op: 'hold',
      holdId: hold.holdId,
      quantity: 1,
      locations: ['A'],
      ttlSeconds: 30,
      channel: 'web',
      ref: input.reservationId,
    });
  });

  it('reads where a hold stands from the answer', () => {
    expect(outcome(hold, 'commit', { ok: true }, owner)).toMatchObject({
      state: 'committed',
      pending: null,
    });
    expect(outcome(hold, 'commit', { ok: false, unknown: 'reset' }, owner)).toMatchObject({
      state: 'held',
      pending: 'commit',
    });
    expect(
      outcome(hold, 'commit', { ok: false, error: { code: 'hold_expired', message: '' } }, owner)
        .state,
    ).toBe('expired');
    const already = {
      code: 'invalid_state' as const,
      message: '',
      details: { holdId: hold.holdId, status: 'released' },
    };
    expect(outcome(hold, 'release', { ok: false, error: already }, owner).state).toBe('released');
    expect(
      outcome(
        { ...hold, state: 'planned' },
        'hold',
        { ok: false, error: { code: 'insufficient_stock', message: '' } },
        owner,
      ).state,
    ).toBe('refused');
    // A resent hold that had landed the first time: held, not refused.
    const landed = {
      code: 'already_exists' as const,
      message: '',
      details: { ...ours, holdId: hold.holdId, status: 'held' },
    };
    expect(
      outcome({ ...hold, state: 'planned' }, 'hold', { ok: false, error: landed }, owner),
    ).toMatchObject({ state: 'held', error: null });
  });

  it('never takes an existing hold that is not exactly the one the cart placed for its own', () => {
    const planned: CartHold = { ...hold, quantity: 4, state: 'planned' };
    const existing = (details: Record<string, unknown>) =>
      outcome(
        planned,
        'hold',
        {
          ok: false,
          error: {
            code: 'already_exists',
            message: '',
            details: { holdId: hold.holdId, status: 'held', ...ours, quantity: 4, ...details },
          },
        },
        owner,
      );
    expect(existing({})).toMatchObject({ state: 'held', error: null });
    for (const details of [
      { channel: 'other' },
      { channel: null },
      { ref: 'ORDER-1' },
      { ref: null },
      { quantity: 1 },
      { locations: ['B'] },
      { locations: ['A', 'B'] },
      { locations: undefined },
    ]) {
      expect(existing(details)).toMatchObject({
        state: 'refused',
        error: { code: 'already_exists' },
      });
    }
  });
});

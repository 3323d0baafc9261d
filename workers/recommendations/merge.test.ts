import { describe, expect, it } from 'vitest';
import type { Computed } from './assemble';
import { merge, type Stored } from './merge';

const NOW = Date.parse('2026-12-10T00:00:00.000Z');
const DAY = 24 * 3600 * 1000;

const computed = (id: string, quantity: number, seq = 5): Computed & { id: string } => ({
  id,
  kind: 'replenish',
  sku: 'TEE',
  location: 'A',
  from: null,
  quantity,
  urgentAt: new Date(NOW).toISOString(),
  reason: 'order',
  numbers: { quantity },
  basis: { A: 3 },
  seq,
});

const stored = (id: string, fields: Partial<Stored> = {}): Stored => ({
  id,
  status: 'open',
  quantity: 40,
  seq: 5,
  basis: { A: 3 },
  revision: 1,
  dismissedAt: null,
  dismissedQuantity: null,
  ...fields,
});

const dismissed = (daysAgo: number, quantity = 40) =>
  stored('r', {
    status: 'dismissed',
    dismissedAt: new Date(NOW - daysAgo * DAY).toISOString(),
    dismissedQuantity: quantity,
  });

describe('merge', () => {
  it('inserts new ones, leaves unchanged ones alone and expires open ones no longer due', () => {
    const writes = merge(
      [stored('same'), stored('gone')],
      [computed('same', 40), computed('new', 9)],
      NOW,
    );
    expect(writes.map((w) => [w.id, w.action])).toEqual([
      ['new', 'insert'],
      ['gone', 'expire'],
    ]);
  });

  it('keeps the revision, and so the idempotency key, while the quantity stays', () => {
    const [sameQ] = merge([stored('r')], [computed('r', 40, 6)], NOW);
    expect(sameQ).toMatchObject({ action: 'update', revision: 1 });
    const [newQ] = merge([stored('r')], [computed('r', 41, 6)], NOW);
    expect(newQ).toMatchObject({ action: 'update', revision: 2 });
  });

  it('remembers a dismissal for 7 days unless the quantity moves by more than half', () => {
    expect(merge([dismissed(6.9)], [computed('r', 60)], NOW)).toEqual([]);
    expect(merge([dismissed(6.9)], [computed('r', 20)], NOW)).toEqual([]);
    expect(merge([dismissed(6.9)], [computed('r', 61)], NOW)).toMatchObject([
      { action: 'update', status: 'open', revision: 2 },
    ]);
    expect(merge([dismissed(6.9)], [computed('r', 19)], NOW)).toMatchObject([{ action: 'update' }]);
    expect(merge([dismissed(7)], [computed('r', 40)], NOW)).toMatchObject([{ action: 'update' }]);
    // Not due: a dismissed one stays dismissed, not expired.
    expect(merge([dismissed(1)], [], NOW)).toEqual([]);
  });

  it('reopens an applied or expired one that is due again with a new revision', () => {
    const writes = merge(
      [stored('a', { status: 'applied', revision: 3 }), stored('e', { status: 'expired' })],
      [computed('a', 40), computed('e', 40)],
      NOW,
    );
    expect(writes).toMatchObject([
      { id: 'a', action: 'update', status: 'open', revision: 4 },
      { id: 'e', action: 'update', status: 'open', revision: 2 },
    ]);
  });
});

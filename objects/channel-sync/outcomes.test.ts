import { describe, expect, it } from 'vitest';
import type { PushItem } from './adapter';
import { NO_TOTALS } from './counters';
import { newItem } from './item';
import { applyOutcome, countOutcomes } from './outcomes';
import { SyncQueue } from './queue';

const item = { ...newItem('A', 0, 5, 7, 0), pushed: 2 };
const sent: PushItem = { sku: 'A', external: { code: 'A' }, quantity: 5, pushed: 2 };

describe('what an answer does to a SKU', () => {
  it('accepted: the marketplace now shows the quantity sent, and a past refusal is forgotten', () => {
    const rejected = { quantity: 4, code: 'X', message: 'x', at: 0 };
    const after = applyOutcome(
      { ...item, rejected },
      sent,
      { sku: 'A', status: 'accepted', quantity: 5 },
      1,
    );
    expect(after).toMatchObject({ pushed: 5, rejected: null, reread: false });
  });

  it('accepted for a quantity the SKU has since left: still queued for the new one', () => {
    const moved = { ...item, listed: 3 };
    const after = applyOutcome(moved, sent, { sku: 'A', status: 'accepted', quantity: 5 }, 1);
    const q = new SyncQueue([after]);
    expect(q.get('A')).toMatchObject({ listed: 3, pushed: 5 });
  });

  it('stale with the figure: takes it as what the marketplace holds, and pushes again', () => {
    const after = applyOutcome(item, sent, { sku: 'A', status: 'stale', actual: 9 }, 1);
    expect(after).toMatchObject({ pushed: 9, reread: false });
  });

  it('stale without the figure: reads it first', () => {
    const after = applyOutcome(item, sent, { sku: 'A', status: 'stale', actual: null }, 1);
    expect(after).toMatchObject({ pushed: null, reread: true });
  });

  it('rejected: remembered for the quantity sent, not retried until the listed quantity moves', () => {
    const after = applyOutcome(
      item,
      sent,
      { sku: 'A', status: 'rejected', code: 'NOT_FOUND', message: 'no item' },
      42,
    );
    expect(after.rejected).toEqual({ quantity: 5, code: 'NOT_FOUND', message: 'no item', at: 42 });
    expect(after.error).toEqual({ code: 'NOT_FOUND', message: 'no item', at: 42 });
    expect(new SyncQueue([after]).size).toBe(0);
  });

  it("retry: still queued, its message kept as the SKU's last error (once, with its first time)", () => {
    const after = applyOutcome(item, sent, { sku: 'A', status: 'retry', message: '429' }, 1);
    expect(after).toEqual({ ...item, error: { code: 'retry', message: '429', at: 1 } });
    expect(applyOutcome(after, sent, { sku: 'A', status: 'retry', message: '429' }, 2)).toBe(after);
  });

  it('no answer for the SKU: unchanged', () => {
    expect(applyOutcome(item, sent, undefined, 1)).toBe(item);
  });

  it('accepted: records when, and keeps the last error with its time', () => {
    const failed = { ...item, error: { code: 'retry', message: '429', at: 1 } };
    const after = applyOutcome(failed, sent, { sku: 'A', status: 'accepted', quantity: 5 }, 7);
    expect(after).toMatchObject({ pushed: 5, pushedAt: 7, error: { code: 'retry', at: 1 } });
  });
});

describe('counting outcomes', () => {
  it('counts every item sent and each by its outcome, a missing one as retried', () => {
    const b = { ...sent, sku: 'B' };
    const c = { ...sent, sku: 'C' };
    const totals = countOutcomes(
      NO_TOTALS,
      [sent, b, c],
      [
        { sku: 'A', status: 'accepted', quantity: 5 },
        { sku: 'B', status: 'stale', actual: 1 },
      ],
    );
    expect(totals).toEqual({
      pushed: 3,
      accepted: 1,
      rejected: 0,
      stale: 1,
      retried: 1,
      avoided: 0,
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { StockEvent } from '../../protocol/stock';
import { type CounterStore, StockCounter } from './counter';
import type { HoldRecord } from './types';

const NOW = Date.UTC(2026, 0, 5, 12);

/** The counter over an in-memory store, with every timer it sets written down. */
const counter = () => {
  const holds = new Map<string, HoldRecord>();
  const records = new Map<string, { request: string; result: string }>();
  const events: StockEvent[] = [];
  const held = () => [...holds.values()].filter((h) => h.status === 'held');
  const store: CounterStore = {
    getHold: (id) => holds.get(id),
    getTransfer: () => undefined,
    inTransitTo: () => 0,
    getIdempotency: (caller, key) => records.get(`${caller}/${key}`),
    saveIdempotency: (caller, key, request, result) => {
      records.set(`${caller}/${key}`, { request, result });
    },
    atomically: (fn) => fn(),
    saveDemand: () => undefined,
    saveLevels: () => undefined,
    saveHold: (h) => {
      holds.set(h.id, h);
    },
    saveTransfer: () => undefined,
    appendEvent: (e) => {
      events.push(e);
    },
    saveMeta: () => undefined,
    dueHolds: (now) => held().filter((h) => h.expiresAt !== null && h.expiresAt <= now),
    nextHoldExpiry: () => {
      const deadlines = held().flatMap((h) => (h.expiresAt === null ? [] : [h.expiresAt]));
      return deadlines.length === 0 ? null : Math.min(...deadlines);
    },
  };
  const timers: string[] = [];
  let changes = 0;
  const c = new StockCounter(
    {
      store,
      signals: { record: () => ({ raised: 0, commit: () => undefined }) },
      timers: {
        schedule: (name, at) => void timers.push(`${name}@${at - NOW}`),
        scheduleNoLaterThan: (name, at) => void timers.push(`${name}<=${at - NOW}`),
        cancel: (name) => void timers.push(`${name} off`),
      },
      changed: () => {
        changes++;
      },
      name: 'TEE-BLK-M',
      newId: (prefix) => `${prefix}_1`,
    },
    undefined,
    new Map(),
    0,
  );
  return { c, events, timers, changes: () => changes };
};
const client = {
  actor: 'key_1',
  origin: 'client' as const,
  scope: { channels: null, locations: null },
};

describe('StockCounter: check and apply', () => {
  it('answers unknown_sku until the catalog configures the SKU', () => {
    const { c } = counter();
    const r = c.apply({ op: 'receive', location: 'CHI-1', quantity: 1 }, client, true, NOW);
    expect(r.ok ? '' : r.error.message).toBe('SKU TEE-BLK-M is not in the catalog');
  });

  it('records each change as the next seq, sets its flush and tells the object', () => {
    const { c, events, timers, changes } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    c.apply({ op: 'receive', location: 'CHI-1', quantity: 10 }, client, true, NOW);
    const r = c.apply({ op: 'hold', quantity: 3, ttlSeconds: 60 }, client, true, NOW);
    expect(r.ok && r.value.stock.totals).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'receive'],
      [2, 'hold'],
    ]);
    expect(timers).toEqual(['flush-ledger<=500', 'flush-ledger<=500', 'expire-holds<=60000']);
    expect(changes()).toBe(2);
    expect(c.lastEventAt).toBe(NOW);
  });

  it('replays a keyed retry without applying it again, and schedules the record’s pruning', () => {
    const { c, events, timers } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    const keyed = { ...client, key: 'order-9' };
    const cmd = { op: 'receive', location: 'CHI-1', quantity: 4 };
    const first = c.apply(cmd, keyed, true, NOW);
    const again = c.apply(cmd, keyed, true, NOW + 1);
    expect(first.ok && first.value.replayed).toBe(false);
    expect(again.ok && again.value.replayed).toBe(true);
    expect(again.ok && again.value.event.seq).toBe(1);
    expect(events).toHaveLength(1);
    expect(timers).toContain('prune-idempotency<=86400000');
  });

  it('replays a committed hold exactly as first answered, demand and hold view included', () => {
    const { c } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    c.apply({ op: 'receive', location: 'CHI-1', quantity: 10 }, client, true, NOW);
    const keyed = { ...client, key: 'order-10' };
    const cmd = { op: 'hold', quantity: 2, commit: true, channel: 'web' };
    const first = c.apply(cmd, keyed, true, NOW);
    const again = c.apply(cmd, keyed, true, NOW + 1);
    expect(first.ok && first.value.stock.locations[0]?.demand).toBeDefined();
    expect(again).toEqual(
      first.ok ? { ok: true, value: { ...first.value, replayed: true } } : first,
    );
  });

  it('expires a hold past its deadline before anything reads the levels', () => {
    const { c, events } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    c.apply({ op: 'receive', location: 'CHI-1', quantity: 10 }, client, true, NOW);
    c.apply({ op: 'hold', quantity: 3, ttlSeconds: 60 }, client, true, NOW);
    const before = c.current(NOW + 59_999);
    expect(before.ok && before.value.levels.get('CHI-1')?.reserved).toBe(3);
    const after = c.current(NOW + 60_000);
    expect(after.ok && after.value.levels.get('CHI-1')?.reserved).toBe(0);
    expect(after.ok && after.value.seq).toBe(3);
    expect(events.at(-1)?.type).toBe('expire');
  });

  it('refuses a command expecting another seq with version_conflict and changes nothing', () => {
    const { c, events } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    const r = c.apply(
      { op: 'receive', location: 'CHI-1', quantity: 1, ifSeq: 3 },
      client,
      true,
      NOW,
    );
    expect(r.ok ? '' : r.error.message).toBe('SKU TEE-BLK-M: expected seq 3, current seq 0');
    expect(events).toHaveLength(0);
  });

  it('records a policy change as an event of its own, and refuses another SKU’s name', () => {
    const { c, events } = counter();
    c.configure('TEE-BLK-M', 'deny', NOW);
    expect(c.configure('TEE-BLK-M', 'continue', NOW).policy).toBe('continue');
    expect(events.map((e) => [e.seq, e.type, e.reason])).toEqual([[1, 'policy', 'policy_change']]);
    expect(() => c.configure('TEE-WHT-S', 'deny', NOW)).toThrow(
      'SkuStock for TEE-BLK-M cannot be configured as TEE-WHT-S',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { AlarmScheduler, type TimerStore } from './alarm-scheduler';

const memoryStore = (initial: Record<string, number> = {}) => {
  const saved = new Map(Object.entries(initial));
  const store: TimerStore = {
    load: () => new Map(saved),
    save: (name, at) => (at === null ? saved.delete(name) : saved.set(name, at)),
  };
  return { store, saved };
};

describe('AlarmScheduler', () => {
  it('arms the platform alarm at the earliest named deadline', () => {
    const { store } = memoryStore();
    const armed: (number | null)[] = [];
    const s = new AlarmScheduler(store, (at) => armed.push(at), null);
    s.schedule('holds', 500);
    s.schedule('prune', 200);
    s.schedule('holds', 900);
    expect(armed).toEqual([500, 200]);
    expect(s.next()).toBe(200);
  });

  it('hands back only the names that are due and re-arms for the rest', () => {
    const { store, saved } = memoryStore({ holds: 100, prune: 300, flush: 50 });
    const armed: (number | null)[] = [];
    const s = new AlarmScheduler(store, (at) => armed.push(at), 50);
    expect(s.takeDue(150)).toEqual(['flush', 'holds']);
    expect(armed).toEqual([300]);
    expect([...saved.keys()]).toEqual(['prune']);
  });

  it('clears the alarm when nothing is left', () => {
    const { store } = memoryStore();
    const armed: (number | null)[] = [];
    const s = new AlarmScheduler(store, (at) => armed.push(at), null);
    s.schedule('holds', 10);
    s.cancel('holds');
    expect(armed).toEqual([10, null]);
  });

  it('moves a deadline only earlier with scheduleNoLaterThan', () => {
    const { store } = memoryStore();
    const s = new AlarmScheduler(store, () => {}, null);
    s.scheduleNoLaterThan('holds', 500);
    s.scheduleNoLaterThan('holds', 800);
    s.scheduleNoLaterThan('holds', 300);
    expect(s.at('holds')).toBe(300);
  });

  it('arms the alarm at start when stored deadlines exist but no alarm is set', () => {
    const { store } = memoryStore({ flush: 400, prune: 900 });
    const armed: (number | null)[] = [];
    new AlarmScheduler(store, (at) => armed.push(at), null);
    expect(armed).toEqual([400]);
  });

  it('moves the alarm earlier at start when it is later than the earliest stored deadline', () => {
    const { store } = memoryStore({ flush: 400 });
    const armed: (number | null)[] = [];
    new AlarmScheduler(store, (at) => armed.push(at), 5_000);
    expect(armed).toEqual([400]);
  });

  it('leaves the alarm alone at start when it is due no later than every deadline, or nothing is stored', () => {
    const armed: (number | null)[] = [];
    new AlarmScheduler(memoryStore({ flush: 400 }).store, (at) => armed.push(at), 400);
    new AlarmScheduler(memoryStore({ flush: 400 }).store, (at) => armed.push(at), 100);
    new AlarmScheduler(memoryStore().store, (at) => armed.push(at), 100);
    new AlarmScheduler(memoryStore().store, (at) => armed.push(at), null);
    expect(armed).toEqual([]);
  });

  it('keeps leased names due at the lease deadline, stored, so a death mid-work leaves an alarm', () => {
    const { store, saved } = memoryStore({ flush: 50, holds: 100, prune: 300 });
    const armed: (number | null)[] = [];
    const s = new AlarmScheduler(store, (at) => armed.push(at), 50);
    const lease = { names: ['flush', 'publish'], until: 150 + 15_000 };
    expect(s.takeDue(150, lease)).toEqual(['flush', 'holds']);
    expect(Object.fromEntries(saved)).toEqual({ flush: 15_150, prune: 300 });
    expect(armed).toEqual([300]);
    // A restart reads the lease back and arms for it once the rest is done.
    s.cancel('prune');
    expect(armed).toEqual([300, 15_150]);
    expect(new AlarmScheduler(store, () => {}, null).at('flush')).toBe(15_150);
  });

  it('ends a lease with cancel, or with schedule when more work is due at once', () => {
    const { store, saved } = memoryStore({ flush: 50 });
    const armed: (number | null)[] = [];
    const s = new AlarmScheduler(store, (at) => armed.push(at), 50);
    s.takeDue(60, { names: ['flush'], until: 10_060 });
    s.schedule('flush', 70);
    expect(s.takeDue(70, { names: ['flush'], until: 10_070 })).toEqual(['flush']);
    s.cancel('flush');
    expect(armed).toEqual([10_060, 70, 10_070, null]);
    expect(saved.size).toBe(0);
  });
});

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
});

import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import type { Change } from './pending';
import { channelsToPoke, type PokeAnswer, SyncPokes, type SyncRegistry } from './sync-pokes';
import type { HubRow } from './view';

const at = (location: string, available: number): LocationStock => ({
  location,
  onHand: available,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
});
const row = (sku: string, man: number, lon: number): HubRow => ({
  sku,
  seq: 1,
  at: '2026-11-22T00:00:00.000Z',
  cursor: 1,
  locations: [at('MAN-1', man), at('LON-1', lon)],
});
const rules = (code: string, locations: string[]): ListingRules => ({
  code,
  locations,
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-11-22T00:00:00.000Z',
});
const RULES = new Map([
  ['web-uk', rules('web-uk', ['MAN-1'])],
  ['shop-london', rules('shop-london', ['LON-1'])],
]);

const memoryRegistry = (initial: string[] = []) => {
  const stored = new Set(initial);
  const registry: SyncRegistry = {
    load: () => [...stored],
    add: (c) => void stored.add(c),
    remove: (c) => void stored.delete(c),
  };
  return { stored, registry };
};
const deferred = () => {
  let resolve: (a: PokeAnswer) => void = () => {};
  const promise = new Promise<PokeAnswer>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => queueMicrotask(r));
};

describe('which channels a batch of changes concerns', () => {
  it('only the channels whose listed quantity of some SKU moved', () => {
    const changes: Change[] = [{ row: row('A', 4, 9), previous: row('A', 5, 9) }];
    expect(channelsToPoke(changes, RULES.keys(), (c) => RULES.get(c))).toEqual(['web-uk']);
  });

  it('a SKU the hub had never seen concerns every channel', () => {
    const changes: Change[] = [{ row: row('A', 4, 9), previous: undefined }];
    expect(channelsToPoke(changes, RULES.keys(), (c) => RULES.get(c))).toEqual([
      'web-uk',
      'shop-london',
    ]);
  });

  it('a channel whose rules the hub lacks is poked on any change', () => {
    const changes: Change[] = [{ row: row('A', 5, 9), previous: row('A', 5, 9) }];
    expect(channelsToPoke(changes, ['amazon-eu'], () => undefined)).toEqual(['amazon-eu']);
  });
});

describe('SyncPokes', () => {
  it('keeps at most one poke in flight per channel, and one more after it when asked meanwhile', async () => {
    const { registry } = memoryRegistry(['web-uk']);
    const sent: ReturnType<typeof deferred>[] = [];
    const pokes = new SyncPokes(registry, () => {
      const d = deferred();
      sent.push(d);
      return d.promise;
    });
    pokes.poke('web-uk');
    pokes.poke('web-uk');
    pokes.poke('web-uk');
    expect(sent).toHaveLength(1);
    sent[0]?.resolve({ wanted: true });
    await settle();
    expect(sent).toHaveLength(2);
    sent[1]?.resolve({ wanted: true });
    await settle();
    expect(sent).toHaveLength(2);
  });

  it('pokes only registered channels, and remembers a registration in its store', () => {
    const { stored, registry } = memoryRegistry();
    const sent: string[] = [];
    const pokes = new SyncPokes(registry, async (c) => {
      sent.push(c);
      return { wanted: true };
    });
    pokes.poke('web-uk');
    expect(sent).toEqual([]);
    pokes.register('web-uk');
    pokes.poke('web-uk');
    expect(sent).toEqual(['web-uk']);
    expect([...stored]).toEqual(['web-uk']);
  });

  it('forgets a channel whose object answers that it has no connection', async () => {
    const { stored, registry } = memoryRegistry(['web-uk']);
    const pokes = new SyncPokes(registry, async () => ({ wanted: false }));
    pokes.poke('web-uk');
    await settle();
    expect(pokes.has('web-uk')).toBe(false);
    expect(stored.size).toBe(0);
  });

  it('survives a failed poke: the next change pokes again', async () => {
    const { registry } = memoryRegistry(['web-uk']);
    let calls = 0;
    const pokes = new SyncPokes(registry, async () => {
      calls++;
      if (calls === 1) throw new Error('object restarting');
      return { wanted: true };
    });
    pokes.poke('web-uk');
    await settle();
    pokes.poke('web-uk');
    await settle();
    expect(calls).toBe(2);
    expect(pokes.has('web-uk')).toBe(true);
  });

  it('pokes the channels a fan-out batch concerns', () => {
    const { registry } = memoryRegistry(['web-uk', 'shop-london']);
    const sent: string[] = [];
    const pokes = new SyncPokes(registry, async (c) => {
      sent.push(c);
      return { wanted: true };
    });
    pokes.changed([{ row: row('A', 5, 8), previous: row('A', 5, 9) }], (c) => RULES.get(c));
    expect(sent).toEqual(['shop-london']);
  });
});

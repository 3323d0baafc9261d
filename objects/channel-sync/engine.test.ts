import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../protocol/shard';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { readChannelRows } from '../stream-hub/channel-rows';
import type { HubRow } from '../stream-hub/view';
import type { AnyAdapter, HttpRequest } from './adapter';
import { type EnginePorts, type Session, SyncEngine } from './engine';
import { FakeMarket, fakeAdapter, fakeAdapterNoBulk } from './fake-marketplace';
import { MemoryRepo } from './repo';

const SHARDS = 2;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const RULES: ListingRules = {
  code: 'web-uk',
  locations: ['L'],
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-11-22T00:00:00.000Z',
};
const stock = (available: number): LocationStock => ({
  location: 'L',
  onHand: available,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
});
const never = <T>() => new Promise<T>(() => {});

/** Hubs, a marketplace, a clock and the engine's storage: everything an engine run touches. */
class World {
  clock = T0;
  readonly market = new FakeMarket(() => this.clock);
  readonly repo = new MemoryRepo();
  readonly hubs = Array.from({ length: SHARDS }, () => ({
    head: 0,
    rows: new Map<string, HubRow>(),
    acked: 0,
  }));
  readonly listed = new Map<string, number>();
  /** A crash hangs the port call at this count (the object dies mid-await). */
  crashAfter: number | null = null;
  /** Requests matching this get no answer at all (a timeout, a refused connection). */
  noAnswer: ((req: HttpRequest) => boolean) | null = null;
  /** The waits a run made in place for the limit's pacing. */
  readonly slept: number[] = [];
  private calls = 0;
  private crashed: (() => void) | null = null;
  engine: SyncEngine;
  settings: unknown;

  constructor(
    readonly adapter: AnyAdapter = fakeAdapterNoBulk,
    settings: Record<string, unknown> = {},
  ) {
    this.settings = adapter.Settings.parse(settings);
    this.engine = this.start();
  }

  setListed(sku: string, quantity: number): void {
    const hub = this.hubs[shardOf(sku, SHARDS)];
    if (hub === undefined) throw new Error('no hub');
    const cursor = ++hub.head;
    const seq = (hub.rows.get(sku)?.seq ?? 0) + 1;
    const at = new Date(this.clock).toISOString();
    hub.rows.set(sku, { sku, seq, at, cursor, locations: [stock(quantity)] });
    this.listed.set(sku, quantity);
  }

  /** A fresh object over the same storage, as after a crash or a deploy. */
  start(): SyncEngine {
    this.engine = new SyncEngine(this.repo, this.ports(), T0);
    return this.engine;
  }

  session(adapter = this.adapter): Session {
    return {
      adapter,
      settings: this.settings,
      credentials: { token: 'secret' },
      token: async () => ({ ok: true, token: undefined }),
      dropToken: () => {},
    };
  }

  /** One alarm run; a crash abandons it mid-await and starts a new object. */
  async run(): Promise<number | null | 'crashed'> {
    const crash = new Promise<'crashed'>((resolve) => {
      this.crashed = () => resolve('crashed');
    });
    const result = await Promise.race([this.engine.run(this.session(), { paused: false }), crash]);
    if (result === 'crashed') this.start();
    return result;
  }

  /** Runs the alarm, moving the clock to each wake-up, until there is nothing left to do. */
  async settle(most = 2000): Promise<void> {
    for (let i = 0; i < most; i++) {
      const at = await this.run();
      if (at === null) return;
      if (at !== 'crashed') this.clock = Math.max(this.clock, at);
    }
    throw new Error('the engine never settled');
  }

  private maybeCrash<T>(value: T): Promise<T> {
    this.calls++;
    if (this.crashAfter !== null && this.calls >= this.crashAfter) {
      this.crashAfter = null;
      this.crashed?.();
      return never();
    }
    return Promise.resolve(value);
  }

  private ports(): EnginePorts {
    return {
      channel: 'web-uk',
      shards: () => SHARDS,
      now: () => this.clock,
      random: () => 0.5,
      newId: () => `att-${Math.random().toString(36).slice(2)}`,
      listing: async () => RULES,
      pull: async (shard, q) => {
        const hub = this.hubs[shard];
        if (hub === undefined) throw new Error('no such hub');
        const rows = [...hub.rows.values()].sort((a, b) => a.cursor - b.cursor);
        const page = readChannelRows(
          { channel: 'web-uk', ...q },
          {
            head: hub.head,
            rules: { fromCursor: 0, rules: RULES },
            rowsAfter: (after, limit) => rows.filter((r) => r.cursor > after).slice(0, limit),
            owns: () => true,
          },
        );
        return this.maybeCrash(page);
      },
      ack: async (shard, cursor) => {
        const hub = this.hubs[shard];
        if (hub !== undefined) hub.acked = Math.min(cursor, hub.head);
        await this.maybeCrash(undefined);
      },
      send: async (req: HttpRequest) => {
        if (this.noAnswer?.(req)) throw new Error('timed out');
        // Answered by the marketplace first: a crash here is one between send and record.
        const res = this.market.handle(req);
        return this.maybeCrash(res);
      },
      sleep: async (ms: number) => {
        this.slept.push(ms);
        this.clock += ms;
      },
    };
  }
}

const shows = (w: World, sku: string) => w.market.quantities.get(sku);

describe('the sync engine', () => {
  it('pushes every listed quantity and acknowledges each hub up to its head', async () => {
    const w = new World();
    for (const [n, sku] of ['A', 'B', 'C', 'D', 'E'].entries()) w.setListed(sku, n + 1);
    await w.settle();
    for (const [sku, q] of w.listed) expect(shows(w, sku)).toBe(q);
    for (const hub of w.hubs) expect(hub.acked).toBe(hub.head);
    expect(w.engine.figures(w.clock).queue.depth).toBe(0);
  });

  it('never acknowledges past a change the marketplace has not accepted', async () => {
    const w = new World();
    w.setListed('A', 3);
    await w.settle();
    w.setListed('A', 1);
    w.market.inject('fail', 'fail', 'fail', 'fail', 'fail', 'fail');
    w.engine.poked(shardOf('A', SHARDS));
    await w.run();
    const hub = w.hubs[shardOf('A', SHARDS)];
    expect(hub?.acked).toBe((hub?.head ?? 0) - 1);
    await w.settle();
    expect(hub?.acked).toBe(hub?.head);
    expect(shows(w, 'A')).toBe(1);
  });

  it('pushes by risk: a sell-out first, then decreases, then increases', async () => {
    const w = new World(fakeAdapterNoBulk, { batch: 1 });
    for (const sku of ['UP', 'DOWN', 'GONE']) w.setListed(sku, 5);
    await w.settle();
    w.setListed('UP', 9);
    w.setListed('DOWN', 2);
    w.setListed('GONE', 0);
    w.engine.pollAll();
    const before = w.market.log.length;
    await w.settle();
    expect(w.market.log.slice(before).map((l) => l.ids[0])).toEqual(['GONE', 'DOWN', 'UP']);
  });

  it('waits as long as the marketplace says when throttled', async () => {
    const w = new World();
    w.setListed('A', 2);
    w.market.inject('throttle');
    const at = await w.run();
    expect(at).toBe(T0 + 1000);
    expect(shows(w, 'A')).toBeUndefined();
    await w.settle();
    expect(shows(w, 'A')).toBe(2);
  });

  it('waits in place for the limit’s next slot when it is near, so one run sends the backlog at its pace', async () => {
    // A marketplace that lets the next request go 10 ms after each answer (Shopify Plus's 10
    // points) or 150 ms (beyond the wait a run makes in place).
    const paced = (ms: number): typeof fakeAdapterNoBulk => ({
      ...fakeAdapterNoBulk,
      parsePush: (items, res, now) => ({
        ...fakeAdapterNoBulk.parsePush(items, res, now),
        throttle: { notBefore: now + ms, describe: `paced ${ms} ms` },
      }),
    });
    const near = new World(paced(10), { batch: 3 });
    for (let n = 0; n < 9; n++) near.setListed(`N${n}`, n + 1);
    expect(await near.run()).toBeNull();
    expect(near.market.log).toHaveLength(3);
    expect(near.slept).toEqual([10, 10]);
    for (const [sku, q] of near.listed) expect(shows(near, sku)).toBe(q);

    const far = new World(paced(150), { batch: 3 });
    for (let n = 0; n < 9; n++) far.setListed(`F${n}`, n + 1);
    expect(await far.run()).toBe(T0 + 150);
    expect(far.market.log).toHaveLength(1);
    expect(far.slept).toEqual([]);
  });

  it('does not push back the drop a marketplace order causes, and compares against what it holds', async () => {
    const w = new World();
    w.setListed('A', 5);
    await w.settle();
    const pushes = w.market.log.length;
    w.market.quantities.set('A', 3); // the marketplace sold 2 and took them off its count
    expect(w.engine.expectSold('o-1', [{ sku: 'A', quantity: 2 }], true).lowered).toBe(1);
    expect(w.engine.expectSold('o-1', [{ sku: 'A', quantity: 2 }], true).lowered).toBe(0);
    w.setListed('A', 3);
    w.engine.pollAll();
    await w.settle();
    expect(w.market.log.length).toBe(pushes);
    w.setListed('A', 7);
    w.engine.pollAll();
    await w.settle();
    expect(shows(w, 'A')).toBe(7);
    expect(w.engine.figures(w.clock).totals).toMatchObject({ stale: 0, avoided: 1 });
  });

  it('does not push back the rise a marketplace cancellation causes either, and compares against what it holds', async () => {
    const w = new World();
    w.setListed('A', 5);
    await w.settle();
    const pushes = w.market.log.length;
    w.market.quantities.set('A', 3); // sold 2
    w.engine.expectSold('o-1', [{ sku: 'A', quantity: 2 }], true);
    w.setListed('A', 3);
    w.engine.pollAll();
    await w.settle();
    w.market.quantities.set('A', 5); // cancelled: the marketplace put the 2 back
    expect(w.engine.expectRestocked('o-1', [{ sku: 'A', quantity: 2 }], true).raised).toBe(1);
    expect(w.engine.expectRestocked('o-1', [{ sku: 'A', quantity: 2 }], true).raised).toBe(0);
    // Until our own rise arrives the SKU waits, so 3 is never pushed over the restock.
    const at = await w.run();
    expect(at).toBeGreaterThan(w.clock);
    w.setListed('A', 5);
    w.engine.pollAll();
    await w.settle();
    expect(w.market.log.length).toBe(pushes);
    w.setListed('A', 6);
    w.engine.pollAll();
    await w.settle();
    expect(shows(w, 'A')).toBe(6);
    expect(w.market.log.length).toBe(pushes + 1);
    expect(w.engine.figures(w.clock).totals).toMatchObject({ stale: 0, avoided: 2 });
  });

  it('holds a SKU back while its order has not dropped the listed quantity, then pushes it', async () => {
    const w = new World();
    w.setListed('A', 5);
    await w.settle();
    const pushes = w.market.log.length;
    w.market.quantities.set('A', 4);
    w.engine.expectSold('o-1', [{ sku: 'A', quantity: 1 }], true);
    const at = await w.run();
    expect(w.market.log.length).toBe(pushes);
    expect(at).toBeGreaterThan(w.clock);
    // The order was oversold here: our listed quantity never drops, so 5 goes back, from 4.
    await w.settle();
    expect(shows(w, 'A')).toBe(5);
    expect(w.engine.figures(w.clock).totals.stale).toBe(0);
  });

  it('re-reads after a refused compare-and-set, then pushes from what the marketplace holds', async () => {
    const w = new World();
    w.setListed('A', 4);
    await w.settle();
    w.market.quantities.set('A', 1); // someone changed it on the marketplace
    w.setListed('A', 3);
    w.engine.pollAll();
    await w.settle();
    expect(shows(w, 'A')).toBe(3);
    expect(w.engine.figures(w.clock).totals.stale).toBe(1);
  });

  it('reports a refused SKU and does not send it again until its listed quantity changes', async () => {
    const w = new World();
    w.market.unknown.add('A');
    w.setListed('A', 4);
    await w.settle();
    const sent = w.market.log.length;
    await w.settle();
    expect(w.engine.figures(w.clock).totals.rejected).toBe(1);
    expect(w.engine.figures(w.clock).queue.depth).toBe(0);
    w.market.unknown.delete('A');
    w.setListed('A', 5);
    w.engine.pollAll();
    await w.settle();
    expect(shows(w, 'A')).toBe(5);
    expect(w.market.log.length).toBe(sent + 1);
  });

  it('marks the connection failing when the marketplace refuses the credentials, and recovers', async () => {
    const w = new World();
    w.setListed('A', 4);
    w.market.inject('unauthorized');
    const at = await w.run();
    const f = w.engine.figures(w.clock);
    expect(f.health).toMatchObject({ failing: true, lastError: { code: 'credentials_invalid' } });
    // Retried slowly: a quarter of a minute or more (jitter), not at once.
    expect(typeof at === 'number' && at - w.clock >= 15_000).toBe(true);
    await w.settle();
    expect(w.engine.figures(w.clock).health.failing).toBe(false);
    expect(shows(w, 'A')).toBe(4);
  });

  it('marks the connection failing after several garbage answers, losing nothing', async () => {
    const w = new World();
    w.setListed('A', 4);
    w.market.inject('garbage', 'garbage', 'garbage', 'garbage', 'garbage');
    for (let i = 0; i < 5; i++) {
      const at = await w.run();
      if (typeof at === 'number') w.clock = at;
    }
    expect(w.engine.figures(w.clock).health.failing).toBe(true);
    await w.settle();
    expect(shows(w, 'A')).toBe(4);
    expect(w.engine.figures(w.clock).health.failing).toBe(false);
  });

  it('sends the same attempt again after dying between the send and the record: applied once', async () => {
    const w = new World();
    w.setListed('A', 4);
    w.crashAfter = 3; // pull 0, pull 1, then the push: answered, but the object dies
    expect(await w.run()).toBe('crashed');
    expect(shows(w, 'A')).toBe(4);
    await w.settle();
    expect([...w.market.applied.values()]).toEqual([1]);
    expect(w.market.redundant).toBe(0);
    expect(w.market.conflicts).toEqual([]);
    expect(w.engine.figures(w.clock).totals.accepted).toBe(1);
  });

  it('holds back unmapped SKUs without holding back the ack, and pushes them once mapped', async () => {
    const w = new World(fakeAdapterNoBulk, { defaults: false });
    w.setListed('A', 4);
    await w.settle();
    expect(w.engine.figures(w.clock).queue).toMatchObject({ depth: 1, unmapped: 1 });
    const hub = w.hubs[shardOf('A', SHARDS)];
    expect(hub?.acked).toBe(hub?.head);
    w.repo.mappings.set('A', { id: 'A' });
    w.engine.remapped();
    w.engine.pollAll();
    await w.settle();
    expect(shows(w, 'A')).toBe(4);
  });

  it('takes a large change through the bulk path while a sell-out goes per item first', async () => {
    const w = new World(fakeAdapter);
    w.market.bulkPolls = 3;
    const skus = Array.from({ length: 40 }, (_, n) => `SKU-${n}`);
    for (const sku of skus) w.setListed(sku, 10);
    await w.settle();
    // The quota's next slot: its 2 jobs a minute go at most every 30 s (gate.ts bulkSlot).
    w.clock += 30_000;
    // A rule change lowers every SKU; meanwhile one sells out.
    const before = w.market.log.length;
    for (const sku of skus) w.setListed(sku, 6);
    w.engine.pollAll();
    await w.run(); // starts the bulk job
    expect(w.engine.figures(w.clock).bulk?.items.length).toBe(40);
    w.setListed('SKU-7', 0);
    w.engine.pollAll();
    await w.run();
    const log = w.market.log.slice(before);
    expect(log.map((l) => l.path)).toEqual(['/set']);
    expect(log[0]?.ids).toEqual(['SKU-7']);
    expect(shows(w, 'SKU-7')).toBe(0);
    await w.settle();
    // The job landed after the sell-out with its 6: the sell-out was pushed again.
    expect(w.market.log.slice(before).map((l) => l.path)).toEqual(['/set', '/bulk', '/set']);
    for (const [sku, q] of w.listed) expect(shows(w, sku)).toBe(q);
  });

  it('backs off a bulk step that gets no answer on its own: an urgent per-item push still goes at once', async () => {
    const w = new World(fakeAdapter);
    w.market.bulkPolls = 3;
    const skus = Array.from({ length: 40 }, (_, n) => `SKU-${n}`);
    for (const sku of skus) w.setListed(sku, 10);
    await w.settle();
    // The quota's next slot: its 2 jobs a minute go at most every 30 s (gate.ts bulkSlot).
    w.clock += 30_000;
    for (const sku of skus) w.setListed(sku, 6);
    w.engine.pollAll();
    await w.run(); // starts the bulk job
    const job = w.engine.figures(w.clock).bulk;
    expect(job?.items.length).toBe(40);
    // The job's polls time out.
    w.noAnswer = (req) => req.url.includes('/bulk');
    w.clock = Math.max(w.clock, job?.step.notBefore ?? w.clock);
    await w.run();
    expect(w.engine.figures(w.clock).gate.notBefore).toBeNull();
    const before = w.market.log.length;
    w.setListed('SKU-7', 0);
    w.engine.pollAll();
    await w.run();
    expect(w.market.log.slice(before).map((l) => [l.path, l.ids])).toEqual([['/set', ['SKU-7']]]);
    expect(shows(w, 'SKU-7')).toBe(0);
    w.noAnswer = null;
    await w.settle();
    for (const [sku, q] of w.listed) expect(shows(w, sku)).toBe(q);
  });

  it('does not ask to run at once for a bulk step held back behind sell-outs waiting for the per-item pace', async () => {
    // Amazon's pace: one patch every 200 ms, too far to wait for in place (engine.ts PACE_WAIT_MAX_MS).
    const paced: AnyAdapter = {
      ...fakeAdapter,
      parsePush: (items, res, now) => ({
        ...fakeAdapter.parsePush(items, res, now),
        throttle: { notBefore: now + 200, describe: 'paced' },
      }),
    };
    const w = new World(paced, { batch: 1 });
    w.market.bulkPolls = 3;
    const skus = Array.from({ length: 40 }, (_, n) => `SKU-${n}`);
    for (const sku of skus) w.setListed(sku, 10);
    await w.settle();
    w.clock += 30_000;
    for (const sku of skus) w.setListed(sku, 6);
    w.engine.pollAll();
    await w.run(); // starts the bulk job
    const job = w.engine.figures(w.clock).bulk;
    expect(job?.items.length).toBe(40);
    // Three sell-outs arrive; the job's next step is already due.
    for (const sku of ['SKU-1', 'SKU-2', 'SKU-3']) w.setListed(sku, 0);
    w.engine.pollAll();
    w.clock = Math.max(w.clock + 1, job?.step.notBefore ?? w.clock);
    const at = await w.run();
    // One sell-out went; the others and the step wait for the gate: the run is due when it opens,
    // not at once (a run at once does nothing, and the object's alarm spins).
    expect(w.market.log.filter((l) => l.path === '/set').at(-1)?.ids).toEqual(['SKU-1']);
    expect(at).toBe(w.clock + 200);
    await w.settle(50);
    for (const [sku, q] of w.listed) expect(shows(w, sku)).toBe(q);
  });

  it('converges under random changes, faults and crashes: the marketplace shows every listed quantity, each push applied once', async () => {
    const skus = Array.from({ length: 12 }, (_, n) => `S${n}`);
    const step = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), sku: fc.constantFrom(...skus), q: fc.nat(6) }),
      fc.record({ kind: fc.constant('run' as const) }),
      fc.record({ kind: fc.constant('crash' as const), after: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        kind: fc.constant('fault' as const),
        fault: fc.constantFrom('throttle', 'fail', 'garbage', 'unauthorized'),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 60 }),
        fc.constantFrom('bulk path', 'per item only'),
        async (steps, paths) => {
          const w = new World(paths === 'bulk path' ? fakeAdapter : fakeAdapterNoBulk, {
            batch: 3,
          });
          w.market.bulkPolls = 2;
          for (const s of steps) {
            if (s.kind === 'set') {
              w.setListed(s.sku, s.q);
              w.engine.poked(shardOf(s.sku, SHARDS));
            } else if (s.kind === 'run') await w.run();
            else if (s.kind === 'crash') w.crashAfter = s.after;
            else if (s.kind === 'fault') w.market.inject(s.fault);
            else w.clock += s.ms;
          }
          w.crashAfter = null;
          w.engine.pollAll();
          await w.settle();
          for (const [sku, q] of w.listed) expect(shows(w, sku)).toBe(q);
          for (const n of w.market.applied.values()) expect(n).toBe(1);
          expect(w.market.redundant).toBe(0);
          expect(w.market.conflicts).toEqual([]);
          for (const hub of w.hubs) expect(hub.acked).toBe(hub.head);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});

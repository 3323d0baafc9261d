import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import type { Command, LevelDelta, StockEvent, StockView } from '../../protocol/stock';
import { uniq } from '../support/client';
import { type ModelOp, ReferenceModel } from './reference-model';

type StockCommandInput = z.input<typeof Command>;

const LOCATIONS = ['L1', 'L2', 'L3'];
const loc = fc.constantFrom(...LOCATIONS);
const qty = fc.integer({ min: 1, max: 12 });
const holdId = fc.constantFrom('h1', 'h2', 'h3', 'h4', 'h5', 'h6');
const transferId = fc.constantFrom('t1', 't2', 't3');

const receiveArb = fc.record({
  op: fc.constant('receive' as const),
  location: loc,
  quantity: qty,
  fromIncoming: fc.boolean(),
});
const expectArb = fc.record({ op: fc.constant('expect' as const), location: loc, quantity: qty });
const transferOutArb = fc
  .record({
    op: fc.constant('transfer-out' as const),
    transferId,
    from: loc,
    to: loc,
    quantity: qty,
  })
  .filter((t) => t.from !== t.to);
const transferInArb = fc.record({
  op: fc.constant('transfer-in' as const),
  transferId,
  quantity: fc.option(qty, { nil: undefined }),
});

const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 4, arbitrary: receiveArb },
  { weight: 1, arbitrary: expectArb },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      location: loc,
      delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('count' as const),
      location: loc,
      onHand: fc.integer({ min: 0, max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('mark-unavailable' as const),
      location: loc,
      quantity: qty,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('release-unavailable' as const),
      location: loc,
      quantity: qty,
      dispose: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('set-safety-stock' as const),
      location: loc,
      quantity: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('hold' as const),
      holdId,
      quantity: qty,
      locations: fc.shuffledSubarray(LOCATIONS, { minLength: 1 }),
      allowSplit: fc.boolean(),
      commit: fc.boolean(),
      ttlSeconds: fc.integer({ min: 1, max: 120 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('extend' as const),
      holdId,
      ttlSeconds: fc.integer({ min: 1, max: 120 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('release' as const, 'commit' as const, 'cancel' as const),
      holdId,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('ship' as const),
      holdId,
      quantity: fc.option(qty, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: transferOutArb },
  { weight: 1, arbitrary: transferInArb },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('return' as const),
      location: loc,
      quantity: qty,
      disposition: fc.constantFrom('restock' as const, 'inspect' as const),
    }),
  },
);

/** Only what moves incoming: purchase orders expected and received, transfers sent and received. */
const incomingOpArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 3, arbitrary: receiveArb },
  { weight: 2, arbitrary: expectArb },
  { weight: 3, arbitrary: transferOutArb },
  { weight: 2, arbitrary: transferInArb },
);

/** Steps: an operation, time passing (so holds expire), or the object restarting. */
type Step =
  | { kind: 'op'; op: ModelOp }
  | { kind: 'tick'; ms: number }
  | { kind: 'restart' }
  | { kind: 'alarm' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: opArb.map((op): Step => ({ kind: 'op', op })) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 90_000 }).map((ms): Step => ({ kind: 'tick', ms })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'restart' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'alarm' }) },
);

/**
 * The same operation as a SkuStock command (the model's shapes are the commands' shapes), as
 * plain JSON: fast-check may build null-prototype objects, which RPC cannot clone.
 */
const toCommand = (o: ModelOp): StockCommandInput => JSON.parse(JSON.stringify(o));

const newCounter = async (policy: 'deny' | 'continue') => {
  const sku = uniq('PROP');
  const stub = env.SkuStock.get(env.SkuStock.idFromName(sku));
  await stub.configure({ sku, policy });
  return { sku, stub };
};

const expectSameState = (view: StockView, model: ReferenceModel) => {
  expect(view.seq).toBe(model.seq);
  // A location the object never touched has no row; the model may have a zero row: both mean zero.
  const zero = {
    onHand: 0,
    reserved: 0,
    committed: 0,
    unavailable: 0,
    safetyStock: 0,
    incoming: 0,
  };
  for (const location of LOCATIONS) {
    const found = view.locations.find((l) => l.location === location);
    // The model keeps quantities only; demand has its own tests (test/signals/demand.test.ts).
    const { demand: _demand, ...live } = found ?? {
      location,
      ...zero,
      available: 0,
      backordered: 0,
    };
    expect(live).toEqual({
      location,
      ...(model.levels.get(location) ?? zero),
      available: model.available(location),
      backordered: model.backordered(location),
    });
  }
};

/** Folding every event's deltas from zero must give the live levels: nothing moves off the log. */
const expectLogConserves = (events: StockEvent[], view: StockView) => {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const folded = new Map<string, Record<string, number>>();
  for (const e of events) {
    for (const d of e.deltas as LevelDelta[]) {
      const into = folded.get(d.location) ?? {};
      for (const [k, v] of Object.entries(d))
        if (k !== 'location' && typeof v === 'number') into[k] = (into[k] ?? 0) + v;
      folded.set(d.location, into);
    }
  }
  for (const l of view.locations) {
    const f = folded.get(l.location) ?? {};
    for (const k of [
      'onHand',
      'reserved',
      'committed',
      'unavailable',
      'safetyStock',
      'incoming',
    ] as const) {
      expect([l.location, k, f[k] ?? 0]).toEqual([l.location, k, l[k]]);
    }
  }
};

const allEvents = async (stub: Awaited<ReturnType<typeof newCounter>>['stub']) => {
  const events: StockEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await stub.getEvents(after, 1000);
    if (!page.ok) throw new Error(page.error.message);
    events.push(...page.value.events);
    if (page.value.next === null) return events;
    after = page.value.next;
  }
};

/** Runs the steps against a fresh object and the model, comparing every result and quantity. */
const agreesWithModel = (policy: 'deny' | 'continue') => async (steps: Step[]) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const counter = await newCounter(policy);
  let stub = counter.stub;
  const model = new ReferenceModel(policy);
  for (const step of steps) {
    if (step.kind === 'tick') {
      vi.setSystemTime(Date.now() + step.ms);
      continue;
    }
    if (step.kind === 'restart') {
      // Drop the object's memory: it must come back from its SQLite exactly as it was.
      await runInDurableObject(stub, (_instance, state) => {
        state.abort('restart');
      }).catch(() => undefined);
      // A stub to an aborted object stays broken; a new one reaches the restarted object.
      stub = env.SkuStock.get(env.SkuStock.idFromName(counter.sku));
      continue;
    }
    if (step.kind === 'alarm') {
      await runDurableObjectAlarm(stub);
      model.expire(Date.now());
      continue;
    }
    const expected = model.apply(step.op, Date.now());
    // Every refusal must be an expected failure: a throw here is a 500 over HTTP.
    const result = await stub
      .apply(toCommand(step.op), { actor: 'prop' })
      .catch((e: unknown) => expect.fail(`${step.op.op} threw instead of refusing: ${String(e)}`));
    expect([step.op.op, result.ok ? null : result.error.code]).toEqual([step.op.op, expected]);
    const view = await stub.getStock();
    if (!view.ok) throw new Error(view.error.message);
    model.expire(Date.now());
    expectSameState(view.value, model);
    if (policy === 'deny') {
      for (const l of view.value.locations) expect(l.available).toBeGreaterThanOrEqual(0);
    }
  }
  const view = await stub.getStock();
  if (!view.ok) throw new Error(view.error.message);
  expectLogConserves(await allEvents(stub), view.value);
  vi.useRealTimers();
};

describe('SkuStock against a reference model', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const policy of ['deny', 'continue'] as const) {
    it(`agrees with the model on every result and quantity over random sequences (${policy})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb, { minLength: 10, maxLength: 70 }),
          agreesWithModel(policy),
        ),
        { numRuns: 20 },
      );
    }, 180_000);
  }

  it('agrees with the model on incoming: a purchase-order receipt never takes units in transit', async () => {
    const steps = fc.oneof(
      { weight: 8, arbitrary: incomingOpArb.map((op): Step => ({ kind: 'op', op })) },
      { weight: 1, arbitrary: fc.constant<Step>({ kind: 'restart' }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(steps, { minLength: 10, maxLength: 40, size: 'max' }),
        agreesWithModel('deny'),
      ),
      { numRuns: 15 },
    );
  }, 180_000);

  it('keeps seq gap-free, the log conserved and never oversells under concurrent random operations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            opArb.filter((o) => o.op !== 'count'),
            { minLength: 1, maxLength: 25 },
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async (groups) => {
          const { stub } = await newCounter('deny');
          for (const group of groups) {
            const results = await Promise.allSettled(
              group.map((o) => stub.apply(toCommand(o), { actor: 'prop' })),
            );
            // Every refusal is an expected failure: a throw would be a 500 over HTTP.
            expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
            const view = await stub.getStock();
            if (!view.ok) throw new Error(view.error.message);
            for (const l of view.value.locations) {
              expect(l.available).toBeGreaterThanOrEqual(0);
              // Without counts nothing can promise more than is on hand under deny.
              expect(l.backordered).toBe(0);
            }
          }
          const view = await stub.getStock();
          if (!view.ok) throw new Error(view.error.message);
          const events = await allEvents(stub);
          expect(events.length).toBe(view.value.seq);
          expectLogConserves(events, view.value);
        },
      ),
      { numRuns: 15 },
    );
  }, 180_000);
});

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { d1LedgerSink } from '../../objects/sku-stock/ledger-sink';
import type { StockEvent } from '../../protocol/stock';
import { skuHistory } from '../../workers/ledger/movements';
import { uniq } from '../support/client';
import { crash, drainAlarms, flag, hubRow, stubOf, takeOverAlarms } from './alarms';

const SKUS = 3;
const LOCATIONS = ['L1', 'L2'];
const sku = fc.integer({ min: 0, max: SKUS - 1 });
const loc = fc.constantFrom(...LOCATIONS);
const qty = fc.integer({ min: 1, max: 6 });
const holdId = fc.constantFrom('h1', 'h2', 'h3');

// Mutations whose rules cannot fail unexpectedly: this test is about the ledger, not the rules.
const command = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('receive'), location: loc, quantity: qty }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('adjust'),
      location: loc,
      delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('hold'),
      holdId,
      quantity: qty,
      ttlSeconds: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('commit', 'release', 'ship'), holdId }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('transfer-out'),
      from: fc.constant('L1'),
      to: fc.constant('L2'),
      quantity: qty,
    }),
  },
);

/** Where an alarm run is killed: nowhere, waiting for D1, after D1 took the batch, while publishing, or at once. */
const CrashPoint = ['none', 'in-write', 'after-write', 'in-publish', 'racing'] as const;
type CrashPoint = (typeof CrashPoint)[number];

type Step =
  | { kind: 'op'; sku: number; command: Record<string, unknown> }
  | { kind: 'crash'; sku: number }
  | { kind: 'alarm'; sku: number; crash: CrashPoint };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('op' as const), sku, command }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), sku }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('alarm' as const),
      sku,
      crash: fc.constantFrom(...CrashPoint),
    }),
  },
);

const alarmOf = (code: string) =>
  runInDurableObject(stubOf(code), (_instance, state) => state.storage.getAlarm());

/** Runs the object's alarm if one is set and kills the object at `point` inside it. */
const alarmWithCrash = async (code: string, point: CrashPoint) => {
  const at = await alarmOf(code);
  if (at === null) return;
  vi.setSystemTime(Math.max(Date.now(), at));
  if (point === 'none') {
    await runDurableObjectAlarm(stubOf(code));
    return;
  }
  const reached = flag();
  await runInDurableObject(stubOf(code), (instance) => {
    const real = d1LedgerSink(env.DB);
    if (point === 'in-write') instance.ledger = { write: () => reached.hang() };
    if (point === 'after-write') {
      instance.ledger = {
        write: async (events) => {
          await real.write(events);
          await reached.hang();
        },
      };
    }
    if (point === 'in-publish') instance.hub = () => reached.hang();
  });
  let finished = false;
  const run = runDurableObjectAlarm(stubOf(code))
    .catch(() => undefined)
    .finally(() => {
      finished = true;
    });
  // The run may end without reaching the point (no flush was due): the kill then comes after it.
  if (point !== 'racing') await reached.wait(code, () => finished);
  await crash(code);
  await run;
};

/** Whatever instant the object died at, if D1 or the hub is behind it, an alarm must be set. */
const expectArmedIfBehind = async (code: string) => {
  const view = await stubOf(code).ledgerView(0);
  if (!view.ok) throw new Error(view.error.message);
  const { seq, flushedSeq } = view.value;
  const alarm = await alarmOf(code);
  if (flushedSeq < seq) {
    expect(alarm, `SKU ${code}: ${seq - flushedSeq} events not in D1 and no alarm`).not.toBeNull();
  }
  const hub = await hubRow(code);
  if (hub === null ? seq > 0 : hub.seq < seq || hub.flushed < flushedSeq) {
    expect(
      alarm,
      `SKU ${code}: the hub has ${JSON.stringify(hub)} of seq ${seq}, and no alarm`,
    ).not.toBeNull();
  }
};

const objectLog = async (code: string): Promise<StockEvent[]> => {
  const page = await stubOf(code).getEvents(0, 1000);
  if (!page.ok) throw new Error(page.error.message);
  return page.value.events;
};

describe('the ledger under crashes at random points', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('converges to every object log, gap-free, and never leaves unflushed events without an alarm', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 12, maxLength: 30 }), async (steps) => {
        takeOverAlarms();
        const codes = Array.from({ length: SKUS }, () => uniq('CRASH'));
        for (const code of codes) await stubOf(code).configure({ sku: code, policy: 'deny' });
        const codeOf = (i: number) => codes[i] ?? codes[0] ?? '';
        for (const s of steps) {
          const code = codeOf(s.sku);
          if (s.kind === 'op') {
            // fast-check builds null-prototype objects, which RPC cannot clone: send plain JSON.
            await stubOf(code).apply(JSON.parse(JSON.stringify(s.command)), { actor: 'fuzz' });
          } else if (s.kind === 'crash') {
            await crash(code);
            await expectArmedIfBehind(code);
          } else {
            await alarmWithCrash(code, s.crash);
            if (s.crash !== 'none') await expectArmedIfBehind(code);
          }
        }
        for (const code of codes) {
          await drainAlarms(code);
          const log = await objectLog(code);
          const view = await stubOf(code).ledgerView(0);
          if (!view.ok) throw new Error(view.error.message);
          expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
          expect(view.value.flushedSeq).toBe(view.value.seq);
          const ledger = (await skuHistory(env, code, 0, 1000)).items.map(
            ({ id: _id, recordedAt: _r, ...e }) => e,
          );
          expect(ledger).toEqual(log);
          if (view.value.seq > 0) {
            expect(await hubRow(code)).toEqual({ seq: view.value.seq, flushed: view.value.seq });
          }
        }
        vi.useRealTimers();
      }),
      { numRuns: 30, endOnFailure: true },
    );
  }, 120_000);
});

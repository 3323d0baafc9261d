import {
  type BackorderPolicy,
  type EventType,
  type HoldView,
  LEVEL_FIELDS,
  type Levels,
  type LineOutcome,
  type LocationDemand,
  type LocationStock,
  type StockEvent,
  type StockView,
  type TransferView,
} from '../../protocol/stock';
import type { Decision, HoldRecord, TransferRecord } from './decide';
import type { MutationResult } from './idempotency';
import { describe, emptyLevels } from './levels';

type StateLike = {
  sku: string;
  policy: BackorderPolicy;
  seq: number;
  levels: ReadonlyMap<string, Levels>;
};
type Totals = Omit<LocationStock, 'location'>;

const TOTAL_FIELDS = [...LEVEL_FIELDS, 'available', 'backordered'] as const;
const iso = (ms: number) => new Date(ms).toISOString();

const describeAll = (s: StateLike): LocationStock[] =>
  [...s.levels].map(([location, l]) => describe(location, l, s.policy));

const sumLocations = (locations: readonly LocationStock[]): Totals => {
  const totals: Totals = { ...emptyLevels(), available: 0, backordered: 0 };
  for (const l of locations) for (const k of TOTAL_FIELDS) totals[k] += l[k];
  return totals;
};

/** Demand at a location given its available units; absent where nothing was ever committed. */
export type DemandOf = (location: string, available: number) => LocationDemand | undefined;

export const stockView = (s: StateLike, demandOf?: DemandOf): StockView => {
  const locations = describeAll(s);
  const totals = sumLocations(locations);
  const withDemand = demandOf
    ? locations.map((l) => {
        const demand = demandOf(l.location, l.available);
        return demand ? { ...l, demand } : l;
      })
    : locations;
  return { sku: s.sku, policy: s.policy, seq: s.seq, locations: withDemand, totals };
};

export const buildEvent = (
  after: StateLike,
  decision: Decision,
  type: EventType,
  meta: { actor: string; key?: string; ref?: string; at: number },
): StockEvent => ({
  sku: after.sku,
  seq: after.seq,
  type,
  at: iso(meta.at),
  actor: meta.actor,
  reason: decision.reason,
  ref: meta.ref ?? null,
  idempotencyKey: meta.key ?? null,
  holdId: decision.hold?.id ?? null,
  transferId: decision.transfer?.id ?? null,
  deltas: decision.deltas,
  levels: decision.deltas.map((d) =>
    describe(d.location, after.levels.get(d.location) ?? emptyLevels(), after.policy),
  ),
  totals: sumLocations(describeAll(after)),
});

export const holdView = (sku: string, h: HoldRecord): HoldView => ({
  holdId: h.id,
  sku,
  status: h.status,
  quantity: h.quantity,
  channel: h.channel,
  allocations: h.allocations,
  returned: h.returned,
  expiresAt: h.expiresAt === null ? null : iso(h.expiresAt),
  createdAt: iso(h.createdAt),
  updatedAt: iso(h.updatedAt),
});

export const transferView = (sku: string, t: TransferRecord): TransferView => ({
  transferId: t.id,
  sku,
  from: t.from,
  to: t.to,
  quantity: t.quantity,
  received: t.received,
  status: t.received === t.quantity ? 'received' : 'in_transit',
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
});

/** One line of a batch's answer: the seq and ids a change made, or its expected failure. */
export const lineOutcome = (r: MutationResult): LineOutcome => {
  if (!r.ok) return { ok: false, replayed: r.replayed ?? false, error: r.error };
  const { event, replayed } = r.value;
  return {
    ok: true,
    replayed,
    seq: event.seq,
    ...(event.holdId !== null && { holdId: event.holdId }),
    ...(event.transferId !== null && { transferId: event.transferId }),
  };
};

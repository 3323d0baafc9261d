import type {
  BackorderPolicy,
  EventType,
  HoldView,
  Levels,
  LocationStock,
  StockEvent,
  StockView,
  TransferView,
} from '../../protocol/stock';
import type { Decision, HoldRecord, TransferRecord } from './decide';
import { describe, emptyLevels } from './levels';

type StateLike = {
  sku: string;
  policy: BackorderPolicy;
  seq: number;
  levels: ReadonlyMap<string, Levels>;
};

const iso = (ms: number) => new Date(ms).toISOString();

export const stockView = (s: StateLike): StockView => {
  const locations = [...s.levels].map(([location, l]) => describe(location, l, s.policy));
  const totals: Omit<LocationStock, 'location'> = {
    ...emptyLevels(),
    available: 0,
    backordered: 0,
  };
  for (const l of locations) {
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += l[k];
  }
  return { sku: s.sku, policy: s.policy, seq: s.seq, locations, totals };
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

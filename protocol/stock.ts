import { z } from 'zod';
import { BackorderPolicy, ChannelCode, LocationCode, SkuCode } from './catalog';
import { AppError } from './errors';

export { BackorderPolicy, ChannelCode, LocationCode, SkuCode };

/** Largest quantity one operation may move; anything larger is a typo, not a shipment. */
export const MAX_QUANTITY = 1_000_000;
/** Largest level any quantity may reach at one location. */
export const MAX_LEVEL = 1_000_000_000;
/** Hold lifetime when the caller gives none: 10 minutes. */
export const DEFAULT_HOLD_TTL_SECONDS = 600;
export const MAX_HOLD_TTL_SECONDS = 7 * 24 * 3600;
/**
 * Most commands one call to a SKU's object carries. Its commands run as one synchronous block,
 * so a longer batch is split into several calls and the object serves others in between.
 */
export const MAX_COMMANDS_PER_CALL = 200;

export const HoldId = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,96}$/, 'a hold id is 1-96 of A-Z a-z 0-9 _ : . -');
export const TransferId = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,96}$/, 'a transfer id is 1-96 of A-Z a-z 0-9 _ : . -');
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, '1-200 printable ASCII characters');

// Checkout's own namespaces on every SkuStock: a cart's hold ids start with its reservation id
// and the keys it sends with `co:`. A client using either could take over or block a cart.
/** The start of every hold id Checkout gives a cart's holds (the reservation id). */
export const CART_HOLD_ID = /^r_[0-9a-f]{32}/;
/** The start of every idempotency key Checkout sends. */
export const CHECKOUT_KEY_PREFIX = 'co:';

/** An idempotency key a client may send: any key outside Checkout's namespace. */
export const ClientIdempotencyKey = IdempotencyKey.refine(
  (k) => !k.startsWith(CHECKOUT_KEY_PREFIX),
  `keys starting with ${CHECKOUT_KEY_PREFIX} are reserved for reservations`,
);
export const ReasonCode = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a reason code is 1-64 of a-z 0-9 _ . -');

const Quantity = z.number().int().min(1).max(MAX_QUANTITY);
const Level = z.number().int().min(0).max(MAX_LEVEL);
const TtlSeconds = z.number().int().min(1).max(MAX_HOLD_TTL_SECONDS);

/** Fields every mutation may carry besides its own. */
const common = {
  /** Why: a reason code such as `cycle_count`, `damaged`, `po_receipt`. */
  reason: ReasonCode.optional(),
  /** External reference: PO number, order id, count id. */
  ref: z.string().min(1).max(128).optional(),
  /** Compare-and-swap on the SKU's event sequence: refuse unless it is exactly this. */
  ifSeq: z.number().int().min(0).optional(),
};

export const ReceiveCommand = z.strictObject({
  op: z.literal('receive'),
  location: LocationCode,
  quantity: Quantity,
  /** The units were expected (purchase order): decrease incoming by as many as arrive. */
  fromIncoming: z.boolean().optional(),
  ...common,
});
export const ExpectCommand = z.strictObject({
  op: z.literal('expect'),
  location: LocationCode,
  quantity: Quantity,
  ...common,
});
export const AdjustCommand = z.strictObject({
  op: z.literal('adjust'),
  location: LocationCode,
  delta: z
    .number()
    .int()
    .min(-MAX_QUANTITY)
    .max(MAX_QUANTITY)
    .refine((d) => d !== 0, 'delta must not be zero'),
  expectedOnHand: Level.optional(),
  ...common,
});
export const CountCommand = z.strictObject({
  op: z.literal('count'),
  location: LocationCode,
  onHand: Level,
  expectedOnHand: Level.optional(),
  ...common,
});
export const MarkUnavailableCommand = z.strictObject({
  op: z.literal('mark-unavailable'),
  location: LocationCode,
  quantity: Quantity,
  ...common,
});
export const ReleaseUnavailableCommand = z.strictObject({
  op: z.literal('release-unavailable'),
  location: LocationCode,
  quantity: Quantity,
  /** The units leave the building (scrapped) instead of becoming sellable again. */
  dispose: z.boolean().optional(),
  ...common,
});
export const SetSafetyStockCommand = z.strictObject({
  op: z.literal('set-safety-stock'),
  location: LocationCode,
  quantity: z.number().int().min(0).max(MAX_QUANTITY),
  ...common,
});
export const HoldCommand = z.strictObject({
  op: z.literal('hold'),
  /** Caller-chosen id (a cart id, say) so a retried hold is never taken twice. */
  holdId: HoldId.optional(),
  quantity: Quantity,
  /** Eligible locations in preference order; all of the SKU's locations when absent. */
  locations: z
    .array(LocationCode)
    .min(1)
    .max(64)
    .refine((l) => new Set(l).size === l.length, 'locations must not repeat')
    .optional(),
  ttlSeconds: TtlSeconds.optional(),
  /** Take the quantity from several locations when no single one has it all. */
  allowSplit: z.boolean().optional(),
  channel: ChannelCode.optional(),
  /** Commit at once (a marketplace order that is already paid). */
  commit: z.boolean().optional(),
  ...common,
});
export const ExtendCommand = z.strictObject({
  op: z.literal('extend'),
  holdId: HoldId,
  ttlSeconds: TtlSeconds,
  ...common,
});
export const ReleaseCommand = z.strictObject({
  op: z.literal('release'),
  holdId: HoldId,
  ...common,
});
export const CommitCommand = z.strictObject({ op: z.literal('commit'), holdId: HoldId, ...common });
export const ShipCommand = z.strictObject({
  op: z.literal('ship'),
  holdId: HoldId,
  /** Ship part of the order; all that is left when absent. */
  quantity: Quantity.optional(),
  ...common,
});
export const CancelCommand = z.strictObject({ op: z.literal('cancel'), holdId: HoldId, ...common });
export const ReturnCommand = z.strictObject({
  op: z.literal('return'),
  location: LocationCode,
  quantity: Quantity,
  /** `restock`: sellable again; `inspect`: on hand but unavailable until inspected. */
  disposition: z.enum(['restock', 'inspect']),
  /** The shipped order the units come back from, if known. */
  holdId: HoldId.optional(),
  ...common,
});
export const TransferOutCommand = z.strictObject({
  op: z.literal('transfer-out'),
  transferId: TransferId.optional(),
  from: LocationCode,
  /** Must differ from `from`. */
  to: LocationCode,
  quantity: Quantity,
  ...common,
});
export const TransferInCommand = z.strictObject({
  op: z.literal('transfer-in'),
  transferId: TransferId,
  /** Receive part of the transfer; all that is outstanding when absent. */
  quantity: Quantity.optional(),
  ...common,
});

export const Command = z.discriminatedUnion('op', [
  ReceiveCommand,
  ExpectCommand,
  AdjustCommand,
  CountCommand,
  MarkUnavailableCommand,
  ReleaseUnavailableCommand,
  SetSafetyStockCommand,
  HoldCommand,
  ExtendCommand,
  ReleaseCommand,
  CommitCommand,
  ShipCommand,
  CancelCommand,
  ReturnCommand,
  TransferOutCommand,
  TransferInCommand,
]);
export type Command = z.infer<typeof Command>;
export type Op = Command['op'];
export type CommandOf<O extends Op> = Extract<Command, { op: O }>;

/** Operations that act on an existing hold (reservation lifecycle). */
export const HOLD_OPS = ['extend', 'release', 'commit', 'ship', 'cancel'] as const;

/** The stored quantities of one SKU at one location. */
export const Levels = z.object({
  onHand: z.number().int(),
  reserved: z.number().int(),
  committed: z.number().int(),
  unavailable: z.number().int(),
  safetyStock: z.number().int(),
  incoming: z.number().int(),
});
export type Levels = z.infer<typeof Levels>;
export const LEVEL_FIELDS = [
  'onHand',
  'reserved',
  'committed',
  'unavailable',
  'safetyStock',
  'incoming',
] as const satisfies readonly (keyof Levels)[];

/** Every level at 0: a location the SKU has never moved at. The one definition of it. */
export const emptyLevels = (): Levels => ({
  onHand: 0,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
});

/** Demand at one location, estimated live from committed units (docs/signals.md). */
export const LocationDemand = z.object({
  /** Expected units sold a day (TSB over daily committed units). */
  ratePerDay: z.number().min(0),
  /** The spread (σ) of one day's demand around the rate. */
  sigmaPerDay: z.number().min(0),
  /** available ÷ ratePerDay; null when nothing sells. */
  coverDays: z.number().min(0).nullable(),
  /** When available runs out at this rate (ISO time); null when nothing sells or none is left. */
  stockoutAt: z.string().nullable(),
});
export type LocationDemand = z.infer<typeof LocationDemand>;

/** Levels plus what is derived from them. */
export const LocationStock = Levels.extend({
  location: z.string(),
  /** onHand − reserved − committed − unavailable − safetyStock; floored at 0 under `deny`. */
  available: z.number().int(),
  /** Units promised (reserved or committed) beyond the sellable units on hand. */
  backordered: z.number().int(),
  /** Demand and cover at this location, as of the read (stock views and stream rows). */
  demand: LocationDemand.optional(),
});
export type LocationStock = z.infer<typeof LocationStock>;

export const StockView = z.object({
  sku: z.string(),
  policy: BackorderPolicy,
  seq: z.number().int(),
  locations: z.array(LocationStock),
  totals: LocationStock.omit({ location: true }),
});
export type StockView = z.infer<typeof StockView>;

/** A change to one location's levels; only the fields that moved are present. */
export const LevelDelta = z.object({
  location: z.string(),
  onHand: z.number().int().optional(),
  reserved: z.number().int().optional(),
  committed: z.number().int().optional(),
  unavailable: z.number().int().optional(),
  safetyStock: z.number().int().optional(),
  incoming: z.number().int().optional(),
});
export type LevelDelta = z.infer<typeof LevelDelta>;

export const EventType = z.enum([
  ...Command.options.map((o) => o.shape.op.value),
  'expire',
  'policy',
]);
export type EventType = z.infer<typeof EventType>;

/** One entry of a SKU's gap-free event log. */
export const StockEvent = z.object({
  sku: z.string(),
  seq: z.number().int(),
  type: EventType,
  at: z.string(),
  actor: z.string(),
  reason: z.string(),
  ref: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  holdId: z.string().nullable(),
  transferId: z.string().nullable(),
  deltas: z.array(LevelDelta),
  /** The affected locations' quantities after the event. */
  levels: z.array(LocationStock),
  /** The SKU's quantities summed over every location after the event. */
  totals: LocationStock.omit({ location: true }),
});
export type StockEvent = z.infer<typeof StockEvent>;

export const HoldStatus = z.enum([
  'held',
  'committed',
  'shipped',
  'released',
  'expired',
  'cancelled',
]);
export type HoldStatus = z.infer<typeof HoldStatus>;

export const Allocation = z.object({
  location: z.string(),
  quantity: z.number().int(),
  shipped: z.number().int(),
});
export type Allocation = z.infer<typeof Allocation>;

export const HoldView = z.object({
  holdId: z.string(),
  sku: z.string(),
  status: HoldStatus,
  quantity: z.number().int(),
  channel: z.string().nullable(),
  allocations: z.array(Allocation),
  returned: z.number().int(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type HoldView = z.infer<typeof HoldView>;

export const TransferView = z.object({
  transferId: z.string(),
  sku: z.string(),
  from: z.string(),
  to: z.string(),
  quantity: z.number().int(),
  received: z.number().int(),
  status: z.enum(['in_transit', 'received']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TransferView = z.infer<typeof TransferView>;

/** What every accepted mutation returns. */
export const MutationOutcome = z.object({
  replayed: z.boolean(),
  event: StockEvent,
  stock: StockView,
  hold: HoldView.optional(),
  transfer: TransferView.optional(),
});
export type MutationOutcome = z.infer<typeof MutationOutcome>;

export const EventPage = z.object({
  sku: z.string(),
  events: z.array(StockEvent),
  /** Pass as `after` to read the next page; null when this page reached the head. */
  next: z.number().int().nullable(),
  /**
   * The oldest seq the object still keeps: it keeps a recent window once events are in the
   * ledger. Older events are read from `GET /v1/skus/{sku}/history`.
   */
  retainedFrom: z.number().int(),
});
export type EventPage = z.infer<typeof EventPage>;

/** The compact per-line outcome of a batch (the full outcome would repeat the stock view per line). */
export const LineOutcome = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    replayed: z.boolean(),
    seq: z.number().int(),
    holdId: z.string().optional(),
    transferId: z.string().optional(),
  }),
  z.object({
    ok: z.literal(false),
    replayed: z.boolean(),
    error: AppError,
  }),
]);
export type LineOutcome = z.infer<typeof LineOutcome>;

import { z } from 'zod';
import { ChannelCode, LocationCode, Routing, SkuCode } from './catalog';
import { AppError } from './errors';
import { DEFAULT_HOLD_TTL_SECONDS, MAX_HOLD_TTL_SECONDS, MAX_QUANTITY } from './stock';

// Whole-cart reservations: all lines held or none, at the locations the channel's routing picks.

/** Most lines one cart may have. The real order stream's largest cart has 675. */
export const MAX_CART_LINES = 1_000;
/** Most SKU holds one cart may expand to once kits are replaced by their components. */
export const MAX_CART_ITEMS = 2_000;
/** Most components one kit may have. */
export const MAX_KIT_COMPONENTS = 50;

export const ReservationId = z
  .string()
  .regex(/^r_[0-9a-f]{32}$/, 'a reservation id is r_ and 32 hex digits');
export type ReservationId = z.infer<typeof ReservationId>;

const Quantity = z.number().int().min(1).max(MAX_QUANTITY);
const TtlSeconds = z.number().int().min(1).max(MAX_HOLD_TTL_SECONDS);
const Timestamp = z.string().describe('ISO 8601 UTC');

export const ShipTo = z
  .union([
    z.strictObject({
      country: z.string().regex(/^[A-Z]{2}$/, 'country: ISO 3166-1 alpha-2, e.g. GB'),
    }),
    z.strictObject({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
    }),
  ])
  .describe('Where the cart ships: a country (its approximate centre is used) or coordinates');
export type ShipTo = z.infer<typeof ShipTo>;

export const CartLine = z.strictObject({ sku: SkuCode, quantity: Quantity });
export type CartLine = z.infer<typeof CartLine>;

export const ReservationRequest = z.strictObject({
  channel: ChannelCode,
  lines: z
    .array(CartLine)
    .min(1, 'a cart needs at least one line')
    .max(MAX_CART_LINES)
    .describe(`1 to ${MAX_CART_LINES} lines, one per SKU; a kit SKU holds its components`),
  shipTo: ShipTo.optional(),
  ttlSeconds: TtlSeconds.default(DEFAULT_HOLD_TTL_SECONDS).describe(
    'Every hold of the cart expires this long after it is placed (default 10 minutes)',
  ),
});
export type ReservationRequest = z.infer<typeof ReservationRequest>;

export const ExtendRequest = z.strictObject({
  ttlSeconds: TtlSeconds.describe('The cart now expires this long from now'),
});
export const CommitRequest = z.strictObject({
  ref: z.string().min(1).max(128).optional().describe('The order id, recorded on every hold'),
});
export const ReleaseRequest = z.strictObject({});

export const ReservationStatus = z.enum([
  'pending',
  'held',
  'committed',
  'released',
  'expired',
  'failed',
]);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

/** Why a line is served where it is. */
export const RouteReason = z.enum(['single_location', 'fewest_shipments', 'split']);
export type RouteReason = z.infer<typeof RouteReason>;

export const Fulfilment = z.object({
  sku: z.string().describe('The line SKU, or for a kit the component'),
  quantity: z.number().int(),
  location: LocationCode,
  holdId: z.string(),
});
export type Fulfilment = z.infer<typeof Fulfilment>;

export const ReservationLine = z.object({
  line: z.number().int(),
  sku: z.string(),
  quantity: z.number().int(),
  kit: z.boolean(),
  fulfilment: z.array(Fulfilment),
  reason: RouteReason.nullable(),
  note: z.string().describe('Which location serves the line, and why'),
});
export type ReservationLine = z.infer<typeof ReservationLine>;

export const Shipment = z.object({
  location: LocationCode,
  distanceKm: z.number().nullable(),
  lines: z.array(z.number().int()),
});
export type Shipment = z.infer<typeof Shipment>;

export const ReservationView = z.object({
  reservationId: ReservationId,
  channel: ChannelCode,
  status: ReservationStatus,
  routing: Routing,
  shipTo: ShipTo.nullable(),
  ttlSeconds: z.number().int(),
  expiresAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lines: z.array(ReservationLine),
  shipments: z.array(Shipment),
  failure: AppError.nullable(),
  /** This answer repeats an earlier one (same idempotency key). */
  replayed: z.boolean(),
});
export type ReservationView = z.infer<typeof ReservationView>;

/** Why a line could not be held; one entry of an insufficient_stock error's `details.lines`. */
export const ShortReason = z.enum(['out_of_stock', 'split_refused', 'taken_concurrently']);
export type ShortReason = z.infer<typeof ShortReason>;

export const ShortLine = z.object({
  line: z.number().int(),
  sku: z.string(),
  /** The component short, when the line is a kit. */
  component: z.string().nullable(),
  requested: z.number().int(),
  /** Units available for it at the channel's locations, in total and per location. */
  available: z.number().int(),
  locations: z.array(z.string()),
  availableAt: z.array(z.number().int()),
  reason: ShortReason,
});
export type ShortLine = z.infer<typeof ShortLine>;

export const KitComponent = z.strictObject({ sku: SkuCode, quantity: Quantity });
export const KitDefinition = z.strictObject({
  components: z
    .array(KitComponent)
    .min(1)
    .max(MAX_KIT_COMPONENTS)
    .refine((c) => new Set(c.map((x) => x.sku)).size === c.length, 'components must not repeat')
    .describe('The SKUs one kit is made of, and how many of each'),
});
export type KitDefinition = z.infer<typeof KitDefinition>;
export const Kit = z.object({
  sku: SkuCode,
  components: z.array(z.object({ sku: SkuCode, quantity: z.number().int() })),
});
export type Kit = z.infer<typeof Kit>;

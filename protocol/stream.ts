import { z } from 'zod';
import { Role } from './auth';
import { ChannelCode, LocationCode, SkuCode } from './catalog';
import { ErrorCode } from './errors';
import { Recommendation } from './recommendations';
import { LocationStock } from './stock';

// The real-time stream (GET /v1/stream): one WebSocket per StreamHub shard. Every message is JSON,
// discriminated by `type`, and parsed with these schemas on both ends.

/** A SKU list in a filter is kept with the socket across hibernation, which allows 2 KiB in all. */
export const MAX_FILTER_SKUS = 50;
export const MAX_FILTER_LOCATIONS = 32;

/** What a subscriber wants: every field narrows; an empty filter is the whole shard. */
export const StreamFilter = z.object({
  /** Adds the channel's listed quantity to each row; its locations when `locations` is absent. */
  channel: ChannelCode.optional(),
  locations: z.array(LocationCode).min(1).max(MAX_FILTER_LOCATIONS).optional(),
  skus: z.array(SkuCode).min(1).max(MAX_FILTER_SKUS).optional(),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9 ._-]{1,64}$/, 'prefix: 1-64 SKU code characters')
    .optional(),
  /** Also send `recommendation` messages for the SKUs and locations the filter shows. */
  recommendations: z.boolean().optional(),
  /** false: no stock rows at all (a socket that follows recommendations only). */
  rows: z.boolean().optional(),
});
export type StreamFilter = z.infer<typeof StreamFilter>;

/** What turns availability into a channel's listed quantity (docs/stream.md). */
export const ListingRules = z.object({
  code: ChannelCode,
  locations: z.array(LocationCode),
  percentage: z.number().int().min(1).max(100),
  buffer: z.number().int().min(0),
  maxListed: z.number().int().min(0).nullable(),
  endWhen: z.number().int().min(0),
  /** The catalog's updatedAt: a hub keeps the newest rules it has been given. */
  updatedAt: z.string(),
});
export type ListingRules = z.infer<typeof ListingRules>;

/** Which rule set the listed quantity: the last one that lowered it, `available` if none did. */
export const ListedRule = z.enum([
  'available',
  'exposed',
  'percentage',
  'buffer',
  'end-when',
  'max',
]);
export type ListedRule = z.infer<typeof ListedRule>;

export const Listed = z.object({
  channel: z.string(),
  quantity: z.number().int().min(0),
  rule: ListedRule,
});
export type Listed = z.infer<typeof Listed>;

/** One SKU's latest state as a subscriber sees it through its filter. */
export const StreamRow = z.object({
  sku: z.string(),
  /** The SKU's event sequence: never goes backwards for a subscriber. */
  seq: z.number().int().min(0),
  /** When the event that produced `seq` happened. */
  at: z.string(),
  /** The hub cursor at which the row last changed. */
  cursor: z.number().int().min(0),
  locations: z.array(LocationStock),
  listed: Listed.optional(),
});
export type StreamRow = z.infer<typeof StreamRow>;

const Shard = z.number().int().min(0);
const Cursor = z.number().int().min(0);

/** First message on every socket: where the replay starts and the flow-control window. */
export const HelloMessage = z.object({
  type: z.literal('hello'),
  shard: Shard,
  head: Cursor,
  /** The cursor the replay starts after (0: a full snapshot). */
  from: Cursor,
  /** Messages the hub sends without a `received` before it calls the subscriber slow. */
  window: z.number().int().min(1),
  /** Send `received` at least every this many messages, and after every snapshot page. */
  confirmEvery: z.number().int().min(1),
});
/** A page of rows changed since the cursor the socket started from (all rows for a snapshot). */
export const SnapshotMessage = z.object({
  type: z.literal('snapshot'),
  shard: Shard,
  /** Resume here to continue after this page. */
  cursor: Cursor,
  rows: z.array(StreamRow),
});
/** The replay is over: from here on every change arrives as an `update`. */
export const CaughtUpMessage = z.object({
  type: z.literal('caught-up'),
  shard: Shard,
  cursor: Cursor,
});
export const UpdateMessage = StreamRow.extend({ type: z.literal('update'), shard: Shard });
/** Several changes at once: what a busy hub sends instead of one `update` each. */
export const UpdatesMessage = z.object({
  type: z.literal('updates'),
  shard: Shard,
  /** The highest cursor of the rows: resume here. */
  cursor: Cursor,
  rows: z.array(StreamRow),
});
/** The answer to an `ack`: how far behind the acknowledging connector is on this shard. */
/** A channel's sync to its marketplace (ChannelSync), as GET /v1/channels/{code}/sync reports it. */
export const SyncLag = z.object({
  /** Age of the oldest change the marketplace does not show (mapped SKUs). */
  lagSeconds: z.number().min(0),
  /** SKUs whose listed quantity the marketplace does not show yet. */
  queueDepth: z.number().int().min(0),
});
export type SyncLag = z.infer<typeof SyncLag>;
export const LagMessage = z.object({
  type: z.literal('lag'),
  shard: Shard,
  acked: Cursor,
  head: Cursor,
  behind: z.number().int().min(0),
  lagSeconds: z.number().min(0),
  /** The channel's marketplace sync; absent when the channel has no connection. */
  sync: SyncLag.optional(),
});
/** Sent before the hub closes a socket that fell too far behind: reconnect from your cursor. */
export const ResyncMessage = z.object({
  type: z.literal('resync'),
  shard: Shard,
  /** The last cursor the subscriber confirmed receiving (its own cursor is at least this). */
  cursor: Cursor,
  reason: z.string(),
});
/** What happened to a recommendation: a recompute opened, changed or expired it, or a key acted. */
export const RecommendationChange = z.enum([
  'opened',
  'changed',
  'applied',
  'dismissed',
  'expired',
]);
export type RecommendationChange = z.infer<typeof RecommendationChange>;
/**
 * A recommendation as stored after the change (docs/recommendations.md), to subscribers that
 * asked for them; not part of the cursor replay: read GET /v1/recommendations after connecting.
 */
export const RecommendationMessage = z.object({
  type: z.literal('recommendation'),
  shard: Shard,
  change: RecommendationChange,
  recommendation: Recommendation,
});
export type RecommendationMessage = z.infer<typeof RecommendationMessage>;
/** What the gateway hands a hub: recommendations of SKUs of its shard that changed. */
export const RecommendationChanges = z.array(
  z.object({ change: RecommendationChange, recommendation: Recommendation }),
);
export type RecommendationChanges = z.infer<typeof RecommendationChanges>;
export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
});

export const ServerMessage = z.discriminatedUnion('type', [
  HelloMessage,
  SnapshotMessage,
  CaughtUpMessage,
  UpdateMessage,
  UpdatesMessage,
  LagMessage,
  ResyncMessage,
  RecommendationMessage,
  ErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type UpdateMessage = z.infer<typeof UpdateMessage>;

/** Durable progress (connectors): everything up to `cursor` has been pushed to the marketplace. */
export const AckMessage = z.object({ type: z.literal('ack'), cursor: Cursor });
/** Flow control: the subscriber has consumed `count` messages of this socket, up to `cursor`. */
export const ReceivedMessage = z.object({
  type: z.literal('received'),
  count: z.number().int().min(0),
  cursor: Cursor,
});
export const ClientMessage = z.discriminatedUnion('type', [AckMessage, ReceivedMessage]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Heartbeat: the hub's runtime answers this text with PONG without waking the hub. */
export const PING = 'ping';
export const PONG = 'pong';

/** Close codes of the stream; 4xxx mirror HTTP statuses where one fits. */
export const CloseCode = {
  invalid: 4000,
  unauthorized: 4001,
  forbidden: 4003,
  notFound: 4004,
  /** Too many unconfirmed messages: resume from your cursor. */
  slowConsumer: 4008,
  /** The hub's state changed under the socket (an upgrade): resume from your cursor. */
  restart: 4012,
  /** The key has too many sockets open on this shard (or too many requests): retry later. */
  rateLimited: 4029,
} as const;
/** A socket closed with one of these will fail the same way again: do not reconnect. */
export const FATAL_CLOSE_CODES: readonly number[] = [
  CloseCode.invalid,
  CloseCode.unauthorized,
  CloseCode.forbidden,
  CloseCode.notFound,
];

/** Subprotocol the gateway selects; a browser also offers `stockmesh.bearer.<key>` to authenticate. */
export const STREAM_SUBPROTOCOL = 'stockmesh.v1';

/** Per-shard cursors: `{ 0: 120, 3: 7 }`, written `0:120,3:7` in a query. */
export type ShardCursors = Record<number, number>;

export const formatCursors = (cursors: ShardCursors): string =>
  Object.entries(cursors)
    .map(([shard, cursor]) => `${shard}:${cursor}`)
    .join(',');

/** Parses `0:120,3:7`; undefined when malformed. */
export const parseCursors = (text: string): ShardCursors | undefined => {
  if (!/^\d{1,4}:\d{1,15}(,\d{1,4}:\d{1,15})*$/.test(text)) return undefined;
  const cursors: ShardCursors = {};
  for (const part of text.split(',')) {
    const [shard, cursor] = part.split(':').map(Number);
    if (shard === undefined || cursor === undefined || !Number.isSafeInteger(cursor)) return;
    cursors[shard] = cursor;
  }
  return cursors;
};

/** What the gateway tells a hub about a new socket, after authenticating and authorizing it. */
export const Subscription = z.object({
  principal: z.object({ keyId: z.string(), role: Role }),
  filter: StreamFilter,
  from: Cursor,
  /** The channel's rules as the gateway read them; the hub keeps the newest it has seen. */
  rules: ListingRules.optional(),
});
export type Subscription = z.infer<typeof Subscription>;

/** POST /v1/stream/tickets (body optional): a ticket asked for a channel opens only that channel. */
export const StreamTicketRequest = z.object({ channel: ChannelCode.optional() });
export type StreamTicketRequest = z.infer<typeof StreamTicketRequest>;

/** A short-lived, single-use ticket that opens one stream socket in place of the key. */
export const StreamTicket = z.object({
  ticket: z.string(),
  expiresAt: z.string(),
});
export type StreamTicket = z.infer<typeof StreamTicket>;

/** A ticket travels as `?ticket=` or as this subprotocol prefix followed by the ticket. */
export const TICKET_SUBPROTOCOL_PREFIX = 'stockmesh.ticket.';

/** GET /v1/stream/info */
export const StreamInfo = z.object({
  shards: z.number().int().min(1),
  subprotocol: z.string(),
});
export type StreamInfo = z.infer<typeof StreamInfo>;

/** How far one subscriber of a channel is behind on one shard. */
export const ShardLag = z.object({
  shard: Shard,
  head: Cursor,
  acked: Cursor,
  ackedAt: z.string().nullable(),
  /** Cursor positions between the acknowledged cursor and the head. */
  behind: z.number().int().min(0),
  /** SKUs changed since the acknowledged cursor. */
  pendingSkus: z.number().int().min(0),
  /** Age of the oldest change not acknowledged (0 when caught up). */
  lagSeconds: z.number().min(0),
  connected: z.boolean(),
});
export type ShardLag = z.infer<typeof ShardLag>;

export const HubChannelLag = z.object({
  shard: Shard,
  head: Cursor,
  subscribers: z.array(ShardLag.extend({ connector: z.string(), role: Role })),
});
export type HubChannelLag = z.infer<typeof HubChannelLag>;

/** GET /v1/channels/{code}/lag: every connector of the channel, summed over the shards. */
export const ChannelLag = z.object({
  channel: z.string(),
  shards: z.number().int(),
  connectors: z.array(
    z.object({
      connector: z.string(),
      role: Role,
      connected: z.boolean(),
      behind: z.number().int().min(0),
      pendingSkus: z.number().int().min(0),
      lagSeconds: z.number().min(0),
      lastAckAt: z.string().nullable(),
      shards: z.array(ShardLag),
    }),
  ),
});
export type ChannelLag = z.infer<typeof ChannelLag>;

/** What SkuStock's health check reads from each hub: how far the D1 ledger is behind. */
export type LedgerLag = {
  skus: number;
  unflushedSkus: number;
  unflushedEvents: number;
  oldestUnflushedAt: string | null;
};

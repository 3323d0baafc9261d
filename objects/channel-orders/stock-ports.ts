import { z } from 'zod';
import { SkuCode } from '../../protocol/catalog';
import { MappingPage } from '../../protocol/connections';
import { type AppError, Failure } from '../../protocol/errors';
import type { InboundKind, OrderHold, Shortfall } from '../../protocol/orders';
import { ReservationRequest, type ReservationView, ShortLine } from '../../protocol/reservations';
import { unknownSkus } from '../../shared/catalog/known-skus';
import { channelSync, checkout, skuStock } from '../../shared/stubs';
import { prepareReservation } from '../checkout/prepare';
import type { InboundLine } from './event';
import { indexMappings, type MappingIndex, mapLines, skuOf } from './mapping';
import type { HoldState, Ports, ReserveOutcome } from './process';

// The effects an order has, on the mesh's own objects: the channel's mappings (ChannelSync),
// the catalog, a whole-cart reservation committed at once (Checkout), and hold cancels and
// returns (SkuStock). Built per alarm run; the mapping index is read once per run.

/** A marketplace order's cart lives this long uncommitted at most (it commits at once). */
const CART_TTL_SECONDS = 600;
const MAPPING_PAGE = 1000;

const MappingResult = z.object({ ok: z.literal(true), value: MappingPage });

/** Raised when the mesh could not be reached: the event stays in the inbox for a later run. */
export class Retry extends Error {}

const readIndex = async (env: Env, channel: string, kind: InboundKind): Promise<MappingIndex> => {
  const index: MappingIndex = { byRef: new Map(), mapped: new Set() };
  let cursor: string | undefined;
  do {
    // Typed loosely across RPC (the mapping's JSON): checked here instead.
    const raw: unknown = await channelSync(env, channel).mappings(
      cursor === undefined ? { limit: MAPPING_PAGE } : { cursor, limit: MAPPING_PAGE },
    );
    const page = MappingResult.safeParse(raw);
    if (!page.success) return index;
    const { value } = page.data;
    indexMappings(kind, value.items, index);
    cursor = value.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return index;
};

const shortfallOf = (error: AppError): Shortfall[] => {
  const lines = ShortLine.array().safeParse(error.details?.lines);
  if (!lines.success) return [];
  const bySku = new Map<string, Shortfall>();
  for (const l of lines.data) {
    const sku = l.component ?? l.sku;
    const prior = bySku.get(sku);
    if (prior) continue;
    bySku.set(sku, {
      sku,
      requested: l.requested,
      available: l.available,
      short: l.requested - l.available,
    });
  }
  return [...bySku.values()];
};

const holdsOf = (view: ReservationView): OrderHold[] =>
  view.lines.flatMap((l) =>
    l.fulfilment.map((f) => ({
      sku: f.sku,
      holdId: f.holdId,
      location: f.location,
      quantity: f.quantity,
      restocked: 0,
    })),
  );

/**
 * Tells the channel's sync what the marketplace did to its own count; best effort (a missed one
 * costs a stale compare and a re-read). not_connected: no outbound sync, nothing to tell.
 */
const tellSync = async (
  channel: string,
  what: string,
  orderId: string,
  call: () => Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>,
): Promise<void> => {
  try {
    const out = await call();
    if (!out.ok && out.error.code !== 'not_connected') {
      console.warn(`orders ${channel}: ${what} of ${orderId} not recorded: ${out.error.message}`);
    }
  } catch (e) {
    console.warn(
      `orders ${channel}: ${what} of ${orderId} not recorded: ${e instanceof Error ? e.message : e}`,
    );
  }
};

/** The ports process.ts drives, for one channel. */
export const stockPorts = (env: Env, channel: string, kind: InboundKind): Ports => {
  let index: Promise<MappingIndex> | undefined;
  const actor = `orders:${channel}`;
  const principal = {
    keyId: actor,
    role: 'connector' as const,
    channels: [channel],
    locations: [],
  };
  return {
    now: () => Date.now(),

    async map(lines: readonly InboundLine[]) {
      index ??= readIndex(env, channel, kind);
      const idx = await index;
      const candidates = lines.flatMap((l) => {
        const sku = skuOf(kind, l.ref, idx);
        return sku !== null && SkuCode.safeParse(sku).success ? [sku] : [];
      });
      const unknown = new Set(candidates.length > 0 ? await unknownSkus(env, candidates) : []);
      const known = new Set(candidates.filter((s) => !unknown.has(s)));
      return mapLines(kind, lines, idx, known);
    },

    async reserve(orderId, lines): Promise<ReserveOutcome> {
      const request = ReservationRequest.parse({ channel, lines, ttlSeconds: CART_TTL_SECONDS });
      let input: Awaited<ReturnType<typeof prepareReservation>>;
      try {
        input = await prepareReservation(env, principal, request, `order:${orderId}`);
      } catch (e) {
        if (e instanceof Failure) return { kind: 'failed', error: e.error };
        throw e;
      }
      const stub = checkout(env, input.reservationId);
      const reserved = await stub.reserve(input);
      if (!reserved.ok) {
        if (reserved.error.code === 'insufficient_stock') {
          return {
            kind: 'oversold',
            reservationId: input.reservationId,
            shortfall: shortfallOf(reserved.error),
          };
        }
        if (reserved.error.code === 'overloaded') throw new Retry(reserved.error.message);
        return { kind: 'failed', error: reserved.error };
      }
      const committed = await stub.commit({
        actor,
        channels: [channel],
        ref: orderId.slice(0, 128),
      });
      if (!committed.ok) {
        if (committed.error.code === 'overloaded') throw new Retry(committed.error.message);
        return { kind: 'failed', error: committed.error };
      }
      return {
        kind: 'committed',
        reservationId: input.reservationId,
        holds: holdsOf(committed.value),
      };
    },

    async expectSold(orderId, lines) {
      await tellSync(channel, 'expectation', orderId, () =>
        channelSync(env, channel).expectSold({ orderId, lines }),
      );
    },

    async expectRestocked(orderId, lines) {
      await tellSync(channel, 'restock', orderId, () =>
        channelSync(env, channel).expectRestocked({ orderId, lines }),
      );
    },

    async holdState(hold): Promise<HoldState> {
      const view = await skuStock(env, hold.sku).getHold(hold.holdId);
      if (!view.ok) return 'other';
      return view.value.status === 'committed'
        ? 'committed'
        : view.value.status === 'shipped'
          ? 'shipped'
          : 'other';
    },

    async cancel(hold, key) {
      const out = await skuStock(env, hold.sku).apply(
        { op: 'cancel', holdId: hold.holdId, reason: 'marketplace_cancelled' },
        { actor, key: `${channel}:${key}` },
      );
      return out.ok ? null : out.error;
    },

    async restock(hold, quantity, key) {
      const out = await skuStock(env, hold.sku).apply(
        {
          op: 'return',
          location: hold.location,
          quantity,
          disposition: 'restock',
          holdId: hold.holdId,
          reason: 'marketplace_refund',
        },
        { actor, key: `${channel}:${key}` },
      );
      return out.ok ? null : out.error;
    },
  };
};

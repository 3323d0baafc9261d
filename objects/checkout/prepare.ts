import type { Principal } from '../../protocol/auth';
import { Failure } from '../../protocol/errors';
import {
  MAX_CART_ITEMS,
  MAX_CART_LINES,
  type ReservationRequest,
} from '../../protocol/reservations';
import { MAX_QUANTITY } from '../../protocol/stock';
import { sha256Hex } from '../../shared/auth/api-key';
import { canActForChannel } from '../../shared/auth/can-act';
import { getChannel, getLocations, refreshAfterMiss } from '../../shared/catalog/cache';
import { getKits } from '../../shared/catalog/kits';
import { unknownSkus } from '../../shared/catalog/known-skus';
import { orderLocations, type Site } from './geo';
import type { CartItem, ReserveInput } from './input';

/** Channels the principal may act on reservations for: null means every channel (admin). */
export const reservationScope = (p: Principal, write: boolean): string[] | null => {
  if (p.role === 'admin' || (!write && p.role === 'viewer')) return null;
  if (p.role === 'storefront' || p.role === 'connector') return p.channels;
  throw new Failure({
    code: 'forbidden',
    message: `Key ${p.keyId} (${p.role}) cannot ${write ? 'change' : 'read'} reservations`,
    details: { role: p.role },
  });
};

/** too_many_lines, checked before the lines are parsed one by one. */
export const checkLineCount = (count: number, what = 'lines'): void => {
  const max = what === 'lines' ? MAX_CART_LINES : MAX_CART_ITEMS;
  if (count <= max) return;
  throw new Failure({
    code: 'too_many_lines',
    message: `A cart may have at most ${max} ${what}; this one has ${count}`,
    details: { max, count },
  });
};

/**
 * The reservation id: derived from the channel and the idempotency key, so a retried request
 * reaches the same Checkout object (and its first answer); random without a key.
 */
export const reservationIdFor = async (channel: string, key: string | undefined) =>
  key === undefined
    ? `r_${crypto.randomUUID().replaceAll('-', '')}`
    : `r_${(await sha256Hex(`${channel}\n${key}`)).slice(0, 32)}`;

const duplicates = (request: ReservationRequest): void => {
  const seen = new Map<string, number>();
  request.lines.forEach((l, i) => {
    const first = seen.get(l.sku);
    if (first !== undefined) {
      throw new Failure({
        code: 'validation_failed',
        message: `SKU ${l.sku} is on lines ${first} and ${i}: one line per SKU, with the total quantity`,
        details: { sku: l.sku, lines: [first, i] },
      });
    }
    seen.set(l.sku, i);
  });
};

/** unknown_sku naming every line whose SKU the catalog does not have; one lookup per cart. */
const knownSkus = async (env: Env, request: ReservationRequest): Promise<void> => {
  const unknown = new Set(
    await unknownSkus(
      env,
      request.lines.map((l) => l.sku),
    ),
  );
  if (unknown.size === 0) return;
  const lines = request.lines.flatMap((l, line) =>
    unknown.has(l.sku) ? [{ line, sku: l.sku, component: null }] : [],
  );
  const named = lines.map((l) => `line ${l.line} SKU ${l.sku}`).join(', ');
  throw new Failure({
    code: 'unknown_sku',
    message: `Nothing held: not in the catalog: ${named}`,
    details: { lines },
  });
};

/** Replaces each kit line by its components (line quantity × component quantity). */
const expandKits = async (env: Env, request: ReservationRequest): Promise<CartItem[]> => {
  const kits = await getKits(env);
  const items = request.lines.flatMap((l, line): CartItem[] => {
    const components = kits.get(l.sku);
    if (!components) return [{ line, sku: l.sku, quantity: l.quantity, kit: null }];
    return components.map((c) => ({
      line,
      sku: c.sku,
      quantity: l.quantity * c.quantity,
      kit: l.sku,
    }));
  });
  checkLineCount(items.length, 'SKU holds once kits are expanded');
  const over = items.find((i) => i.quantity > MAX_QUANTITY);
  if (over) {
    throw new Failure({
      code: 'validation_failed',
      message: `Line ${over.line}: kit ${over.kit} needs ${over.quantity} of ${over.sku}, over the limit of ${MAX_QUANTITY}`,
      details: { line: over.line },
    });
  }
  return items;
};

/**
 * Checks a cart against the caller's scope and the catalog, and turns it into what the Checkout
 * object runs: kits expanded, the channel's locations ordered by its routing policy.
 */
export const prepareReservation = async (
  env: Env,
  principal: Principal,
  request: ReservationRequest,
  key: string | undefined,
): Promise<ReserveInput> => {
  const scope = reservationScope(principal, true);
  if (scope !== null && !canActForChannel(principal, request.channel)) {
    throw new Failure({
      code: 'forbidden',
      message: `Key ${principal.keyId} (${principal.role}) may not reserve for channel ${request.channel}`,
      details: { channel: request.channel },
    });
  }
  checkLineCount(request.lines.length);
  duplicates(request);
  await knownSkus(env, request);
  let channel = await getChannel(env, request.channel);
  if (!channel && (await refreshAfterMiss(env, 'channels'))) {
    channel = await getChannel(env, request.channel);
  }
  if (!channel) {
    throw new Failure({
      code: 'unknown_channel',
      message: `Unknown channel ${request.channel}`,
      details: { channel: request.channel },
    });
  }
  const items = await expandKits(env, request);
  const known = await getLocations(env);
  const sites = channel.locations.flatMap((code): Site[] => {
    const l = known.get(code);
    return l ? [{ code, country: l.country, latitude: l.latitude, longitude: l.longitude }] : [];
  });
  const shipTo = request.shipTo ?? null;
  const { candidates, basis } = orderLocations(sites, channel.routing, shipTo);
  const kitLines = new Set(items.flatMap((i) => (i.kit === null ? [] : [i.line])));
  return {
    reservationId: await reservationIdFor(channel.code, key),
    request: JSON.stringify(request),
    channel: { code: channel.code, routing: channel.routing, allowSplit: channel.allowSplit },
    candidates,
    basis,
    lines: request.lines.map((l, i) => ({ ...l, kit: kitLines.has(i) })),
    items,
    shipTo,
    ttlSeconds: request.ttlSeconds,
    actor: principal.keyId,
  };
};

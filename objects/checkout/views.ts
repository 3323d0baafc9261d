import type {
  Fulfilment,
  ReservationLine,
  ReservationView,
  RouteReason,
} from '../../protocol/reservations';
import type { Cart } from './cart';
import { effectiveStatus } from './saga';

const iso = (ms: number) => new Date(ms).toISOString();

const groupBy = <T, K>(values: readonly T[], key: (v: T) => K): Map<K, T[]> => {
  const groups = new Map<K, T[]>();
  for (const v of values) {
    const group = groups.get(key(v));
    if (group) group.push(v);
    else groups.set(key(v), [v]);
  }
  return groups;
};

// A kit line whose components went different ways reports the strongest reason.
const STRENGTH: Record<RouteReason, number> = { single_location: 0, fewest_shipments: 1, split: 2 };

/** The cart as the API shows it: status, every line and where it is held, and why. */
export const cartView = (cart: Cart, now: number, replayed = false): ReservationView => {
  const { input } = cart;
  const status = effectiveStatus(cart, now);
  // A failed cart holds nothing: its plan is history, its failure says why.
  const shown = status === 'failed' ? [] : cart.holds.filter((h) => h.state !== 'refused');
  // Indexed once: a cart may have 1,000 lines and as many holds.
  const itemsOf = groupBy(
    input.items.map((item, i) => [item.line, i] as const),
    ([line]) => line,
  );
  const holdsOf = groupBy(shown, (h) => h.item);
  const lines = input.lines.map((l, line): ReservationLine => {
    const items = (itemsOf.get(line) ?? []).map(([, i]) => i);
    const fulfilment: Fulfilment[] = items
      .flatMap((i) => holdsOf.get(i) ?? [])
      .map((h) => ({ sku: h.sku, quantity: h.quantity, location: h.location, holdId: h.holdId }));
    const routes = status === 'failed' ? [] : items.flatMap((i) => cart.routes[i] ?? []);
    const reason = routes.reduce<RouteReason | null>(
      (best, r) => (best === null || STRENGTH[r.reason] > STRENGTH[best] ? r.reason : best),
      null,
    );
    const note = l.kit
      ? routes.map((r, k) => `${input.items[items[k] ?? -1]?.sku}: ${r.note}`).join(' | ')
      : (routes[0]?.note ?? '');
    return { line, sku: l.sku, quantity: l.quantity, kit: l.kit, fulfilment, reason, note };
  });
  const shipments =
    status === 'failed'
      ? []
      : cart.shipments.map((location) => ({
          location,
          distanceKm: input.candidates.find((c) => c.location === location)?.distanceKm ?? null,
          lines: lines
            .filter((l) => l.fulfilment.some((f) => f.location === location))
            .map((l) => l.line),
        }));
  return {
    reservationId: input.reservationId,
    channel: input.channel.code,
    status,
    routing: input.channel.routing,
    shipTo: input.shipTo,
    ttlSeconds: input.ttlSeconds,
    expiresAt: status === 'held' && cart.expiresAt !== null ? iso(cart.expiresAt) : null,
    createdAt: iso(cart.createdAt),
    updatedAt: iso(cart.updatedAt),
    lines,
    shipments,
    failure: cart.failure,
    replayed,
  };
};

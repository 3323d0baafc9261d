import type { Principal } from '../../protocol/auth';
import { type AppError, err, type Result } from '../../protocol/errors';
import type { Command, HoldView, Op } from '../../protocol/stock';

/** Scope handed to SkuStock for what only it can check (a hold's channel, a transfer's destination). */
export type Scope = { channels: string[] | null; locations: string[] | null };

const WAREHOUSE_OPS: ReadonlySet<Op> = new Set<Op>([
  'receive',
  'expect',
  'adjust',
  'count',
  'mark-unavailable',
  'release-unavailable',
  'set-safety-stock',
  'return',
  'transfer-out',
  'transfer-in',
  'ship',
]);
/** The reservation lifecycle, for storefronts and for connectors posting marketplace orders. */
const CHANNEL_OPS: ReadonlySet<Op> = new Set<Op>(['hold', 'extend', 'release', 'commit', 'cancel']);

/** Locations a command names directly (a hold's eligible list excluded: the channel bounds it). */
export const namedLocations = (cmd: Command): string[] => {
  if ('location' in cmd) return [cmd.location];
  if (cmd.op === 'transfer-out') return [cmd.from, cmd.to];
  return [];
};

const forbidden = (p: Principal, message: string): Result<never> =>
  err('forbidden', `Key ${p.keyId} (${p.role}): ${message}`, { role: p.role });

/**
 * Decides whether the principal may send this command, and with what scope SkuStock must
 * check the parts only it knows (the roles table of docs/api.md).
 */
export const authorizeCommand = (p: Principal, cmd: Command): Result<Scope> => {
  switch (p.role) {
    case 'admin':
      return { ok: true, value: { channels: null, locations: null } };
    case 'warehouse': {
      if (!WAREHOUSE_OPS.has(cmd.op)) return forbidden(p, `a warehouse key cannot ${cmd.op}`);
      // A transfer is sent from a location of ours; where it goes is the receiver's business.
      const touched = cmd.op === 'transfer-out' ? [cmd.from] : namedLocations(cmd);
      const outside = touched.find((l) => !p.locations.includes(l));
      if (outside !== undefined) return forbidden(p, `not allowed at location ${outside}`);
      return { ok: true, value: { channels: null, locations: p.locations } };
    }
    case 'storefront':
    case 'connector': {
      if (!CHANNEL_OPS.has(cmd.op)) return forbidden(p, `a ${p.role} key cannot ${cmd.op}`);
      if (cmd.op === 'hold') {
        if (cmd.channel === undefined) return forbidden(p, 'a hold must name one of its channels');
        if (!p.channels.includes(cmd.channel))
          return forbidden(p, `not allowed for channel ${cmd.channel}`);
      }
      return { ok: true, value: { channels: p.channels, locations: null } };
    }
    case 'viewer':
      return forbidden(p, 'a viewer key cannot change stock');
  }
};

export type { AppError };

/**
 * Whether the principal may read this hold: an admin or viewer any hold, a storefront or
 * connector key the holds of its channels, a warehouse key those with units at its locations
 * (it ships by hold id). The same lines its commands on a hold are held to.
 */
export const mayReadHold = (p: Principal, hold: Pick<HoldView, 'channel' | 'allocations'>) => {
  switch (p.role) {
    case 'admin':
    case 'viewer':
      return true;
    case 'storefront':
    case 'connector':
      return hold.channel !== null && p.channels.includes(hold.channel);
    case 'warehouse':
      return hold.allocations.some((a) => p.locations.includes(a.location));
  }
};

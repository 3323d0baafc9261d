import type { SkuSyncDetail } from '../../protocol/connections';
import type { SyncItem } from './item';

// GET /v1/channels/{code}/sync/skus/{sku}: one SKU's sync, as the ChannelSync object knows it,
// beside what the channel lists now.

/** What the ChannelSync object holds for one SKU. */
export type SkuSyncState = {
  /** Undefined until the sync has read the SKU from its hub. */
  item: SyncItem | undefined;
  inFlight: 'push' | 'bulk' | null;
  mapping: SkuSyncDetail['mapping'];
  /** The channel is degraded: what it pushed counts as exposed. */
  degraded?: boolean;
};

const iso = (ms: number) => new Date(ms).toISOString();

export const skuSyncView = (
  channel: string,
  sku: string,
  state: SkuSyncState,
  listed: SkuSyncDetail['listed'],
  /** Units other degraded channels expose, taken off `listed` (the SKU's hub says). */
  exposedByOthers = 0,
): SkuSyncDetail => {
  const { item } = state;
  const pushed = item?.pushed ?? null;
  const refused = item?.rejected ?? null;
  const rejected = refused !== null && refused.quantity === listed.quantity ? refused : null;
  return {
    channel,
    sku,
    listed,
    synced: item === undefined ? null : { listed: item.listed, changedAt: iso(item.changedAt) },
    pushed:
      pushed === null
        ? null
        : { quantity: pushed, at: item?.pushedAt == null ? null : iso(item.pushedAt) },
    pending: pushed !== listed.quantity && rejected === null,
    exposure: {
      own: state.degraded === true ? Math.max(0, pushed ?? 0) : 0,
      others: exposedByOthers,
    },
    inFlight: state.inFlight,
    rejected: rejected === null ? null : { ...rejected, at: iso(rejected.at) },
    lastError: item?.error == null ? null : { ...item.error, at: iso(item.error.at) },
    mapping: state.mapping,
  };
};

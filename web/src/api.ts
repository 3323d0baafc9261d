import type { z } from 'zod';
import { createCall, StockmeshError } from '../../client';
import { ChannelList, LocationList, SkuPage } from '../../protocol/catalog';
import { SkuSyncDetail, SyncStatus } from '../../protocol/connections';
import { SignalPage } from '../../protocol/webhooks';

// Catalog reads the typed client does not have yet (it covers stock and the stream): SKUs,
// locations and channels, and each channel's sync to its marketplace (docs/connectors.md),
// parsed with the same protocol schemas.

const PAGE = 1000;

const notConnectedAsNull = <T>(read: Promise<T>): Promise<T | null> =>
  read.catch((error: unknown) => {
    if (error instanceof StockmeshError && error.error.code === 'not_connected') return null;
    throw error;
  });

export const catalogApi = (baseUrl: string, apiKey: string) => {
  const call = createCall(baseUrl, apiKey, (request) => fetch(request));
  const get = <T extends z.ZodType>(schema: T, path: string) => call(schema, 'GET', path);
  return {
    /** Every SKU of the catalog, a page of 1,000 at a time; `progress` gets the count so far. */
    skus: async (progress: (loaded: number) => void) => {
      const items: z.output<typeof SkuPage>['items'] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const page: z.output<typeof SkuPage> = await get(SkuPage, `/v1/skus?limit=${PAGE}${query}`);
        items.push(...page.items);
        progress(items.length);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return items;
    },
    locations: async () => (await get(LocationList, '/v1/locations')).items,
    channels: async () => (await get(ChannelList, '/v1/channels')).items,
    /** The newest stock signals (docs/signals.md), newest first. */
    signals: async () => (await get(SignalPage, '/v1/signals?limit=50')).items,
    /** The channel's sync status; null when it has no connection. */
    syncStatus: (channel: string) =>
      notConnectedAsNull(get(SyncStatus, `/v1/channels/${encodeURIComponent(channel)}/sync`)),
    /** One SKU's sync on the channel; null when the channel has no connection. */
    skuSync: (channel: string, sku: string) =>
      notConnectedAsNull(
        get(
          SkuSyncDetail,
          `/v1/channels/${encodeURIComponent(channel)}/sync/skus/${encodeURIComponent(sku)}`,
        ),
      ),
  };
};
export type CatalogApi = ReturnType<typeof catalogApi>;

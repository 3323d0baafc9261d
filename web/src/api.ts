import type { z } from 'zod';
import { StockmeshError } from '../../client';
import { ChannelList, LocationList, SkuPage } from '../../protocol/catalog';
import { ErrorEnvelope } from '../../protocol/errors';

// Catalog reads the typed client does not have yet (it covers stock and the stream): SKUs,
// locations and channels, parsed with the same protocol schemas.

const PAGE = 1000;

export const catalogApi = (baseUrl: string, apiKey: string) => {
  const get = async <T extends z.ZodType>(schema: T, path: string): Promise<z.output<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const envelope = ErrorEnvelope.safeParse(json);
      throw new StockmeshError(
        envelope.success
          ? envelope.data.error
          : { code: 'internal', message: `GET ${path}: HTTP ${res.status}` },
        res.status,
      );
    }
    return schema.parse(json);
  };
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
  };
};
export type CatalogApi = ReturnType<typeof catalogApi>;

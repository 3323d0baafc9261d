import type { z } from 'zod';
import {
  ApiKey,
  ChannelList,
  type KeyCreate,
  KeyCreated,
  KeyList,
  LocationList,
  SkuImportResult,
} from '../protocol/catalog';
import { MappingImportResult, SyncStatus } from '../protocol/connections';
import { ReconcileReport } from '../protocol/ledger';
import type { Call } from './call';

/** How an import's text is written: CSV with a header row, or one JSON object a line. */
export type ImportFormat = 'csv' | 'ndjson';
const contentType = { csv: 'text/csv', ndjson: 'application/x-ndjson' } as const;

/** The operator's routes: catalog imports, keys, channels and their sync, reconciliation. */
export const adminClient = (call: Call) => {
  const channel = (code: string) => `/v1/channels/${encodeURIComponent(code)}`;
  return {
    /** Creates or updates SKUs, all or nothing (validation_failed lists every bad line). Admin. */
    importSkus: (text: string, format: ImportFormat = 'csv') =>
      call(SkuImportResult, 'POST', '/v1/skus/import', {
        raw: text,
        contentType: contentType[format],
      }),
    /** Maps SKUs to the channel's marketplace items, all or nothing. Admin. */
    importMappings: (code: string, text: string, format: ImportFormat = 'csv') =>
      call(MappingImportResult, 'POST', `${channel(code)}/mappings/import`, {
        raw: text,
        contentType: contentType[format],
      }),
    locations: () => call(LocationList, 'GET', '/v1/locations'),
    channels: () => call(ChannelList, 'GET', '/v1/channels'),
    /** How the channel's sync to its marketplace stands (not_connected without a connection). */
    channelSync: (code: string) => call(SyncStatus, 'GET', `${channel(code)}/sync`),
    /**
     * Folds the ledger and compares it with the live counters: lag apart from drift. Admin.
     * Given SKUs, only those; otherwise one page of the catalog (`after`, `limit`): follow the
     * report's `next` as `after` until it is null.
     */
    reconcile: (scope: string[] | { after?: string; limit?: number } = {}) =>
      call(
        ReconcileReport,
        'POST',
        '/v1/admin/reconcile',
        Array.isArray(scope) ? { skus: scope } : scope,
      ),
    /** A new API key: its secret is in this answer only. Admin. */
    createKey: (body: z.input<typeof KeyCreate>) => call(KeyCreated, 'POST', '/v1/keys', body),
    keys: () => call(KeyList, 'GET', '/v1/keys'),
    revokeKey: (id: string) => call(ApiKey, 'DELETE', `/v1/keys/${encodeURIComponent(id)}`),
  };
};
export type AdminClient = ReturnType<typeof adminClient>;

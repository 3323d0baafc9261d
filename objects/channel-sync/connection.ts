import { z } from 'zod';
import type { Connection, ConnectionKind, ConnectionState } from '../../protocol/connections';
import type { SyncHealth } from './health';
import type { ConnectionRow } from './store';

// The connection as stored and as the admin API shows it: never the credentials, only which
// fields are set and when they changed.

const iso = (ms: number) => new Date(ms).toISOString();

/** The top-level fields of a credentials object, sorted: what the admin API may show of them. */
export const credentialFields = (credentials: unknown): string[] =>
  typeof credentials === 'object' && credentials !== null && !Array.isArray(credentials)
    ? Object.keys(credentials).sort()
    : [];

/**
 * Does a replacement point at another marketplace (another kind or other settings)? Then what was
 * pushed to the old one means nothing to the new one, and the sync starts over.
 */
export const startsOver = (
  old: Pick<ConnectionRow, 'kind' | 'settings'> | undefined,
  kind: string,
  settings: unknown,
): boolean => old !== undefined && (old.kind !== kind || old.settings !== JSON.stringify(settings));

/** A shallow merge: fields given replace the stored ones, the others stay. */
export const mergeSettings = (stored: unknown, patch: Record<string, unknown>): unknown =>
  typeof stored === 'object' && stored !== null ? { ...stored, ...patch } : patch;

/** The state the admin API reports: paused by an admin, else failing or active by the sync's health. */
export const stateOf = (row: Pick<ConnectionRow, 'state'>, health: SyncHealth): ConnectionState =>
  row.state === 'paused' ? 'paused' : health.failing ? 'failing' : 'active';

const asObject = (json: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(json);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
};

export const connectionView = (
  channel: string,
  kind: ConnectionKind,
  row: ConnectionRow,
  health: SyncHealth,
): Connection => ({
  channel,
  kind,
  state: stateOf(row, health),
  settings: asObject(row.settings),
  credentials: {
    fields: z.array(z.string()).parse(JSON.parse(row.credentialFields)),
    changedAt: iso(row.credentialsChangedAt),
  },
  lastError:
    health.lastError === null ? null : { ...health.lastError, at: iso(health.lastError.at) },
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

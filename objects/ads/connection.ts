import { z } from 'zod';
import { type AdsConnection, AdsKind, type AdsRules, AdsState } from '../../protocol/ads';
import type { Health } from './pusher';
import type { ConnectionRow } from './store';

// The ads connection as stored and as the admin API shows it: never the credentials, only which
// fields are set and when they changed.

const iso = (ms: number) => new Date(ms).toISOString();

const asObject = (json: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(json);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
};

export const credentialFields = (credentials: unknown): string[] =>
  typeof credentials === 'object' && credentials !== null && !Array.isArray(credentials)
    ? Object.keys(credentials).sort()
    : [];

const StoredRules = z.object({
  pauseAtListed: z.number(),
  pauseUnderCoverDays: z.number().nullable(),
  resumeAtListed: z.number(),
  resumeCoverMarginDays: z.number(),
});

export const rulesOf = (row: Pick<ConnectionRow, 'rules'>): AdsRules =>
  StoredRules.parse(JSON.parse(row.rules));

export const stateOf = (row: Pick<ConnectionRow, 'state'>, health: Health) =>
  AdsState.parse(row.state === 'paused' ? 'paused' : health.failing ? 'failing' : 'active');

export const connectionView = (
  name: string,
  row: ConnectionRow,
  health: Health,
): AdsConnection => ({
  name,
  kind: AdsKind.parse(row.kind),
  channel: row.channel,
  state: stateOf(row, health),
  rules: rulesOf(row),
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

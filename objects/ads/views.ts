import { z } from 'zod';
import { ActionReason, ActionStatus, type AdsAction, type AdsMapping } from '../../protocol/ads';
import type { ActionRow, MappingRow } from './store';

// Stored rows as the admin API shows them.

const iso = (ms: number) => new Date(ms).toISOString();
const JsonObject = z.record(z.string(), z.unknown());

export const mappingView = (sku: string, rows: readonly MappingRow[]): AdsMapping => ({
  sku,
  entities: rows.map((r) => ({
    entity: r.entity,
    external: JsonObject.catch({}).parse(JSON.parse(r.external)),
  })),
  updatedAt: iso(Math.max(0, ...rows.map((r) => r.updatedAt))),
});

export const actionView = (r: ActionRow): AdsAction => ({
  id: r.id,
  entity: r.entity,
  action: r.action === 'pause' ? 'pause' : 'resume',
  status: ActionStatus.parse(r.status),
  reason: ActionReason.parse(JSON.parse(r.reason)),
  attempts: r.attempts,
  error: r.error,
  createdAt: iso(r.createdAt),
  doneAt: r.doneAt === null ? null : iso(r.doneAt),
});

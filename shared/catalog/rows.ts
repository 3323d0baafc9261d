import { z } from 'zod';
import type { apiKeys, channels, locations, skus } from '../../db/schema';
import {
  type ApiKey,
  Attributes,
  type Channel,
  ChannelCode,
  type Location,
  LocationCode,
  type Sku,
} from '../../protocol/catalog';

// D1 rows become API values here; JSON columns are parsed, never cast.

const LocationCodes = z.array(LocationCode);
const ChannelCodes = z.array(ChannelCode);

export const toSku = (row: typeof skus.$inferSelect): Sku => ({
  ...row,
  attributes: Attributes.parse(row.attributes),
});

export const toLocation = (row: typeof locations.$inferSelect): Location => row;

export const toChannel = (row: typeof channels.$inferSelect): Channel => ({
  ...row,
  locations: LocationCodes.parse(row.locations),
});

export const toApiKey = (row: typeof apiKeys.$inferSelect): ApiKey => ({
  id: row.id,
  name: row.name,
  role: row.role,
  channels: ChannelCodes.parse(row.channels),
  locations: LocationCodes.parse(row.locations),
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
  lastUsedAt: row.lastUsedAt,
});

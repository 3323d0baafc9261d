import { z } from 'zod';
import { InboundKind } from '../../protocol/orders';

// The channel's inbound configuration as stored (KV): the secrets sealed with the channel's key
// (channel-sync/crypto.ts), never returned.

export const StoredConfig = z.object({
  channel: z.string(),
  kind: InboundKind,
  sealedSecret: z.string(),
  poll: z
    .object({
      sellerId: z.string(),
      marketplaceIds: z.array(z.string()),
      region: z.enum(['na', 'eu', 'fe']),
      baseUrl: z.string().optional(),
      lwaUrl: z.string().optional(),
      intervalSeconds: z.number().int(),
      /** Orders younger than this are left to their notifications (docs/orders.md). */
      graceSeconds: z.number().int().default(30),
      sealedCredentials: z.string(),
      since: z.number(),
      lastPollAt: z.number().nullable(),
    })
    .nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type StoredConfig = z.infer<typeof StoredConfig>;

export const PollCredentials = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  refreshToken: z.string(),
});
export type PollCredentials = z.infer<typeof PollCredentials>;

/** The public path a kind's marketplace sends to. */
export const inboundPath = (channel: string, kind: z.infer<typeof InboundKind>): string =>
  `/v1/inbound/${channel}/${kind}`;

import { z } from 'zod';
import type { BulkStep, HttpRequest, PushItem } from './adapter';

// Attempts as they are stored before anything is sent: a crash resends the same attempt (same
// id, so the same idempotency keys), and never a new one for what may already be applied.

const StoredPushItem = z.object({
  sku: z.string(),
  external: z.unknown(),
  quantity: z.number().int(),
  pushed: z.number().int().nullable(),
});

/** One per-item push: at most the adapter's `maxBatch` items. */
export const PushAttempt = z.object({
  id: z.string(),
  items: z.array(StoredPushItem),
  /** The `now` the requests were built with: a resend builds the same requests. */
  createdAt: z.number(),
  /** Times it is or was sent: more than one after a crash or an answer that settled nothing. */
  sends: z.number().int().min(1),
});
export type PushAttempt = z.infer<typeof PushAttempt>;

const Request = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional(),
});

/** The step a bulk job waits to send (the adapter's state machine, stored without secrets). */
const PendingStep = z.object({
  state: z.unknown(),
  request: Request,
  notBefore: z.number().nullable(),
  refreshToken: z.boolean().optional(),
});

/** A bulk job in flight. */
export const BulkJob = z.object({
  id: z.string(),
  items: z.array(StoredPushItem),
  createdAt: z.number(),
  step: PendingStep,
  /** SKUs of the job pushed per item meanwhile: which value lands last is unknown. */
  overridden: z.array(z.string()),
});
export type BulkJob = z.infer<typeof BulkJob>;

/** The stored form of a `send` step. */
export const pendingStep = (step: Extract<BulkStep, { kind: 'send' }>): BulkJob['step'] => ({
  state: step.state,
  request: step.request satisfies HttpRequest,
  notBefore: step.notBefore,
  ...(step.refreshToken === undefined ? {} : { refreshToken: step.refreshToken }),
});

/** The items of each request an adapter built: one request carries them all, else `maxBatch` each. */
export const itemsPerRequest = (
  items: PushItem[],
  requests: number,
  maxBatch: number,
): PushItem[][] => {
  if (requests <= 1) return [items];
  const out: PushItem[][] = [];
  for (let i = 0; i < items.length; i += maxBatch) out.push(items.slice(i, i + maxBatch));
  return out;
};

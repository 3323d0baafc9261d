import { z } from 'zod';
import { ThresholdsView } from './thresholds';

// How a location's threshold change reaches every SKU's object: a page at a time, in the
// background (docs/signals.md).

export const ThresholdsRollout = z.object({
  /** SKUs in the catalog when the rollout started. */
  skus: z.number().int(),
  /** SKUs whose objects have the new thresholds so far. */
  pushed: z.number().int(),
  /** SKUs pushed per step. */
  pageSize: z.number().int(),
  startedAt: z.string(),
  /** When every SKU had them; null while under way. */
  finishedAt: z.string().nullable(),
  /** Why the last step failed (it is retried), or null. */
  lastError: z.string().nullable(),
});
export type ThresholdsRollout = z.infer<typeof ThresholdsRollout>;

/** A location's thresholds, with the last rollout of location thresholds to the SKUs' objects. */
export const LocationThresholdsView = ThresholdsView.extend({
  rollout: ThresholdsRollout.nullable(),
});
export type LocationThresholdsView = z.infer<typeof LocationThresholdsView>;

import { z } from 'zod';

// Thresholds of the stock signals (docs/signals.md): overrides per SKU, per location and per
// channel; a field left out inherits (SKU over location over the defaults).

/** Overrides for SKU × location signals; every field optional, ranges checked. */
export const ThresholdsInput = z.strictObject({
  /** Low when days of cover fall under this; null turns cover off. */
  lowCoverDays: z.number().min(0.1).max(365).nullable().optional(),
  /** Low when available is at or under this; null turns it off. */
  reorderPoint: z.number().int().min(0).max(1_000_000).nullable().optional(),
  /** Leaving low needs the thresholds cleared by this fraction. */
  band: z.number().min(0).max(2).optional(),
  /** Back in stock from this many available units. */
  backInStock: z.number().int().min(1).max(1_000_000).optional(),
});
export type ThresholdsInput = z.infer<typeof ThresholdsInput>;

/**
 * Channel overrides: a channel is out at listed 0, back at `backInStock` listed units, and low
 * when listed units cover fewer than `lowCoverDays` days of its locations' demand.
 */
export const ChannelThresholdsInput = z.strictObject({
  lowCoverDays: ThresholdsInput.shape.lowCoverDays,
  band: ThresholdsInput.shape.band,
  backInStock: z.number().int().min(1).max(1_000_000).optional(),
});
export type ChannelThresholdsInput = z.infer<typeof ChannelThresholdsInput>;

export const EffectiveThresholds = z.object({
  lowCoverDays: z.number().nullable(),
  reorderPoint: z.number().nullable(),
  band: z.number(),
  backInStock: z.number(),
});

/** What a SkuStock object holds to judge its locations: its own overrides and each location's. */
export const StockThresholds = z.object({
  sku: ThresholdsInput,
  locations: z.record(z.string(), ThresholdsInput),
});
export type StockThresholds = z.infer<typeof StockThresholds>;

/** A stored set of overrides and what it comes to over the defaults. */
export const ThresholdsView = z.object({
  /** The SKU, location or channel code. */
  code: z.string(),
  thresholds: ThresholdsInput,
  /** The overrides over the defaults (for a SKU: before any location's own overrides). */
  effective: EffectiveThresholds,
  updatedAt: z.string().nullable(),
});
export type ThresholdsView = z.infer<typeof ThresholdsView>;

export const ChannelThresholdsView = z.object({
  code: z.string(),
  thresholds: ChannelThresholdsInput,
  effective: z.object({
    lowCoverDays: z.number().nullable(),
    band: z.number(),
    backInStock: z.number(),
  }),
  updatedAt: z.string().nullable(),
});
export type ChannelThresholdsView = z.infer<typeof ChannelThresholdsView>;

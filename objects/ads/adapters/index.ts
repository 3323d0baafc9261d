import type { AdsKind } from '../../../protocol/ads';
import type { AnyAdsAdapter } from '../adapter';
import { googleAds } from './google-ads';
import { merchant } from './merchant';
import { meta } from './meta';

// Every built-in ads adapter by kind. A new ads API adds its module here, a simulator in
// simulators/ads/, and a fixture in the ads contract suite (docs/ads.md#adding-an-adapter).

export const adsAdapters = { google_ads: googleAds, merchant, meta } as const satisfies Record<
  AdsKind,
  AnyAdsAdapter
>;

/** The adapter of a kind, or null for a kind this build does not know. */
export function adsAdapterFor(kind: string): AnyAdsAdapter | null {
  return Object.hasOwn(adsAdapters, kind) ? adsAdapters[kind as AdsKind] : null;
}

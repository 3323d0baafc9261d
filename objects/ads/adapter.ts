import type { z } from 'zod';
import type { AdsTarget } from '../../protocol/ads';
import type { HttpRequest, HttpResponse, Throttle, TokenRefresh } from '../channel-sync/adapter';

// The one shape of every ads adapter (Google Ads, Merchant API, Meta, or your own), in the style
// of the marketplace adapters: pure, synchronous, never fetching or sleeping. The AdsSync object
// does the I/O, keeps the state and decides when to send. docs/ads.md explains the contract.

export type { HttpRequest, HttpResponse, Throttle, TokenRefresh };

/** One ad entity (campaign, ad group, ad set, offer) and the status to give it. */
export type AdsItem = {
  /** The stable key `entityOf` gave its mapping (a resource name, an ad set id). */
  entity: string;
  /** Its mapping, as the adapter's `Mapping` schema outputs it. */
  external: unknown;
  target: AdsTarget;
};

export type AdsOutcome =
  | { entity: string; status: 'applied' }
  /** Refused for good (unknown entity, not allowed): logged, not sent again. */
  | { entity: string; status: 'rejected'; code: string; message: string }
  /** Not applied: send again later. */
  | { entity: string; status: 'retry'; message: string };

export type ParsedAds = {
  items: AdsOutcome[];
  throttle: Throttle;
  fatal?: { code: 'credentials_invalid' | 'settings_invalid'; message: string };
  /** The access token was refused as expired: refresh it, then resend. */
  refreshToken?: boolean;
};

export type AdsContext<S, C> = { settings: S; credentials: C; accessToken?: string; now: number };

export interface AdsAdapter<S extends z.ZodType, C extends z.ZodType, M extends z.ZodType> {
  readonly kind: string;
  readonly Settings: S;
  readonly Credentials: C;
  /** One entity a SKU maps to; a SKU may map to several, an entity may serve several SKUs. */
  readonly Mapping: M;
  /** The entity's stable key: the same for the same entity whichever SKU maps to it. */
  entityOf(mapping: z.output<M>, settings: z.output<S>): string;
  /** Items of one request share this key (Google Ads: one mutate per resource type). */
  groupOf(item: AdsItem, settings: z.output<S>): string;
  /** Most items one request may carry. */
  maxBatch(settings: z.output<S>): number;
  /** The request setting these items' status (one group, at most `maxBatch`). Absolute: a resend is harmless. */
  buildPush(items: AdsItem[], ctx: AdsContext<z.output<S>, z.output<C>>): HttpRequest;
  /** Reads the answer; never throws, whatever the body. */
  parsePush(items: AdsItem[], res: HttpResponse, now: number): ParsedAds;
  /** An OAuth access token to fetch before sending, when the API needs one. */
  token?(ctx: { settings: z.output<S>; credentials: z.output<C>; now: number }): TokenRefresh;
}

export type AnyAdsAdapter = AdsAdapter<z.ZodType, z.ZodType, z.ZodType>;

import type { z } from 'zod';

// The one shape every marketplace adapter has (Shopify, Amazon, webhook, or a brand's own).
// Adapters are pure: they build requests and parse responses; the ChannelSync object does the
// I/O, keeps the state, and decides when to send. docs/connectors.md explains the contract.

/** One SKU's quantity to make the marketplace show, and what it was last told. */
export type PushItem = {
  sku: string;
  /** The marketplace's ids for the item (mapping), as the adapter's `Mapping` schema parses them. */
  external: unknown;
  /** The listed quantity to set. */
  quantity: number;
  /** What the marketplace last accepted from us (null: never pushed, or unknown after a stale compare). */
  pushed: number | null;
};

/** An HTTP request as data: ChannelSync sends it with fetch, tests hand it to a simulator. */
export type HttpRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
};

export type HttpResponse = { status: number; headers: Record<string, string>; body: string };

/** What a push attempt achieved, per item, as the adapter reads the response. */
export type ItemOutcome =
  | { sku: string; status: 'accepted'; quantity: number }
  /** The marketplace holds another quantity than `pushed` (compare-and-set refused): re-read it. */
  | { sku: string; status: 'stale'; actual: number | null }
  /** The marketplace refused this item for good (unknown item id, invalid location): report it. */
  | { sku: string; status: 'rejected'; code: string; message: string }
  /** Not applied; send again later (throttled, 5xx, timeout). */
  | { sku: string; status: 'retry'; message: string };

/** The marketplace's rate-limit state after a response, in the adapter's own units. */
export type Throttle = {
  /** Earliest time (ms) the next request may go; null when it may go now. */
  notBefore: number | null;
  /** Free text for the status page: "Shopify bucket 812/2000, restoring 100/s". */
  describe: string;
  /** The bucket as the marketplace reported it, when it reports one (Shopify cost points). */
  bucket?: { available: number; capacity: number; restorePerSecond: number };
};

export type ParsedPush = {
  items: ItemOutcome[];
  throttle: Throttle;
  /** The whole request failed in a way the connection must surface: bad credentials, bad shop. */
  fatal?: {
    code: 'credentials_invalid' | 'settings_invalid' | 'marketplace_error';
    message: string;
  };
  /** The access token was refused as expired: fetch a new one (`token`) before the next request. */
  refreshToken?: boolean;
};

/** Credentials refreshed by the adapter (Amazon LWA access tokens); ChannelSync stores them encrypted. */
export type TokenRefresh = {
  request: HttpRequest;
  /** The new token, or why there is none (`retryable` false: the credentials themselves were refused). */
  parse: (res: HttpResponse) =>
    | { token: string; expiresAt: number }
    | {
        error: {
          code: 'credentials_invalid' | 'marketplace_error';
          message: string;
          retryable: boolean;
        };
      };
};

/**
 * What ChannelSync passes to every builder. `accessToken` is the token from `token` (Amazon LWA),
 * absent for adapters without one; `channel` is the channel code, for adapters that name it.
 */
export type BuildContext<S, C> = {
  settings: S;
  credentials: C;
  accessToken?: string;
  channel?: string;
};

/**
 * A marketplace adapter. `Settings`, `Credentials` and `Mapping` are zod schemas: everything from
 * outside (the admin API, stored JSON) is parsed with them before an adapter sees it.
 */
export interface Adapter<S extends z.ZodType, C extends z.ZodType, M extends z.ZodType> {
  readonly kind: string;
  readonly Settings: S;
  readonly Credentials: C;
  readonly Mapping: M;
  /** Most items one per-item push request may carry (Shopify 250, Amazon 1, webhook configurable). */
  maxBatch(settings: z.output<S>): number;
  /** The mapping a SKU gets when none was imported (same code as the seller SKU), or null if it needs one. */
  defaultMapping(sku: string, settings: z.output<S>): z.output<M> | null;
  /**
   * The requests that push these items (one per `maxBatch`, or one per item). `attempt` is a stable
   * id of this attempt: the adapter derives idempotency keys from it, so a resend after a crash is
   * the same request.
   */
  buildPush(
    items: PushItem[],
    ctx: BuildContext<z.output<S>, z.output<C>> & { attempt: string; now: number },
  ): HttpRequest[];
  /** Reads one push response (for the items of `buildPush`'s request at the same index). */
  parsePush(items: PushItem[], res: HttpResponse, now: number): ParsedPush;
  /**
   * A request that reads the marketplace's current quantities (after a stale compare), and its
   * parser: SKU → quantity, for the SKUs the marketplace knows (at most `maxBatch` items a read).
   */
  buildRead?(items: PushItem[], ctx: BuildContext<z.output<S>, z.output<C>>): HttpRequest;
  parseRead?(res: HttpResponse): Map<string, number>;
  /** An access token to fetch before pushing, when the marketplace needs one (Amazon LWA). */
  token?(ctx: { settings: z.output<S>; credentials: z.output<C>; now: number }): TokenRefresh;
  /** A request that checks settings and credentials without changing anything (the "test" action). */
  buildProbe(ctx: BuildContext<z.output<S>, z.output<C>>): HttpRequest;
  /** The bulk path, for a first sync or a rule change over thousands of SKUs. */
  bulk?: BulkPath<z.output<S>, z.output<C>>;
  /**
   * Stamps what a request needs at the moment it goes out: a fresh signature (webhook), the access
   * token or API key. ChannelSync passes every request (push, read, probe, bulk step) through it
   * when present, just before sending; it never changes what the request asks for. Bulk steps are
   * built and stored without secrets, so they rely on it.
   */
  authorize?(
    request: HttpRequest,
    ctx: BuildContext<z.output<S>, z.output<C>> & { now: number },
  ): Promise<HttpRequest>;
  parseProbe(res: HttpResponse): { ok: true } | { ok: false; code: string; message: string };
}

/**
 * A bulk job (Shopify bulk mutation with a staged JSONL upload; Amazon JSON_LISTINGS_FEED) as a
 * resumable state machine: ChannelSync stores `state` (JSON), sends `request` no earlier than
 * `notBefore`, and hands the response to `advance` until it returns outcomes. A crash resumes
 * from the stored state; every step is safe to send twice (polls, or uploads keyed by the job).
 */
export type BulkStep =
  | {
      kind: 'send';
      state: unknown;
      request: HttpRequest;
      notBefore: number | null;
      /** The access token was refused as expired: refresh it, then send `request` (re-authorized). */
      refreshToken?: boolean;
    }
  | { kind: 'done'; items: ItemOutcome[]; throttle: Throttle }
  | { kind: 'failed'; message: string; retryable: boolean };

export interface BulkPath<S, C> {
  /** Below this many items the per-item path is used (bulk has fixed overhead). */
  readonly minItems: number;
  /** Most items one job may carry (Amazon: 25,000 messages). */
  readonly maxItems: number;
  /** Jobs allowed per window (Amazon: 5 feeds per 5 minutes), so the object never asks for more. */
  readonly quota: { jobs: number; windowMs: number } | null;
  start(items: PushItem[], ctx: BuildContext<S, C> & { attempt: string; now: number }): BulkStep;
  advance(state: unknown, res: HttpResponse, ctx: BuildContext<S, C> & { now: number }): BulkStep;
}

/** Any adapter, for registries and the contract suite. */
export type AnyAdapter = Adapter<z.ZodType, z.ZodType, z.ZodType>;

// Bindings of the Worker (wrangler.toml) and the test-only ones (vitest.config.ts).
import type { AdsSync } from './objects/AdsSync';
import type { ChannelOrders } from './objects/ChannelOrders';
import type { ChannelSync } from './objects/ChannelSync';
import type { Checkout } from './objects/Checkout';
import type { SkuStock } from './objects/SkuStock';
import type { StreamHub } from './objects/StreamHub';
import type { Webhooks } from './objects/Webhooks';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('./workers/index');
    }
    interface Env {
      DB: D1Database;
      /** The stock wall (web/dist); absent in Workers that serve no assets (the bench Worker). */
      ASSETS?: Fetcher;
      SkuStock: DurableObjectNamespace<SkuStock>;
      Checkout: DurableObjectNamespace<Checkout>;
      StreamHub: DurableObjectNamespace<StreamHub>;
      ChannelSync: DurableObjectNamespace<ChannelSync>;
      Webhooks: DurableObjectNamespace<Webhooks>;
      AdsSync: DurableObjectNamespace<AdsSync>;
      ChannelOrders: DurableObjectNamespace<ChannelOrders>;
      STREAM_SHARDS: string;
      /** Messages a stream subscriber may leave unconfirmed before it is told to resync (default 1000). */
      STREAM_WINDOW?: string;
      /** Bootstrap admin key: a secret in production, a dev default in .dev.vars locally. */
      ADMIN_KEY?: string;
      /** Signs stream tickets (HKDF-derived); ADMIN_KEY serves when unset. A secret in production. */
      STREAM_TICKET_SECRET?: string;
      /**
       * Encrypts connector credentials (ChannelSync): a secret of 32 characters or more in
       * production, a dev value in .dev.vars locally. Without it connections cannot be made.
       */
      CONNECTOR_SECRET?: string;
      /** Requests per key (wrangler.toml [[ratelimits]]); absent: not limited (the bench Worker). */
      KEY_RATE_LIMIT?: RateLimit;
      /** Failed authentications per client address; absent: not limited. */
      AUTH_FAILURE_RATE_LIMIT?: RateLimit;
      /**
       * The marketplace simulators (simulators/), bound in tests and local runs only: when present,
       * connectors send every marketplace request through it (docs/connectors.md#simulators).
       */
      MARKETPLACES?: Fetcher;
      /** Test-only: D1 migrations read by vitest.config.ts. */
      TEST_MIGRATIONS?: { name: string; queries: string[] }[];
    }
  }
  type Env = Cloudflare.Env;
}

// Bindings of the Worker (wrangler.toml) and the test-only ones (vitest.config.ts).
import type { SkuStock } from './objects/SkuStock';

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('./workers/index');
    }
    interface Env {
      DB: D1Database;
      SkuStock: DurableObjectNamespace<SkuStock>;
      STREAM_SHARDS: string;
      /** Bootstrap admin key: a secret in production, a dev default in .dev.vars locally. */
      ADMIN_KEY?: string;
      /** Test-only: D1 migrations read by vitest.config.ts. */
      TEST_MIGRATIONS?: { name: string; queries: string[] }[];
    }
  }
  type Env = Cloudflare.Env;
}

import type { EmptyObject } from './EmptyObject';
import type { MemoryStock } from './MemoryStock';

/**
 * The real Worker's bindings plus the bench-only in-memory counter and empty object
 * (bench/wrangler.toml).
 */
export type BenchEnv = Env & {
  MemoryStock: DurableObjectNamespace<MemoryStock>;
  EmptyObject: DurableObjectNamespace<EmptyObject>;
};

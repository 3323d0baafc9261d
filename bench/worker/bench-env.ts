import type { MemoryStock } from './MemoryStock';

/** The real Worker's bindings plus the bench-only in-memory counter (bench/wrangler.toml). */
export type BenchEnv = Env & { MemoryStock: DurableObjectNamespace<MemoryStock> };

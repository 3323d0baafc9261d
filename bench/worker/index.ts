import worker from '../../workers/index';
import type { BenchEnv } from './bench-env';
import { benchRoutes } from './routes';

// Every Durable Object class of the real Worker, so its bindings work here too.
export * from '../../workers/index';
export { MemoryStock } from './MemoryStock';

/** The bench Worker: /bench/* here, everything else to the real Worker. Local use only. */
export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/bench/')) return benchRoutes.fetch(request, env, ctx);
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;

import worker from '../../workers/index';
import type { BenchEnv } from './bench-env';
import { countingEnabled, countingEnv, countWebSocketSends, countWorkerRequest } from './counting';
import { benchRoutes } from './routes';

// Every Durable Object class of the real Worker, so its bindings work here too: the real classes,
// hooked for the counts scenario only when this Worker was started to count (counted-objects.ts).
export {
  AdsSync,
  ChannelOrders,
  ChannelSync,
  Checkout,
  SkuStock,
  StreamHub,
  Webhooks,
} from './counted-objects';
export { EmptyObject } from './EmptyObject';
export { MemoryStock } from './MemoryStock';

/** The bench Worker: /bench/* here, everything else to the real Worker. Local use only. */
export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/bench/')) return benchRoutes.fetch(request, env, ctx);
    if (!countingEnabled(env)) return worker.fetch(request, env, ctx);
    countWebSocketSends();
    countWorkerRequest();
    return worker.fetch(request, countingEnv(env), ctx);
  },
} satisfies ExportedHandler<BenchEnv>;

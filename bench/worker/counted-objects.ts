import * as real from '../../workers/index';
import { countCall, countingEnabled, countingEnv, countStorage } from './counting';

// The real Worker's Durable Object classes, each hooked for the counts scenario (counting.ts)
// when the bench Worker was started with BENCH_COUNTS=on; otherwise exactly the real class. A
// subclass per class, since wrangler binds each class by its export name.

/** The object's storage hooked and its env counting, when this Worker counts. */
const counted = (ctx: DurableObjectState, env: Env, cls: string): Env => {
  if (!countingEnabled(env)) return env;
  countStorage(ctx, cls);
  return countingEnv(env);
};

export class SkuStock extends real.SkuStock {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'SkuStock'));
  }
  override alarm(): Promise<void> {
    countCall('SkuStock.alarm');
    return super.alarm();
  }
}

export class Checkout extends real.Checkout {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'Checkout'));
  }
  override alarm(): Promise<void> {
    countCall('Checkout.alarm');
    return super.alarm();
  }
}

export class StreamHub extends real.StreamHub {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'StreamHub'));
  }
  override alarm(): Promise<void> {
    countCall('StreamHub.alarm');
    return super.alarm();
  }
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    countCall('StreamHub.webSocketMessage');
    return super.webSocketMessage(ws, message);
  }
}

export class ChannelSync extends real.ChannelSync {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'ChannelSync'));
  }
  override alarm(): Promise<void> {
    countCall('ChannelSync.alarm');
    return super.alarm();
  }
}

export class ChannelOrders extends real.ChannelOrders {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'ChannelOrders'));
  }
  override alarm(): Promise<void> {
    countCall('ChannelOrders.alarm');
    return super.alarm();
  }
}

export class Webhooks extends real.Webhooks {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'Webhooks'));
  }
  override alarm(): Promise<void> {
    countCall('Webhooks.alarm');
    return super.alarm();
  }
}

export class AdsSync extends real.AdsSync {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, counted(ctx, env, 'AdsSync'));
  }
  override alarm(): Promise<void> {
    countCall('AdsSync.alarm');
    return super.alarm();
  }
}

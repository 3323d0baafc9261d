import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { CancelOrder, PlaceOrder } from './amazon/orders';
import { AmazonSeller } from './amazon/seller';
import {
  FaultsUpdate,
  type SimAccount,
  type SimRequest,
  type SimResponse,
} from './shared/sim-http';
import { PlaceOrder as PlaceShopifyOrder } from './shopify/orders';
import { PLANS, ShopifyShop } from './shopify/shop';
import { WebhookReceiver } from './webhook/receiver';

// One Durable Object per simulated account, so its limits (cost bucket, token buckets, feed quota)
// hold across requests. Thin shells: the logic lives in the pure simulators beside this file.
// State is in memory: a restarted simulator is a fresh sandbox.

export const ACCOUNT_HEADER = 'x-sim-account';

type SimEnv = {
  /**
   * Set by simulators/wrangler.toml (local runs): an alarm this often keeps each account in
   * memory, since workerd evicts an object idle for ~10 s and the account's state with it.
   * Unset in tests, whose accounts live only as long as a test.
   */
  KEEP_ALIVE_MS?: string;
};

async function toSim(request: Request): Promise<SimRequest> {
  return {
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    // Decoded by hand: workerd warns when .text() reads a form-encoded body (LWA).
    body:
      request.method === 'GET' || request.method === 'HEAD'
        ? ''
        : new TextDecoder().decode(await request.arrayBuffer()),
  };
}

async function toResponse(res: SimResponse): Promise<Response> {
  if (res.delayMs) await new Promise((resolve) => setTimeout(resolve, res.delayMs));
  return new Response(res.body === '' && res.status === 204 ? null : res.body, {
    status: res.status,
    headers: res.headers,
  });
}

abstract class AccountObject<S extends SimAccount> extends DurableObject<SimEnv> {
  private sim: S | undefined;
  protected abstract create(account: string, now: number): S;

  override async alarm(): Promise<void> {
    this.keepAlive();
  }

  private keepAlive(): void {
    const every = Number(this.env.KEEP_ALIVE_MS ?? 0);
    if (every > 0) void this.ctx.storage.setAlarm(Date.now() + every);
  }

  /** Admin actions every account has; subclasses add their own. */
  protected admin(sim: S, action: string, body: unknown, now: number): unknown {
    if (action === 'faults') return sim.setFaults(FaultsUpdate.parse(body ?? {}));
    if (action === 'listing') return sim.listing(now);
    return undefined;
  }

  override async fetch(request: Request): Promise<Response> {
    const now = Date.now();
    const account = request.headers.get(ACCOUNT_HEADER) ?? '_unknown';
    const url = new URL(request.url);
    const admin = /^\/_sim\/\w+\/(\w+)$/.exec(url.pathname);
    if (admin?.[1] === 'reset') this.sim = undefined;
    if (this.sim === undefined) this.keepAlive();
    this.sim ??= this.create(account, now);
    if (admin?.[1]) {
      const body = request.method === 'POST' ? await request.json().catch(() => ({})) : undefined;
      const out =
        admin[1] === 'reset' ? { reset: true } : await this.admin(this.sim, admin[1], body, now);
      return out === undefined
        ? Response.json({ error: `unknown action ${admin[1]}` }, { status: 404 })
        : Response.json(out);
    }
    return toResponse(await this.sim.handle(await toSim(request), now));
  }
}

export class ShopifyShopSim extends AccountObject<ShopifyShop> {
  protected create(account: string, now: number) {
    return new ShopifyShop(account, now);
  }
  protected override admin(sim: ShopifyShop, action: string, body: unknown, now: number) {
    if (action === 'plan') {
      const { plan } = z
        .object({ plan: z.enum(Object.keys(PLANS) as [keyof typeof PLANS]) })
        .parse(body);
      sim.setPlan(plan, now);
      return sim.listing(now);
    }
    if (action === 'webhooks') return sim.orders.configure(body);
    // An order placed, cancelled or refunded: the answer carries the signed webhook delivery,
    // also sent to the configured URL when the body says `deliver: true`.
    if (action === 'order' || action === 'cancel' || action === 'refund') {
      return this.orderEvent(sim, action, body, now);
    }
    return super.admin(sim, action, body, now);
  }

  private async orderEvent(sim: ShopifyShop, action: string, body: unknown, now: number) {
    const out =
      action === 'order'
        ? await sim.orders.place(body, now)
        : action === 'cancel'
          ? await sim.orders.cancel(body, now)
          : await sim.orders.refund(body, now);
    const id = 'id' in out && typeof out.id === 'number' ? out.id : undefined;
    if (action === 'order' && id !== undefined) {
      const levels: { item: string; location: string; n: number }[] = [];
      for (const l of PlaceShopifyOrder.parse(body).lines) {
        if (l.inventoryItemId !== undefined && l.locationId !== undefined) {
          sim.sells(l.inventoryItemId, l.locationId, l.quantity);
          levels.push({ item: l.inventoryItemId, location: l.locationId, n: l.quantity });
        }
      }
      sim.soldBy(id, levels);
    }
    // Shopify's orderCancel restocks when asked (`restock: true`), as merchants mostly do.
    const restock = z.object({ restock: z.boolean().default(true) }).parse(body ?? {}).restock;
    if (action === 'cancel' && id !== undefined && restock) sim.restocks(id);
    const deliver = z.object({ deliver: z.boolean().default(false) }).parse(body ?? {}).deliver;
    if (!('delivery' in out) || out.delivery === undefined || !deliver) return out;
    return { ...out, delivered: await sim.orders.send(out.delivery) };
  }
}

export class AmazonSellerSim extends AccountObject<AmazonSeller> {
  protected create(account: string, now: number) {
    return new AmazonSeller(account, now);
  }
  protected override admin(sim: AmazonSeller, action: string, body: unknown, now: number) {
    // An order placed or cancelled: the answer carries its ORDER_CHANGE notification to send on.
    if (action === 'order') return sim.placeOrder(PlaceOrder.parse(body), now);
    if (action === 'cancel') return sim.cancelOrder(CancelOrder.parse(body ?? {}), now);
    return super.admin(sim, action, body, now);
  }
}

export class WebhookReceiverSim extends AccountObject<WebhookReceiver> {
  protected create(account: string) {
    return new WebhookReceiver(account);
  }
  protected override admin(sim: WebhookReceiver, action: string, body: unknown, now: number) {
    if (action === 'config') {
      sim.secret = z.object({ secret: z.string().startsWith('whsec_') }).parse(body).secret;
      return { receiver: sim.receiver, configured: true };
    }
    return super.admin(sim, action, body, now);
  }
}

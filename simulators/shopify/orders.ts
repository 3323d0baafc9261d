import { z } from 'zod';

// The simulated shop's orders: placed, cancelled and refunded through the admin API, each told as
// the webhook Shopify sends (orders/create, orders/cancelled, refunds/create) with its
// X-Shopify-* headers and X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256 of the body with the app's
// client secret. The delivery is returned to the caller, and sent to the subscription's URL when
// asked (a local run; tests post it themselves).

export const WebhookConfig = z.object({ url: z.url().optional(), secret: z.string().min(16) });
export const PlaceOrder = z.object({
  id: z.number().int().positive().optional(),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1),
        quantity: z.number().int().min(1),
        /** The item and location the sale comes off (as Shopify decrements its own count); none: no level moves. */
        inventoryItemId: z.string().optional(),
        locationId: z.string().optional(),
      }),
    )
    .min(1),
  deliver: z.boolean().default(false),
});
export const CancelOrder = z.object({
  id: z.number().int().positive(),
  deliver: z.boolean().default(false),
});
export const RefundOrder = z.object({
  id: z.number().int().positive(),
  lines: z.array(
    z.object({
      sku: z.string().min(1),
      quantity: z.number().int().min(1),
      restockType: z.enum(['no_restock', 'cancel', 'return', 'legacy_restock']).default('cancel'),
    }),
  ),
  deliver: z.boolean().default(false),
});

export type Delivery = { url: string | null; headers: Record<string, string>; body: string };

type ShopOrder = {
  id: number;
  lines: { id: number; sku: string; variantId: number; quantity: number }[];
  cancelledAt: string | null;
};

const toBase64 = (bytes: Uint8Array): string => {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};

export class ShopOrders {
  private readonly orders = new Map<string, ShopOrder>();
  private config: z.output<typeof WebhookConfig> | undefined;
  private ids = 5_940_139_491_000;
  private events = 0;

  constructor(private readonly shop: string) {}

  configure(input: unknown) {
    this.config = WebhookConfig.parse(input);
    return { shop: this.shop, url: this.config.url ?? null };
  }

  async place(input: unknown, now: number): Promise<{ id: number; delivery: Delivery }> {
    const p = PlaceOrder.parse(input);
    this.ids++;
    const id = p.id ?? this.ids;
    const order: ShopOrder = {
      id,
      lines: p.lines.map((l, n) => ({
        id: id * 10 + n,
        sku: l.sku,
        variantId: 40_000 + n,
        quantity: l.quantity,
      })),
      cancelledAt: null,
    };
    this.orders.set(String(id), order);
    return { id, delivery: await this.delivery('orders/create', this.orderJson(order), now) };
  }

  async cancel(input: unknown, now: number) {
    const { id } = CancelOrder.parse(input);
    const order = this.orders.get(String(id));
    if (!order) return { error: `no order ${id}` };
    order.cancelledAt = new Date(now).toISOString();
    return { id, delivery: await this.delivery('orders/cancelled', this.orderJson(order), now) };
  }

  async refund(input: unknown, now: number) {
    const r = RefundOrder.parse(input);
    const order = this.orders.get(String(r.id));
    if (!order) return { error: `no order ${r.id}` };
    this.ids++;
    const body = {
      id: this.ids,
      order_id: order.id,
      admin_graphql_api_id: `gid://shopify/Refund/${this.ids}`,
      created_at: new Date(now).toISOString(),
      refund_line_items: r.lines.map((l, n) => {
        const line = order.lines.find((x) => x.sku === l.sku);
        return {
          id: this.ids * 10 + n,
          line_item_id: line?.id ?? 0,
          quantity: l.quantity,
          restock_type: l.restockType,
          line_item: line ? { id: line.id, sku: line.sku, variant_id: line.variantId } : null,
        };
      }),
    };
    return {
      id: r.id,
      refundId: this.ids,
      delivery: await this.delivery('refunds/create', body, now),
    };
  }

  /** Sends the delivery to the subscription's URL; the status it answered, or why not. */
  async send(delivery: Delivery): Promise<number | string> {
    if (delivery.url === null) return 'no webhook URL configured';
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      return res.status;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  private orderJson(o: ShopOrder) {
    return {
      id: o.id,
      admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
      name: `#${o.id % 10_000}`,
      cancelled_at: o.cancelledAt,
      line_items: o.lines.map((l) => ({
        id: l.id,
        admin_graphql_api_id: `gid://shopify/LineItem/${l.id}`,
        sku: l.sku,
        variant_id: l.variantId,
        quantity: l.quantity,
      })),
    };
  }

  private async delivery(topic: string, payload: unknown, now: number): Promise<Delivery> {
    const secret = this.config?.secret;
    if (!secret) throw new Error('POST /_sim/shopify/webhooks { url, secret } first');
    const body = JSON.stringify(payload);
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)),
    );
    this.events++;
    return {
      url: this.config?.url ?? null,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': toBase64(mac),
        'x-shopify-shop-domain': `${this.shop}.myshopify.com`,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': `wh-${this.shop}-${this.events}`,
        'x-shopify-event-id': `evt-${this.shop}-${this.events}`,
        'x-shopify-triggered-at': new Date(now).toISOString(),
      },
      body,
    };
  }
}

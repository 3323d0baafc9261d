import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { err, ok, type Result } from '../protocol/errors';
import {
  InboundKind,
  InboundPut,
  type InboundView,
  OrderStatus,
  type OrderView,
} from '../protocol/orders';
import type { SignalEvent } from '../protocol/webhooks';
import { mapLimited } from '../shared/concurrency';
import { webhooks } from '../shared/stubs';
import { notificationEvents, verifyAmazon } from './channel-orders/amazon';
import { inboundPath, PollCredentials, StoredConfig } from './channel-orders/config';
import type { OrderEvent, Parsed } from './channel-orders/event';
import { pollAmazon } from './channel-orders/poll';
import { apply, type Ports } from './channel-orders/process';
import { type OrderRecord, orderView } from './channel-orders/record';
import { parseShopify, verifyShopify } from './channel-orders/shopify';
import { Retry, stockPorts } from './channel-orders/stock-ports';
import { type InboxItem, OrdersStore } from './channel-orders/store';
import { parseWebhook, verifyWebhook } from './channel-orders/webhook';
import { channelKey, open, seal } from './channel-sync/crypto';

/** Delivery ids are kept this long: longer than any sender's retries and any tolerance. */
const DEDUPE_MS = 48 * 3600 * 1000;
/** Events processed per alarm run; the alarm runs again at once while more wait. */
const BATCH = 100;
/**
 * Orders processed at once, as their marketplace sends them. One order's path (a new Checkout
 * object, its SkuStock round trips, the sync told) waits on other objects, which run apart from
 * this one once deployed, so their round trips overlap. (In one local runtime, where every object
 * shares the same CPU, the gain is small: bench/README.md, `orders`.)
 */
const PARALLEL_ORDERS = 64;
const RETRY_MS = 5_000;
const CONFIG = 'config';

export const ReceiveInput = z.object({
  kind: InboundKind,
  headers: z.record(z.string(), z.string()),
  body: z.instanceof(Uint8Array),
});
export type ReceiveInput = z.infer<typeof ReceiveInput>;

export type Received = { accepted: boolean; duplicate: boolean; events: number };

const ListInput = z.object({
  status: OrderStatus.optional(),
  afterSeq: z.number().int().min(0),
  // One past the page (the route asks for limit + 1 to know whether more follow).
  limit: z.number().int().min(1).max(501),
});

const notConfigured = () =>
  err(
    'not_configured',
    'Inbound orders need the CONNECTOR_SECRET Worker secret (32 characters or more) to encrypt their secrets',
  );

/**
 * The orders of one channel's marketplace (name = channel code): the inbound configuration with
 * its sealed secret, every verified delivery's id (dedupe), an inbox of verified events, and one
 * record per marketplace order. `receive` verifies and records, the alarm processes after:
 * each order becomes one committed whole-cart reservation, exactly once.
 */
export class ChannelOrders extends DurableObject<Env> {
  private readonly store: OrdersStore;
  private config: StoredConfig | undefined;
  private secret: string | undefined;
  private readonly counts = { received: 0, duplicates: 0, refused: 0 };
  private running: Promise<void> = Promise.resolve();
  /** The effects each run's orders have (stock-ports.ts); tests swap in a counting double. */
  portsOf: (channel: string, kind: InboundKind) => Ports = (channel, kind) =>
    stockPorts(this.env, channel, kind);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new OrdersStore(ctx.storage.sql, ctx.storage.kv);
    if (this.store.exists()) {
      this.store.migrate();
      const stored = StoredConfig.safeParse(ctx.storage.kv.get(CONFIG));
      if (stored.success) this.config = stored.data;
    }
  }

  /** Sets how orders come in: the kind and its secret (sealed), and Amazon's polling. */
  async configure(
    channel: string,
    input: z.input<typeof InboundPut>,
  ): Promise<Result<InboundView>> {
    const body = InboundPut.parse(input);
    const key = await channelKey(this.env.CONNECTOR_SECRET, `orders:${channel}`);
    if (key === null) return notConfigured();
    if (body.poll && body.kind !== 'amazon') {
      return err('validation_failed', 'poll: only an amazon channel polls for orders', {
        field: 'poll',
      });
    }
    if (body.kind === 'webhook' && !/^whsec_[A-Za-z0-9+/=]+$/.test(body.secret)) {
      return err('validation_failed', 'secret: a webhook secret is whsec_ and base64', {
        field: 'secret',
      });
    }
    const now = Date.now();
    const poll = body.poll
      ? {
          sellerId: body.poll.sellerId,
          marketplaceIds: body.poll.marketplaceIds,
          region: body.poll.region,
          ...(body.poll.baseUrl !== undefined && { baseUrl: body.poll.baseUrl }),
          ...(body.poll.lwaUrl !== undefined && { lwaUrl: body.poll.lwaUrl }),
          intervalSeconds: body.poll.intervalSeconds,
          graceSeconds: body.poll.graceSeconds,
          sealedCredentials: await seal(key, channel, 'credentials', {
            clientId: body.poll.clientId,
            clientSecret: body.poll.clientSecret,
            refreshToken: body.poll.refreshToken,
          }),
          since: body.poll.since ? Date.parse(body.poll.since) : now,
          lastPollAt: null,
        }
      : null;
    this.store.migrate();
    this.config = {
      channel,
      kind: body.kind,
      sealedSecret: await seal(key, channel, 'token', body.secret),
      poll,
      createdAt: this.config?.createdAt ?? now,
      updatedAt: now,
    };
    this.secret = body.secret;
    this.ctx.storage.kv.put(CONFIG, this.config);
    if (poll) await this.ctx.storage.setAlarm(now);
    return ok(this.view(this.config));
  }

  /** The inbound configuration, without its secrets. */
  async inbound(channel: string): Promise<Result<InboundView>> {
    if (!this.config) return this.notConnected(channel);
    return ok(this.view(this.config));
  }

  /** Stops taking orders in; the orders recorded stay. */
  async removeInbound(channel: string): Promise<Result<{ deleted: true }>> {
    if (!this.config) return this.notConnected(channel);
    this.config = undefined;
    this.secret = undefined;
    this.ctx.storage.kv.delete(CONFIG);
    return ok({ deleted: true });
  }

  /**
   * A delivery from the marketplace: verified against the sealed secret before anything else,
   * parsed, deduplicated on its id, and its events put in the inbox, all or nothing. Nothing is
   * written for a delivery that is refused.
   */
  async receive(channel: string, input: ReceiveInput): Promise<Result<Received>> {
    const { kind, headers, body } = ReceiveInput.parse(input);
    const config = this.config;
    if (!config || config.kind !== kind) return this.notConnected(channel, kind);
    const secret = await this.openSecret(config);
    if (secret === null) return notConfigured();
    const now = Date.now();
    const h = new Headers(headers);
    const text = new TextDecoder().decode(body);
    let verified: Awaited<ReturnType<typeof verifyShopify>>;
    let parsed: Parsed<OrderEvent[]>;
    if (kind === 'shopify') {
      verified = await verifyShopify(secret, h, body, now);
      const one = verified.ok ? parseShopify(h.get('x-shopify-topic') ?? '', text) : null;
      parsed =
        one === null ? { ok: true, value: [] } : one.ok ? { ok: true, value: [one.value] } : one;
    } else if (kind === 'webhook') {
      verified = await verifyWebhook(secret, h, text, now);
      const one = verified.ok ? parseWebhook(text) : null;
      parsed =
        one === null ? { ok: true, value: [] } : one.ok ? { ok: true, value: [one.value] } : one;
    } else {
      const checked = verifyAmazon(secret, h, text, now);
      verified = checked;
      parsed = {
        ok: true,
        value: checked.notification ? notificationEvents(checked.notification) : [],
      };
    }
    if (!verified.ok) {
      this.counts.refused++;
      return err(verified.code, verified.message, { channel });
    }
    if (!parsed.ok) {
      this.counts.refused++;
      return err(
        'validation_failed',
        `The ${kind} delivery is signed but not understood: ${parsed.message}`,
        {
          channel,
        },
      );
    }
    if (!this.store.firstDelivery(verified.deliveryId, now)) {
      this.counts.duplicates++;
      return ok({ accepted: false, duplicate: true, events: 0 });
    }
    this.store.enqueue(parsed.value, kind === 'amazon' ? 'notification' : 'webhook', now);
    this.counts.received++;
    if (parsed.value.length > 0) void this.ctx.storage.setAlarm(now);
    return ok({ accepted: true, duplicate: false, events: parsed.value.length });
  }

  /** One order as recorded. */
  async order(channel: string, orderId: string): Promise<Result<OrderView>> {
    const record = this.config || this.store.exists() ? this.store.order(orderId) : undefined;
    if (!record)
      return err('not_found', `Channel ${channel} has no order ${orderId}`, { channel, orderId });
    return ok(orderView(channel, record));
  }

  /** Orders in arrival order after `afterSeq`, optionally of one status. */
  async list(
    channel: string,
    input: z.input<typeof ListInput>,
  ): Promise<{ seq: number; order: OrderView }[]> {
    const { status, afterSeq, limit } = ListInput.parse(input);
    if (!this.store.exists()) return [];
    return this.store
      .list(afterSeq, limit, status)
      .map((r) => ({ seq: r.seq, order: orderView(channel, r.record) }));
  }

  /** Waits for a run in progress; the events still waiting in the inbox (tests drain with it). */
  async settle(): Promise<number> {
    await this.running;
    return this.store.exists() ? this.store.pending() : 0;
  }

  /** Processes the inbox (and polls Amazon when due); runs again while events wait. */
  override async alarm(): Promise<void> {
    const run = this.running.then(() => this.run());
    this.running = run.catch(() => undefined);
    await run;
  }

  private async run(): Promise<void> {
    const config = this.config;
    if (!config) return;
    const now = Date.now();
    this.store.forgetDeliveries(now - DEDUPE_MS);
    let nextPoll: number | null = null;
    if (config.poll) {
      const due = (config.poll.lastPollAt ?? 0) + config.poll.intervalSeconds * 1000;
      if (now >= due) await this.poll(config);
      nextPoll = now + (this.config?.poll?.intervalSeconds ?? 60) * 1000;
    }
    const ports = this.portsOf(config.channel, config.kind);
    // One order's events in arrival order, one after another; different orders at once (their
    // carts are separate Checkout objects, and each SkuStock orders its own calls).
    const byOrder = new Map<string, InboxItem[]>();
    for (const item of this.store.inbox(BATCH)) {
      const events = byOrder.get(item.event.orderId);
      if (events) events.push(item);
      else byOrder.set(item.event.orderId, [item]);
    }
    let retry = false;
    await mapLimited([...byOrder.values()], PARALLEL_ORDERS, async (events) => {
      for (const item of events) {
        try {
          const before = this.store.order(item.event.orderId);
          const next = await apply(before, item.event, item.source, ports);
          // A repeat (an order already recorded, a cancellation already done) changes nothing.
          if (next !== before) this.store.save(next);
          this.store.done(item.seq);
          if (next.status === 'oversold' && before?.status !== 'oversold') {
            await this.signalOversold(config.channel, next);
          }
        } catch (e) {
          if (!(e instanceof Retry)) throw e;
          console.error(`orders ${config.channel}: ${e.message}`);
          // This order's later events wait with it: they stay in the inbox, in order.
          retry = true;
          return;
        }
      }
    });
    const more = this.store.pending() > 0;
    const at = more ? Date.now() + (retry ? RETRY_MS : 0) : nextPoll;
    if (at !== null)
      await this.ctx.storage.setAlarm(nextPoll === null ? at : Math.min(at, nextPoll));
  }

  /** The `oversold` signal, one per short SKU; stable ids, so a repeat is the same signal. */
  private async signalOversold(channel: string, r: OrderRecord): Promise<void> {
    const at = new Date(r.updatedAt).toISOString();
    const events: SignalEvent[] = r.shortfall.map((s) => ({
      id: `oversold:${channel}:${r.orderId}:${s.sku}`,
      type: 'oversold',
      at,
      sku: s.sku,
      channel,
      data: { orderId: r.orderId, requested: s.requested, available: s.available, short: s.short },
    }));
    try {
      await webhooks(this.env).publish(events);
    } catch (e) {
      // The order stays recorded as oversold (GET /v1/orders?status=oversold) either way.
      console.error(
        `orders ${channel}: oversold signal not published: ${e instanceof Error ? e.message : e}`,
      );
    }
  }

  private async poll(config: StoredConfig): Promise<void> {
    const p = config.poll;
    if (!p) return;
    const key = await channelKey(this.env.CONNECTOR_SECRET, `orders:${config.channel}`);
    if (key === null) return;
    const credentials = PollCredentials.parse(
      await open(key, config.channel, 'credentials', p.sealedCredentials),
    );
    const fetcher = this.env.MARKETPLACES
      ? (url: string, init: RequestInit) => (this.env.MARKETPLACES as Fetcher).fetch(url, init)
      : fetch;
    const now = Date.now();
    try {
      // Orders younger than the grace are left to their notifications; the cursor stays before them.
      const found = await pollAmazon(fetcher, p, credentials, p.since, now - p.graceSeconds * 1000);
      this.store.enqueue(found.events, 'poll', now);
      this.save({
        ...config,
        poll: { ...p, since: found.lastUpdated ?? p.since, lastPollAt: now },
      });
    } catch (e) {
      // Amazon unreachable or refusing: the cursor stays, the next poll asks again.
      console.error(`orders ${config.channel}: poll failed: ${e instanceof Error ? e.message : e}`);
      this.save({ ...config, poll: { ...p, lastPollAt: now } });
    }
  }

  private save(config: StoredConfig): void {
    this.config = config;
    this.ctx.storage.kv.put(CONFIG, config);
  }

  private async openSecret(config: StoredConfig): Promise<string | null> {
    if (this.secret !== undefined) return this.secret;
    const key = await channelKey(this.env.CONNECTOR_SECRET, `orders:${config.channel}`);
    if (key === null) return null;
    this.secret = z.string().parse(await open(key, config.channel, 'token', config.sealedSecret));
    return this.secret;
  }

  private view(c: StoredConfig): InboundView {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      channel: c.channel,
      kind: c.kind,
      url: inboundPath(c.channel, c.kind),
      polling: c.poll
        ? {
            intervalSeconds: c.poll.intervalSeconds,
            graceSeconds: c.poll.graceSeconds,
            since: iso(c.poll.since),
            lastPollAt: c.poll.lastPollAt === null ? null : iso(c.poll.lastPollAt),
          }
        : null,
      counts: { ...this.counts, pending: this.store.pending() },
      createdAt: iso(c.createdAt),
      updatedAt: iso(c.updatedAt),
    };
  }

  private notConnected(channel: string, kind?: string) {
    return err(
      'not_connected',
      `Channel ${channel} takes no ${kind ?? ''}${kind ? ' ' : ''}orders in: PUT /v1/channels/${channel}/inbound`,
      { channel },
    );
  }
}

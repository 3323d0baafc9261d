import { z } from 'zod';
import { verify } from '../../objects/channel-sync/adapters/standard-webhooks';
import {
  drawFault,
  Faults,
  FaultsUpdate,
  json,
  type SimAccount,
  type SimRequest,
  type SimResponse,
  seededRandom,
} from '../shared/sim-http';

// A generic webhook receiver: verifies Standard Webhooks signatures, drops a message whose
// webhook-id it already accepted (answering 2xx, as the spec asks), and records what it would
// list per SKU.

/** The secret receivers start with; tests and the demo configure connections with it. */
export const DEFAULT_WEBHOOK_SECRET = 'whsec_c3RvY2ttZXNoLXNpbXVsYXRvci13ZWJob29rLXNlY3JldA==';

const Body = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stock.listed'),
    data: z
      .object({ items: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int() })) })
      .loose(),
  }),
  z.object({ type: z.literal('stock.ping'), data: z.looseObject({}) }),
  // Stock signals (POST /v1/webhooks subscriptions): recorded as they arrive.
  z.object({
    type: z.enum([
      'stock.low',
      'stock.out',
      'stock.back_in_stock',
      'stock.oversold',
      'stock.channel_degraded',
      'stock.webhook_disabled',
    ]),
    timestamp: z.string(),
    data: z.looseObject({ id: z.string() }),
  }),
]);

/** A signal as the receiver got it. */
export type ReceivedSignal = {
  webhookId: string;
  type: string;
  eventId: string;
  data: Record<string, unknown>;
  receivedAt: number;
};

export class WebhookReceiver implements SimAccount {
  faults: Faults = Faults.parse({});
  secret = DEFAULT_WEBHOOK_SECRET;
  private readonly seen = new Set<string>();
  private readonly items = new Map<string, { quantity: number; applied: number }>();
  private readonly signals: ReceivedSignal[] = [];
  private random: () => number;
  readonly totals = { requests: 0, accepted: 0, duplicates: 0, refused: 0, applied: 0 };

  constructor(
    readonly receiver: string,
    seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  listing() {
    return {
      receiver: this.receiver,
      items: [...this.items].map(([sku, l]) => ({ sku, ...l })),
      signals: this.signals,
      totals: this.totals,
    };
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const r = await this.receive(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private async receive(req: SimRequest, now: number): Promise<SimResponse> {
    if (req.method !== 'POST') return json(405, { error: 'POST only' });
    this.totals.requests++;
    if (this.faults.throttle) return json(429, { error: 'slow down' }, { 'retry-after': '1' });
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    const headers = new Headers(req.headers);
    const check = await verify(this.secret, headers, req.body, Math.floor(now / 1000));
    if (!check.ok || this.faults.expireCredentials) {
      this.totals.refused++;
      return json(401, { error: check.ok ? 'secret rotated' : check.code });
    }
    const id = headers.get('webhook-id') ?? '';
    if (this.seen.has(id)) {
      this.totals.duplicates++;
      return json(200, { duplicate: true });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.body);
    } catch {
      return json(400, { error: 'body is not JSON' });
    }
    const body = Body.safeParse(raw);
    if (!body.success)
      return json(422, { error: body.error.issues[0]?.message ?? 'unexpected body' });
    this.seen.add(id);
    this.totals.accepted++;
    if (body.data.type !== 'stock.listed' && body.data.type !== 'stock.ping') {
      const { data } = body.data;
      this.signals.push({
        webhookId: id,
        type: body.data.type,
        eventId: data.id,
        data,
        receivedAt: now,
      });
    } else if (body.data.type === 'stock.listed') {
      for (const item of body.data.data.items) {
        const l = this.items.get(item.sku) ?? { quantity: 0, applied: 0 };
        l.quantity = item.quantity;
        l.applied++;
        this.items.set(item.sku, l);
        this.totals.applied++;
      }
    }
    return json(200, { accepted: id });
  }
}

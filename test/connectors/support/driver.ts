import type {
  AnyAdapter,
  BuildContext,
  BulkStep,
  HttpRequest,
  HttpResponse,
  ItemOutcome,
  PushItem,
} from '../../../objects/channel-sync/adapter';
import type { SimRequest, SimResponse } from '../../../simulators/shared/sim-http';

// A minimal stand-in for ChannelSync's send loop, on a virtual clock: it authorizes each request,
// waits (virtually) until the adapter's `notBefore`, hands the request to a transport (a simulator
// in-process, or the MARKETPLACES binding) and reads the answer with the adapter. No real sleeps.

export type Transport = (req: SimRequest, now: number) => Promise<SimResponse>;

export class Clock {
  constructor(public now = Date.UTC(2026, 0, 5, 9)) {}
  until(t: number | null): void {
    if (t !== null && t > this.now) this.now = t;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export type Conn = { settings: unknown; credentials: unknown; channel?: string };

export class Driver {
  accessToken: string | undefined;
  notBefore: number | null = null;
  readonly sent: HttpRequest[] = [];

  constructor(
    readonly adapter: AnyAdapter,
    readonly conn: Conn,
    readonly transport: Transport,
    readonly clock = new Clock(),
  ) {}

  ctx(): BuildContext<unknown, unknown> & { now: number } {
    return {
      settings: this.adapter.Settings.parse(this.conn.settings),
      credentials: this.adapter.Credentials.parse(this.conn.credentials),
      ...(this.accessToken ? { accessToken: this.accessToken } : {}),
      channel: this.conn.channel ?? 'contract',
      now: this.clock.now,
    };
  }

  /** Sends one request as ChannelSync would: authorized at the moment it goes out. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const wire = this.adapter.authorize ? await this.adapter.authorize(req, this.ctx()) : req;
    this.sent.push(wire);
    const res = await this.transport({ ...wire, body: wire.body ?? '' }, this.clock.now);
    return { status: res.status, headers: res.headers, body: res.body };
  }

  /** Fetches an access token when the adapter needs one; the failure, if any. */
  async refreshToken(): Promise<string | null> {
    if (!this.adapter.token) return null;
    const { request, parse } = this.adapter.token(this.ctx());
    const result = parse(await this.send(request));
    if ('error' in result) return result.error.code;
    this.accessToken = result.token;
    return null;
  }

  /** Builds and sends one attempt, honouring `notBefore` between requests. */
  async push(items: PushItem[], attempt: string) {
    const requests = this.adapter.buildPush(items, { ...this.ctx(), attempt });
    const groups = groupsOf(items, requests.length, this.adapter.maxBatch(this.ctx().settings));
    const outcomes: ItemOutcome[] = [];
    const fatal: string[] = [];
    let refresh = false;
    for (const [i, req] of requests.entries()) {
      this.clock.until(this.notBefore);
      const parsed = this.adapter.parsePush(groups[i] ?? [], await this.send(req), this.clock.now);
      this.notBefore = parsed.throttle.notBefore;
      outcomes.push(...parsed.items);
      if (parsed.fatal) fatal.push(parsed.fatal.code);
      refresh ||= parsed.refreshToken === true;
    }
    return { requests, outcomes, fatal, refresh };
  }

  /** Runs a bulk job to its end on the virtual clock. */
  async bulk(
    items: PushItem[],
    attempt: string,
    maxSteps = 500,
  ): Promise<BulkStep & { steps: number }> {
    const bulk = this.adapter.bulk;
    if (!bulk) throw new Error(`${this.adapter.kind} has no bulk path`);
    let step = bulk.start(items, { ...this.ctx(), attempt });
    let steps = 0;
    while (step.kind === 'send' && steps < maxSteps) {
      if (step.refreshToken) await this.refreshToken();
      this.clock.until(step.notBefore);
      const res = await this.send(step.request);
      step = bulk.advance(JSON.parse(JSON.stringify(step.state)), res, this.ctx());
      steps++;
    }
    return { ...step, steps };
  }
}

/** The items of each request: `buildPush` splits in order, `maxBatch` at a time. */
export function groupsOf(items: PushItem[], requests: number, maxBatch: number): PushItem[][] {
  const out: PushItem[][] = [];
  for (let i = 0; i < requests; i++) out.push(items.slice(i * maxBatch, (i + 1) * maxBatch));
  return out;
}

/** A transport through a Fetcher (the MARKETPLACES binding). */
export function viaFetcher(fetcher: Fetcher): Transport {
  return async (req) => {
    const res = await fetcher.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: req.body }),
    });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
}

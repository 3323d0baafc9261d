import { z } from 'zod';
import type {
  Adapter,
  BulkStep,
  HttpRequest,
  HttpResponse,
  ItemOutcome,
  PushItem,
} from './adapter';

// A tiny marketplace and its adapter, for the engine's tests and the object's runtime tests while
// the real ones are exercised by the contract suite. Its pushes are compare-and-set with
// idempotency keys (as Shopify's), its bulk jobs absolute (as Amazon's feeds); it can throttle,
// fail, answer garbage, and refuse items, and counts how often each push was applied.

export const FAKE_URL = 'https://fake-market.test';

export const FakeSettings = z.strictObject({
  /** Items per request. */
  batch: z.number().int().min(1).max(100).default(3),
  /** SKUs need no mapping: the marketplace's id is the SKU code. */
  defaults: z.boolean().default(true),
  /** Jobs of at least this many items go through the bulk path (0: none). */
  bulkMin: z.number().int().min(0).default(0),
});
export const FakeCredentials = z.strictObject({ token: z.string().min(4) });
export const FakeMapping = z.strictObject({ id: z.string().min(1) });

const SetBody = z.object({
  key: z.string(),
  items: z.array(z.object({ id: z.string(), quantity: z.number(), from: z.number().nullable() })),
});
const SetAnswer = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['ok', 'stale', 'unknown']),
      actual: z.number().nullable().optional(),
    }),
  ),
});
const ReadAnswer = z.object({ quantities: z.record(z.string(), z.number()) });
const BulkState = z.object({
  key: z.string(),
  job: z.string().nullable(),
  items: z.array(z.object({ sku: z.string(), id: z.string(), quantity: z.number() })),
});
const BulkAnswer = z.object({
  job: z.string(),
  done: z.boolean(),
  unknown: z.array(z.string()).default([]),
});

const idOf = (i: PushItem) => FakeMapping.parse(i.external).id;
const json = (method: HttpRequest['method'], path: string, body: unknown): HttpRequest => ({
  method,
  url: `${FAKE_URL}${path}`,
  headers: { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const parse = <S extends z.ZodType>(schema: S, body: string): z.output<S> | null => {
  try {
    const r = schema.safeParse(JSON.parse(body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
};
const retryAll = (items: PushItem[], message: string): ItemOutcome[] =>
  items.map((i) => ({ sku: i.sku, status: 'retry', message }));

const bulkStep = (s: z.output<typeof BulkState>, notBefore: number | null): BulkStep => ({
  kind: 'send',
  state: s,
  request:
    s.job === null
      ? json('POST', '/bulk', { key: s.key, items: s.items })
      : json('GET', `/bulk/${s.job}`, undefined),
  notBefore,
});

export const fakeAdapter: Adapter<typeof FakeSettings, typeof FakeCredentials, typeof FakeMapping> =
  {
    kind: 'fake',
    Settings: FakeSettings,
    Credentials: FakeCredentials,
    Mapping: FakeMapping,
    maxBatch: (s) => s.batch,
    defaultMapping: (sku, s) => (s.defaults ? { id: sku } : null),
    buildPush(items, ctx) {
      const batches: PushItem[][] = [];
      for (let i = 0; i < items.length; i += ctx.settings.batch) {
        batches.push(items.slice(i, i + ctx.settings.batch));
      }
      return batches.map((batch, n) =>
        json('POST', '/set', {
          key: `${ctx.attempt}-${n}`,
          items: batch.map((i) => ({ id: idOf(i), quantity: i.quantity, from: i.pushed })),
        }),
      );
    },
    parsePush(items, res, now) {
      const pace = { notBefore: null, describe: 'fake market: open' };
      if (res.status === 429) {
        const wait = Number(res.headers['retry-after'] ?? '1') * 1000;
        return {
          items: retryAll(items, 'throttled'),
          throttle: { notBefore: now + wait, describe: 'fake market: throttled' },
        };
      }
      if (res.status === 401) {
        const message = 'fake market refused the token';
        return {
          items: retryAll(items, message),
          throttle: pace,
          fatal: { code: 'credentials_invalid', message },
        };
      }
      const answer = res.status === 200 ? parse(SetAnswer, res.body) : null;
      if (answer === null) {
        return { items: retryAll(items, `fake market answered ${res.status}`), throttle: pace };
      }
      const byId = new Map(answer.results.map((r) => [r.id, r]));
      return {
        throttle: pace,
        items: items.map((i): ItemOutcome => {
          const r = byId.get(idOf(i));
          if (r === undefined) return { sku: i.sku, status: 'retry', message: 'no result' };
          if (r.status === 'ok') return { sku: i.sku, status: 'accepted', quantity: i.quantity };
          if (r.status === 'stale')
            return { sku: i.sku, status: 'stale', actual: r.actual ?? null };
          return {
            sku: i.sku,
            status: 'rejected',
            code: 'unknown_item',
            message: `no item ${r.id}`,
          };
        }),
      };
    },
    buildRead: (items) => json('POST', '/read', { ids: items.map(idOf) }),
    parseRead(res) {
      const answer = parse(ReadAnswer, res.body);
      return new Map(Object.entries(answer?.quantities ?? {}));
    },
    buildProbe: () => json('GET', '/probe', undefined),
    parseProbe: (res) =>
      res.status === 200
        ? { ok: true }
        : { ok: false, code: 'credentials_invalid', message: `fake market answered ${res.status}` },
    async authorize(req, ctx) {
      return {
        ...req,
        headers: { ...req.headers, authorization: `Bearer ${ctx.credentials.token}` },
      };
    },
    bulk: {
      minItems: 5,
      maxItems: 1000,
      quota: { jobs: 2, windowMs: 60_000 },
      start(items, ctx) {
        const state = {
          key: ctx.attempt,
          job: null,
          items: items.map((i) => ({ sku: i.sku, id: idOf(i), quantity: i.quantity })),
        };
        return bulkStep(state, null);
      },
      advance(raw, res, ctx) {
        const s = BulkState.parse(raw);
        const answer = res.status === 200 ? parse(BulkAnswer, res.body) : null;
        if (answer === null) return bulkStep(s, ctx.now + 500);
        if (!answer.done) return bulkStep({ ...s, job: answer.job }, ctx.now + 1000);
        const unknown = new Set(answer.unknown);
        return {
          kind: 'done',
          throttle: { notBefore: null, describe: 'fake market: bulk done' },
          items: s.items.map(
            (i): ItemOutcome =>
              unknown.has(i.id)
                ? {
                    sku: i.sku,
                    status: 'rejected',
                    code: 'unknown_item',
                    message: `no item ${i.id}`,
                  }
                : { sku: i.sku, status: 'accepted', quantity: i.quantity },
          ),
        };
      },
    },
  };

/** Without the bulk path: the same marketplace for tests of the per-item path alone. */
export const fakeAdapterNoBulk: typeof fakeAdapter = (({ bulk: _bulk, ...rest }) => rest)(
  fakeAdapter,
);

type Fault = 'throttle' | 'fail' | 'garbage' | 'unauthorized';

/** The marketplace: what it lists, and every push it applied. */
export class FakeMarket {
  readonly quantities = new Map<string, number>();
  /** Ids it does not know: pushes for them are refused. */
  readonly unknown = new Set<string>();
  /** Times each idempotency key was applied (must never exceed 1). */
  readonly applied = new Map<string, number>();
  /** Every request, in order (the path and the ids it set). */
  readonly log: { path: string; ids: string[]; at: number }[] = [];
  private readonly answers = new Map<string, { body: string; request: string }>();
  private readonly jobs = new Map<
    string,
    { items: { id: string; quantity: number }[]; polls: number }
  >();
  private readonly faults: Fault[] = [];
  /** Polls before a bulk job is done. */
  bulkPolls = 1;
  /**
   * Pushes applied that changed nothing: the same change sent again under a new key (what a
   * sender that lost its attempt in a crash would do). Never expected from ChannelSync.
   */
  redundant = 0;
  /** Keys reused with another body: a bug in the sender. */
  readonly conflicts: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The next requests fail this way, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  handle(req: HttpRequest): HttpResponse {
    const path = req.url.slice(FAKE_URL.length);
    const ok = (body: unknown): HttpResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (req.headers.authorization === undefined) return { status: 401, headers: {}, body: '' };
    const fault = this.faults.shift();
    if (fault === 'throttle') return { status: 429, headers: { 'retry-after': '1' }, body: '' };
    if (fault === 'fail') return { status: 503, headers: {}, body: 'upstream unavailable' };
    if (fault === 'garbage') return { status: 200, headers: {}, body: '<html>oops</html>' };
    if (fault === 'unauthorized') return { status: 401, headers: {}, body: '' };
    if (path === '/probe') return ok({ shop: 'fake' });
    if (path === '/read') {
      const { ids } = z.object({ ids: z.array(z.string()) }).parse(JSON.parse(req.body ?? ''));
      const quantities = Object.fromEntries(
        ids.flatMap((id) => {
          const q = this.quantities.get(id);
          return q === undefined ? [] : [[id, q]];
        }),
      );
      return ok({ quantities });
    }
    if (path === '/set') return this.set(SetBody.parse(JSON.parse(req.body ?? '')), req.body ?? '');
    if (path === '/bulk') {
      const body = z
        .object({
          key: z.string(),
          items: z.array(z.object({ id: z.string(), quantity: z.number() })),
        })
        .parse(JSON.parse(req.body ?? ''));
      if (!this.jobs.has(body.key)) this.jobs.set(body.key, { items: body.items, polls: 0 });
      return ok({ job: body.key, done: false });
    }
    if (path.startsWith('/bulk/')) {
      const key = path.slice('/bulk/'.length);
      const job = this.jobs.get(key);
      if (job === undefined) return { status: 404, headers: {}, body: '' };
      job.polls++;
      if (job.polls < this.bulkPolls) return ok({ job: key, done: false });
      if (job.polls === this.bulkPolls) {
        this.log.push({ path: '/bulk', ids: job.items.map((i) => i.id), at: this.now() });
        for (const i of job.items)
          if (!this.unknown.has(i.id)) this.quantities.set(i.id, i.quantity);
      }
      const unknown = job.items.filter((i) => this.unknown.has(i.id)).map((i) => i.id);
      return ok({ job: key, done: true, unknown });
    }
    return { status: 404, headers: {}, body: '' };
  }

  private set(body: z.output<typeof SetBody>, raw: string): HttpResponse {
    const seen = this.answers.get(body.key);
    if (seen !== undefined) {
      if (seen.request !== raw) this.conflicts.push(body.key);
      return { status: 200, headers: {}, body: seen.body };
    }
    const results = body.items.map((i) => {
      if (this.unknown.has(i.id)) return { id: i.id, status: 'unknown' as const };
      const current = this.quantities.get(i.id) ?? null;
      if (i.from !== null && i.from !== current) {
        return { id: i.id, status: 'stale' as const, actual: current };
      }
      return { id: i.id, status: 'ok' as const };
    });
    // All or nothing, as Shopify's mutation: one refused item refuses the call.
    const applies = results.every((r) => r.status === 'ok');
    if (applies) {
      if (body.items.every((i) => this.quantities.get(i.id) === i.quantity)) this.redundant++;
      for (const i of body.items) this.quantities.set(i.id, i.quantity);
      this.applied.set(body.key, (this.applied.get(body.key) ?? 0) + 1);
      this.log.push({ path: '/set', ids: body.items.map((i) => i.id), at: this.now() });
    }
    // The items that would have gone through get no result: the sender retries them.
    const answer = JSON.stringify({
      results: applies ? results : results.filter((r) => r.status !== 'ok'),
    });
    this.answers.set(body.key, { body: answer, request: raw });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: answer };
  }
}

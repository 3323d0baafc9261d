import { z } from 'zod';
import {
  drawFault,
  Faults,
  FaultsUpdate,
  headerOf,
  json,
  type SimAccount,
  type SimRequest,
  type SimResponse,
  seededRandom,
} from '../shared/sim-http';
import { TokenBucket } from '../shared/token-bucket';
import { refuseToken } from './oauth';
import { ServingLedger, Truth } from './serving';

// One Google Ads customer: `POST /{version}/customers/{id}/{adGroups|campaigns}:mutate` with
// status updates, checked as the API checks them (developer token, OAuth bearer, resource names
// of this customer, `updateMask` naming status, ≤ 10,000 operations), partial failure honoured,
// requests metered by a token bucket and a daily operations quota.

export const VERSIONS = ['v24', 'v25', 'v26'];
const FAILURE = 'type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure';

export const GoogleLimits = z.object({
  requestsPerSecond: z.number().positive().default(10),
  burst: z.number().positive().default(10),
  /** Basic access: 15,000 operations a day. */
  dailyOperations: z.number().int().positive().default(15_000),
});

const Operation = z.object({
  update: z.object({ resourceName: z.string(), status: z.string() }).loose(),
  updateMask: z.string(),
});
const Body = z.object({
  operations: z.array(z.unknown()).min(1),
  partialFailure: z.boolean().optional(),
  validateOnly: z.boolean().optional(),
});

type AdsError = {
  errorCode: Record<string, string>;
  message: string;
  index?: number;
  retryDelay?: string;
};

const failure = (errors: AdsError[]) => ({
  '@type': FAILURE,
  errors: errors.map((e) => ({
    errorCode: e.errorCode,
    message: e.message,
    ...(e.index === undefined
      ? {}
      : { location: { fieldPathElements: [{ fieldName: 'operations', index: e.index }] } }),
    ...(e.retryDelay === undefined
      ? {}
      : {
          details: {
            quotaErrorDetails: {
              rateScope: 'ACCOUNT',
              rateName: 'Requests per account',
              retryDelay: e.retryDelay,
            },
          },
        }),
  })),
  requestId: 'sim',
});

const status = (code: number, name: string, message: string, errors: AdsError[] = []) =>
  json(code, {
    error: { code, message, status: name, details: errors.length > 0 ? [failure(errors)] : [] },
  });

export class GoogleAdsCustomer implements SimAccount {
  faults: Faults = Faults.parse({});
  limits = GoogleLimits.parse({});
  private bucket: TokenBucket;
  private day = { start: 0, operations: 0 };
  readonly ledger = new ServingLedger('ENABLED');
  private readonly random = seededRandom(7);
  readonly totals = {
    requests: 0,
    operations: 0,
    applied: 0,
    throttled: 0,
    refused: 0,
    quotaExhausted: 0,
  };

  constructor(
    readonly customer: string,
    now: number,
  ) {
    this.bucket = new TokenBucket(this.limits.requestsPerSecond, this.limits.burst, now);
    this.day.start = now;
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  setLimits(update: unknown, now: number) {
    this.limits = GoogleLimits.parse({
      ...this.limits,
      ...z.record(z.string(), z.unknown()).parse(update),
    });
    this.bucket = new TokenBucket(this.limits.requestsPerSecond, this.limits.burst, now);
    return this.limits;
  }

  truth(body: unknown, now: number) {
    this.ledger.truth(Truth.parse(body), now);
    return this.listing(now);
  }

  listing(now: number) {
    return {
      customer: this.customer,
      ...this.ledger.report(now),
      limits: this.limits,
      totals: this.totals,
    };
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const r = this.mutate(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private mutate(req: SimRequest, now: number): SimResponse {
    this.totals.requests++;
    const path = new URL(req.url).pathname.replace(/^\/google-ads/, '');
    const m = /^\/(v\d+)\/customers\/(\d{10})\/(adGroups|campaigns):mutate$/.exec(path);
    if (req.method !== 'POST' || !m?.[1] || !m[3])
      return status(404, 'NOT_FOUND', `No route for ${req.method} ${path}`);
    if (!VERSIONS.includes(m[1]))
      return status(
        404,
        'NOT_FOUND',
        `Version ${m[1]} is sunset or unknown; use one of ${VERSIONS.join(', ')}`,
      );
    const refused = refuseToken(headerOf(req, 'authorization'), now, this.faults.expireCredentials);
    if (refused !== null) {
      this.totals.refused++;
      return status(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', [
        {
          errorCode: {
            authenticationError:
              refused === 'expired' ? 'OAUTH_TOKEN_EXPIRED' : 'OAUTH_TOKEN_INVALID',
          },
          message: `OAuth token ${refused}`,
        },
      ]);
    }
    const devToken = headerOf(req, 'developer-token');
    if (!devToken)
      return status(400, 'INVALID_ARGUMENT', 'Missing developer-token header', [
        {
          errorCode: { authenticationError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' },
          message: 'developer-token is missing',
        },
      ]);
    if (devToken.includes('unapproved'))
      return status(403, 'PERMISSION_DENIED', 'The developer token is not approved.', [
        {
          errorCode: { authorizationError: 'DEVELOPER_TOKEN_NOT_APPROVED' },
          message: 'not approved',
        },
      ]);
    const login = headerOf(req, 'login-customer-id');
    if (login !== undefined && !/^\d{10}$/.test(login))
      return status(400, 'INVALID_ARGUMENT', 'login-customer-id must be 10 digits', [
        { errorCode: { requestError: 'INVALID_CUSTOMER_ID' }, message: 'login-customer-id' },
      ]);
    if (this.faults.throttle || !this.bucket.take(now)) {
      this.totals.throttled++;
      return status(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
        {
          errorCode: { quotaError: 'RESOURCE_TEMPORARILY_EXHAUSTED' },
          message: 'Too many requests in a short amount of time.',
          retryDelay: '1s',
        },
      ]);
    }
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    let raw: unknown;
    try {
      raw = JSON.parse(req.body);
    } catch {
      return status(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const body = Body.safeParse(raw);
    if (!body.success)
      return status(400, 'INVALID_ARGUMENT', `Invalid request: ${body.error.issues[0]?.message}`);
    const ops = body.data.operations;
    if (ops.length > 10_000)
      return status(400, 'INVALID_ARGUMENT', 'Too many mutate operations.', [
        {
          errorCode: { requestError: 'TOO_MANY_MUTATE_OPERATIONS' },
          message: `${ops.length} operations; at most 10000`,
        },
      ]);
    if (now - this.day.start >= 86_400_000) this.day = { start: now, operations: 0 };
    if (this.day.operations + ops.length > this.limits.dailyOperations) {
      this.totals.quotaExhausted++;
      return status(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
        {
          errorCode: { quotaError: 'RESOURCE_EXHAUSTED' },
          message: `Daily operations quota of ${this.limits.dailyOperations} used up.`,
        },
      ]);
    }
    this.day.operations += ops.length;
    this.totals.operations += ops.length;
    const prefix = `customers/${this.customer}/${m[3]}/`;
    const errors: AdsError[] = [];
    const valid: { index: number; resourceName: string; status: string }[] = [];
    for (const [index, raw] of ops.entries()) {
      const problem = ((): AdsError | null => {
        const op = Operation.safeParse(raw);
        if (!op.success)
          return {
            errorCode: { fieldError: 'REQUIRED' },
            message: 'operation must be an update with an updateMask',
            index,
          };
        const { resourceName, status: s } = op.data.update;
        if (!op.data.updateMask.split(',').includes('status'))
          return {
            errorCode: { fieldMaskError: 'FIELD_NOT_FOUND' },
            message: 'updateMask must name status',
            index,
          };
        if (!resourceName.startsWith(prefix) || !/^\d+$/.test(resourceName.slice(prefix.length)))
          return {
            errorCode: { requestError: 'RESOURCE_NAME_MALFORMED' },
            message: `${resourceName} is not an ${m[3]} resource of customer ${this.customer}`,
            index,
          };
        if (!['ENABLED', 'PAUSED', 'REMOVED'].includes(s))
          return {
            errorCode: { fieldError: 'INVALID_VALUE' },
            message: `status ${s}`,
            index,
          };
        if (resourceName.slice(prefix.length).startsWith('404'))
          return {
            errorCode: { mutateError: 'RESOURCE_NOT_FOUND' },
            message: `${resourceName} was not found`,
            index,
          };
        valid.push({ index, resourceName, status: s });
        return null;
      })();
      if (problem !== null) errors.push(problem);
    }
    if (errors.length > 0 && !body.data.partialFailure)
      return status(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', errors);
    if (!body.data.validateOnly) {
      for (const v of valid) {
        this.ledger.write(v.resourceName, v.status, v.status === 'ENABLED', now);
        this.totals.applied++;
      }
    }
    const ok = new Set(valid.map((v) => v.index));
    const results = ops.map((_, i) =>
      ok.has(i) ? { resourceName: valid.find((v) => v.index === i)?.resourceName } : {},
    );
    const partialFailureError =
      errors.length === 0
        ? undefined
        : {
            code: 3,
            message: `Multiple errors in ‘details’. First error: ${errors[0]?.message}`,
            details: [failure(errors)],
          };
    return json(200, { results, ...(partialFailureError ? { partialFailureError } : {}) });
  }
}

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
import { ServingLedger, Truth } from './serving';

// One Meta ad account (one per access token): `POST /{version}/{node-id}` with `status`, scored
// as the Marketing API scores ads_management calls (a write costs 3 points; the score decays
// over 300 s; past the maximum the account is blocked for a while and answers error 17), with
// the score reported in `X-Business-Use-Case-Usage`. Node ids starting `404` do not exist.

export const MetaLimits = z.object({
  /** Standard tier: 9,000 points; development tier: 60. */
  maxScore: z.number().positive().default(9000),
  decaySeconds: z.number().positive().default(300),
  /** Standard tier: 60 s; development tier: 300 s. */
  blockSeconds: z.number().min(0).default(60),
});

const WRITE_POINTS = 3;
const STATUSES = ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DELETED'];

const graphError = (
  code: number,
  message: string,
  extra: Record<string, unknown> = {},
  http = 400,
  headers: Record<string, string> = {},
) =>
  json(
    http,
    { error: { message, type: 'OAuthException', code, fbtrace_id: 'sim', ...extra } },
    headers,
  );

export class MetaAdAccount implements SimAccount {
  faults: Faults = Faults.parse({});
  limits = MetaLimits.parse({});
  private score = 0;
  private scoredAt: number;
  private blockedUntil = 0;
  readonly ledger = new ServingLedger('ACTIVE');
  private readonly random = seededRandom(13);
  readonly totals = { requests: 0, applied: 0, throttled: 0, refused: 0 };

  constructor(
    readonly account: string,
    now: number,
  ) {
    this.scoredAt = now;
  }

  setFaults(update: z.input<typeof FaultsUpdate>): Faults {
    this.faults = Faults.parse({ ...this.faults, ...FaultsUpdate.parse(update) });
    return this.faults;
  }

  setLimits(update: unknown) {
    this.limits = MetaLimits.parse({
      ...this.limits,
      ...z.record(z.string(), z.unknown()).parse(update),
    });
    return this.limits;
  }

  truth(body: unknown, now: number) {
    this.ledger.truth(Truth.parse(body), now);
    return this.listing(now);
  }

  listing(now: number) {
    return {
      account: this.account,
      ...this.ledger.report(now),
      limits: this.limits,
      score: this.decayed(now),
      totals: this.totals,
    };
  }

  async handle(req: SimRequest, now: number): Promise<SimResponse> {
    const r = this.post(req, now);
    return this.faults.delayMs ? { ...r, delayMs: this.faults.delayMs } : r;
  }

  private decayed(now: number): number {
    const rate = this.limits.maxScore / this.limits.decaySeconds;
    this.score = Math.max(0, this.score - ((now - this.scoredAt) / 1000) * rate);
    this.scoredAt = now;
    return this.score;
  }

  private usage(now: number): Record<string, string> {
    const pct = Math.min(100, Math.round((this.decayed(now) / this.limits.maxScore) * 100));
    const regain = this.blockedUntil > now ? Math.ceil((this.blockedUntil - now) / 60_000) : 0;
    const value = {
      [this.account]: [
        {
          type: 'ads_management',
          call_count: pct,
          total_cputime: Math.round(pct / 2),
          total_time: Math.round(pct / 2),
          estimated_time_to_regain_access: regain,
          ads_api_access_tier: 'standard_access',
        },
      ],
    };
    return { 'x-business-use-case-usage': JSON.stringify(value) };
  }

  private post(req: SimRequest, now: number): SimResponse {
    this.totals.requests++;
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/meta/, '');
    const m = /^\/(v\d+\.0)\/(\d+)$/.exec(path);
    if (req.method !== 'POST' || !m?.[2])
      return graphError(100, `Unsupported ${req.method} request to ${path}`, { error_subcode: 33 });
    const form = new URLSearchParams(
      headerOf(req, 'content-type')?.includes('json') ? '' : req.body,
    );
    const jsonBody = headerOf(req, 'content-type')?.includes('json')
      ? (z.record(z.string(), z.unknown()).safeParse(JSON.parse(req.body || '{}')).data ?? {})
      : {};
    const token =
      (headerOf(req, 'authorization') ?? '').replace(/^(Bearer|OAuth) /, '') ||
      form.get('access_token') ||
      url.searchParams.get('access_token') ||
      '';
    if (!token.startsWith('EAA') || token.length < 20) {
      this.totals.refused++;
      return graphError(190, 'Invalid OAuth access token - Cannot parse access token');
    }
    if (this.faults.expireCredentials || token.includes('expired')) {
      this.totals.refused++;
      return graphError(190, 'Error validating access token: Session has expired.', {
        error_subcode: 463,
      });
    }
    if (this.faults.throttle || this.blockedUntil > now) {
      this.totals.throttled++;
      return graphError(
        17,
        'User request limit reached',
        { error_subcode: 2446079, is_transient: true },
        400,
        this.usage(now),
      );
    }
    if (this.decayed(now) + WRITE_POINTS > this.limits.maxScore) {
      this.blockedUntil = now + this.limits.blockSeconds * 1000;
      this.totals.throttled++;
      return graphError(
        80004,
        'There have been too many calls to this ad-account. Wait a bit and try again.',
        { error_subcode: 2446079, is_transient: true },
        400,
        this.usage(now),
      );
    }
    this.score += WRITE_POINTS;
    const fault = drawFault(this.faults, this.random);
    if (fault) return fault;
    const status =
      form.get('status') ?? (typeof jsonBody.status === 'string' ? jsonBody.status : null);
    if (status === null || !STATUSES.includes(status)) {
      return graphError(
        100,
        `(#100) Param status must be one of {${STATUSES.join(', ')}}`,
        {},
        400,
        this.usage(now),
      );
    }
    if (m[2].startsWith('404')) {
      return graphError(
        100,
        `Unsupported post request. Object with ID '${m[2]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        { error_subcode: 33 },
        400,
        this.usage(now),
      );
    }
    this.ledger.write(m[2], status, status === 'ACTIVE', now);
    this.totals.applied++;
    return json(200, { success: true }, this.usage(now));
  }
}

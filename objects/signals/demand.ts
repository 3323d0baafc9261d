/**
 * Demand per SKU × location, estimated live from committed units with the TSB method
 * (Teunter, Syntetos & Babai, "Intermittent demand: Linking forecasting to inventory
 * obsolescence", European Journal of Operational Research 214 (2011) 606–615), made for the
 * intermittent demand of retail SKUs. Time is cut into days; at the end of each day t with demand
 * x_t (units committed that day):
 *
 *   p ← p + β·(1[x_t > 0] − p)          probability that a day has demand, updated every day
 *   z ← z + α·(x_t − z)   if x_t > 0    size of a non-zero day's demand, updated on demand days
 *   rate = p · z                          expected units per day
 *
 * Unlike Croston or SBA, p decays on every day without demand, so a SKU that stops selling
 * tends to 0 instead of keeping its last rate. The spread is the smoothed mean squared one-day
 * error, mse ← mse + α·((x_t − rate_{t−1})² − mse), and σ = √mse.
 */

const DAY_MS = 24 * 3600 * 1000;

/** The few numbers kept per location. `day` is the day (ms / DAY_MS, floored) `today` counts. */
export type DemandState = {
  p: number;
  z: number;
  mse: number;
  /** Units committed so far on `day`, not yet folded into p and z. */
  today: number;
  day: number;
  /** Days folded in so far (the estimate is a guess before a few). */
  days: number;
};

export type DemandParams = { alpha: number; beta: number };

/** Smoothing for a daily series: α for sizes, β for occurrence (TSB's usual ranges 0.05–0.3). */
export const DEFAULT_DEMAND_PARAMS: DemandParams = { alpha: 0.2, beta: 0.1 };

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** A location that has never sold: no demand yet. `seed` starts it from a known rate per day. */
export const newDemand = (now: number, seed?: { rate: number; p?: number }): DemandState => {
  const p = seed === undefined ? 0 : Math.min(1, Math.max(0.01, seed.p ?? 0.5));
  const z = seed === undefined ? 0 : Math.max(0, seed.rate) / p;
  return { p, z, mse: 0, today: 0, day: dayOf(now), days: 0 };
};

/** Expected units per day. */
export const rateOf = (s: DemandState): number => s.p * s.z;

/** Folds one finished day with `units` of demand into the estimate. */
const closeDay = (s: DemandState, units: number, { alpha, beta }: DemandParams): DemandState => {
  const error = units - rateOf(s);
  const base = {
    mse: s.mse + alpha * (error * error - s.mse),
    today: 0,
    day: s.day + 1,
    days: s.days + 1,
  };
  if (units <= 0) return { ...base, p: s.p * (1 - beta), z: s.z };
  // The first demand day starts the estimate: size = that day's units, probability = one demand
  // day in the days seen so far (the usual initialisation from the first inter-demand interval).
  if (s.z === 0) return { ...base, p: 1 / (s.days + 1), z: units };
  return { ...base, p: s.p + beta * (1 - s.p), z: s.z + alpha * (units - s.z) };
};

/** Empty days fold in one at a time up to this many; beyond, p decays in closed form. */
const MAX_EMPTY_STEPS = 400;

/** The estimate as of `now`: every whole day since the last update is folded in (empty ones too). */
export const advance = (
  s: DemandState,
  now: number,
  params: DemandParams = DEFAULT_DEMAND_PARAMS,
): DemandState => {
  const target = dayOf(now);
  if (target <= s.day) return s;
  let next = closeDay(s, s.today, params);
  const empty = target - next.day;
  for (let i = 0; i < Math.min(empty, MAX_EMPTY_STEPS); i++) next = closeDay(next, 0, params);
  if (empty > MAX_EMPTY_STEPS) {
    // A long quiet spell: p has all but vanished; finish its decay in one step.
    const rest = empty - MAX_EMPTY_STEPS;
    next = { ...next, p: next.p * (1 - params.beta) ** rest, day: target, days: next.days + rest };
  }
  return next;
};

/** Records `units` committed at `at` (negative for a cancelled order on the same day). */
export const record = (
  s: DemandState,
  units: number,
  at: number,
  params: DemandParams = DEFAULT_DEMAND_PARAMS,
): DemandState => {
  const now = advance(s, at, params);
  return { ...now, today: Math.max(0, now.today + units) };
};

/** What the stream, the stock view and the wall show for one location. */
export type DemandView = {
  /** Expected units a day (TSB). */
  ratePerDay: number;
  /** Its spread: the standard deviation of one day's demand around the rate. */
  sigmaPerDay: number;
  /** available ÷ rate; null when nothing sells (cover is unbounded). */
  coverDays: number | null;
  /** When available runs out at this rate (ISO time); null when nothing sells or nothing is left. */
  stockoutAt: string | null;
};

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Below this many units a day a SKU is taken as not selling (cover unbounded). */
const NOT_SELLING = 1e-3;

export const demandView = (s: DemandState, available: number, now: number): DemandView => {
  const current = advance(s, now);
  const rate = rateOf(current);
  const sigma = Math.sqrt(Math.max(0, current.mse));
  if (rate < NOT_SELLING) {
    return { ratePerDay: 0, sigmaPerDay: round(sigma, 3), coverDays: null, stockoutAt: null };
  }
  const cover = Math.max(0, available) / rate;
  return {
    ratePerDay: round(rate, 3),
    sigmaPerDay: round(sigma, 3),
    coverDays: round(cover, 2),
    stockoutAt: available <= 0 ? null : new Date(now + cover * DAY_MS).toISOString(),
  };
};

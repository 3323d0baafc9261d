// "Recent sales" for a SKU, in units per day, from two sources: the catalog's `dailySales`
// (the demo stores each SKU's average over 13 days of real orders) and the units the live feed
// shows being committed. Live units are counted on the catalogue's own clock: a "sales day"
// passes whenever the whole catalogue has committed as many units as it sells in an average
// day. A replay that runs 300 times faster than real life then grades stock exactly as real
// life would, and a SKU only looks hot when it sells faster than the rest of the catalogue.

/** Half-life of a live sale's weight, in sales days. */
const HALF_LIFE = 1;
/** How many sales days of the catalog average a live estimate is weighed against. */
const PRIOR_DAYS = 2;
const LN2 = Math.log(2);

export type SalesMemory = {
  /** The catalog's average units per day (0 when unknown). */
  dailySales: number;
  /** Live units committed, decayed to `at`. */
  recent: number;
  /** The sales clock when `recent` was last decayed. */
  at: number;
};

export const newMemory = (dailySales: number): SalesMemory => ({ dailySales, recent: 0, at: 0 });

/** The catalogue's sales clock. */
export class SalesClock {
  /** Sales days elapsed since the page loaded. */
  days = 0;
  private readonly started = Date.now();

  /** @param catalogDaily the sum of every SKU's daily sales; 0 runs the clock on wall time. */
  constructor(private readonly catalogDaily: number) {}

  /** The whole catalogue committed `units` more. */
  advance(units: number): void {
    if (this.catalogDaily > 0) this.days += units / this.catalogDaily;
  }

  now(): number {
    return this.catalogDaily > 0 ? this.days : (Date.now() - this.started) / 86_400_000;
  }
}

const decay = (m: SalesMemory, now: number) => {
  if (now > m.at) {
    m.recent *= 2 ** (-(now - m.at) / HALF_LIFE);
    m.at = now;
  }
};

/** Records units the live feed shows this SKU selling. */
export const recordSale = (m: SalesMemory, units: number, now: number): void => {
  decay(m, now);
  m.recent += units;
};

/**
 * Units per day: the catalog average weighed against the decayed live count over the sales
 * days the page has watched (so it starts at the catalog figure and follows the feed).
 */
export const unitsPerDay = (m: SalesMemory, now: number): number => {
  decay(m, now);
  const watched = (HALF_LIFE / LN2) * (1 - 2 ** (-now / HALF_LIFE));
  return (m.dailySales * PRIOR_DAYS + m.recent) / (PRIOR_DAYS + watched);
};

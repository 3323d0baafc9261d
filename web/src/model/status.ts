// How a tile is coloured: days of cover (units available ÷ units sold per day), graded in four
// bands. The legend in the page quotes these numbers, so change them together.

export type Status = 'out' | 'low' | 'healthy' | 'over';

export const STATUSES: readonly Status[] = ['out', 'low', 'healthy', 'over'];

/** Fewer days of cover than this is low stock. */
export const LOW_DAYS = 5;
/** More days of cover than this is overstock. */
export const OVER_DAYS = 45;

export const STATUS_LABEL: Record<Status, string> = {
  out: 'Out of stock',
  low: 'Low',
  healthy: 'Healthy',
  over: 'Overstock',
};

/** Days the available units last at `perDay` sales; Infinity when nothing sells. */
export const coverDays = (available: number, perDay: number): number =>
  available <= 0 ? 0 : perDay > 0 ? available / perDay : Number.POSITIVE_INFINITY;

/** The band of a SKU: nothing available is out of stock whatever it sells. */
export const gradeStock = (available: number, perDay: number): Status => {
  if (available <= 0) return 'out';
  const days = coverDays(available, perDay);
  if (days < LOW_DAYS) return 'low';
  if (days > OVER_DAYS) return 'over';
  return 'healthy';
};

/** "12 days", "3.5 days", "no recent sales": the cover as a person reads it. */
export const formatCover = (available: number, perDay: number): string => {
  if (available <= 0) return 'none left';
  const days = coverDays(available, perDay);
  if (!Number.isFinite(days)) return 'no recent sales';
  if (days >= 100) return `${Math.round(days).toLocaleString('en-GB')} days`;
  return `${days < 10 ? days.toFixed(1) : Math.round(days)} days`;
};

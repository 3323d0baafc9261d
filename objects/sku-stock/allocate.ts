import { type AppError, err, ok, type Result } from '../../protocol/errors';
import type { BackorderPolicy, Levels } from '../../protocol/stock';
import { availableUnits, emptyLevels } from './levels';

export type Pick = { location: string; quantity: number };

export type AllocateInput = {
  sku: string;
  policy: BackorderPolicy;
  levels: ReadonlyMap<string, Levels>;
  /** Eligible locations in preference order. */
  eligible: readonly string[];
  quantity: number;
  allowSplit: boolean;
};

/**
 * Chooses where a hold takes its units: the first eligible location that has them all; else,
 * if splitting is allowed, the eligible locations in order; else nothing. Under `continue` the
 * shortfall is overdrawn at the first eligible location instead of refused.
 */
export const allocate = (input: AllocateInput): Result<Pick[]> => {
  const { eligible, quantity, policy } = input;
  const first = eligible[0];
  if (first === undefined) {
    return err('insufficient_stock', `SKU ${input.sku}: no eligible location to hold from`, {
      sku: input.sku,
      requested: quantity,
      available: [],
    });
  }
  const avail = eligible.map((location) => ({
    location,
    available: Math.max(0, availableUnits(input.levels.get(location) ?? emptyLevels(), policy)),
  }));
  const whole = avail.find((a) => a.available >= quantity);
  if (whole) return ok([{ location: whole.location, quantity }]);

  const picks: Pick[] = [];
  let remaining = quantity;
  if (input.allowSplit) {
    for (const a of avail) {
      const take = Math.min(a.available, remaining);
      if (take > 0) picks.push({ location: a.location, quantity: take });
      remaining -= take;
    }
  }
  if (remaining === 0) return ok(picks);
  if (policy === 'continue') {
    const atFirst = picks.find((p) => p.location === first);
    if (atFirst) atFirst.quantity += remaining;
    else picks.unshift({ location: first, quantity: remaining });
    return ok(picks);
  }
  return { ok: false, error: shortage(input.sku, quantity, avail, input.allowSplit) };
};

const shortage = (
  sku: string,
  requested: number,
  avail: { location: string; available: number }[],
  allowSplit: boolean,
): AppError => {
  const where = avail.map((a) => `${a.available} at ${a.location}`).join(', ');
  const total = avail.reduce((s, a) => s + a.available, 0);
  const hint = !allowSplit && total >= requested ? ' (enough in total: allow a split)' : '';
  return {
    code: 'insufficient_stock',
    message: `SKU ${sku}: requested ${requested}, available ${where}${hint}`,
    details: { sku, requested, available: avail },
  };
};

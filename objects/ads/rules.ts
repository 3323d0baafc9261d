import type { AdsRules } from '../../protocol/ads';

// What the rules make of a SKU: sold out (its ads paused) or not, with hysteresis: a SKU sold out
// stays so until listed ≥ resumeAtListed and cover ≥ pauseUnderCoverDays + margin, so a quantity
// wavering around the threshold does not flap the ads. Pure; the reason is kept in numbers.

/** What the signals told about a SKU: the followed channel's listed quantity, cover per location. */
export type SkuFacts = {
  listed: number | null;
  locations: Record<string, LocationFacts>;
  soldOut: boolean;
};
export type LocationFacts = {
  available: number | null;
  coverDays: number | null;
  ratePerDay: number | null;
};

export type Verdict = {
  soldOut: boolean;
  /** Did this verdict change the SKU's state? */
  changed: boolean;
  rule: string;
  listed: number | null;
  coverDays: number | null;
  threshold: number | null;
};

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * The SKU's days of cover over the locations heard from: total available over total rate when
 * every location gave its rate, else the best location's own cover; null when nothing is known.
 */
export function coverOf(facts: Pick<SkuFacts, 'locations'>): number | null {
  const locs = Object.values(facts.locations);
  if (locs.length === 0) return null;
  if (locs.every((l) => l.ratePerDay !== null && l.available !== null)) {
    const rate = locs.reduce((s, l) => s + (l.ratePerDay ?? 0), 0);
    const available = locs.reduce((s, l) => s + Math.max(0, l.available ?? 0), 0);
    if (rate > 0) return round(available / rate);
  }
  const covers = locs.map((l) => l.coverDays).filter((c): c is number => c !== null);
  return covers.length === 0 ? null : round(Math.max(...covers));
}

/** The rules applied to a SKU's facts. */
export function judge(facts: SkuFacts, rules: AdsRules): Verdict {
  const { listed } = facts;
  const cover = coverOf(facts);
  const base = { listed, coverDays: cover };
  const N = rules.pauseUnderCoverDays;
  if (listed !== null && listed <= rules.pauseAtListed) {
    const rule = `listed ${listed} ≤ ${rules.pauseAtListed}`;
    return {
      ...base,
      soldOut: true,
      changed: !facts.soldOut,
      rule,
      threshold: rules.pauseAtListed,
    };
  }
  if (N !== null && cover !== null && cover < N) {
    const rule = `cover ${cover} d < ${N} d`;
    return { ...base, soldOut: true, changed: !facts.soldOut, rule, threshold: N };
  }
  if (!facts.soldOut)
    return { ...base, soldOut: false, changed: false, rule: 'in stock', threshold: null };
  const needCover = N === null ? null : N + rules.resumeCoverMarginDays;
  if (listed !== null && listed < rules.resumeAtListed) {
    const rule = `holding: listed ${listed} < ${rules.resumeAtListed}`;
    return { ...base, soldOut: true, changed: false, rule, threshold: rules.resumeAtListed };
  }
  if (needCover !== null && cover !== null && cover < needCover) {
    const rule = `holding: cover ${cover} d < ${needCover} d`;
    return { ...base, soldOut: true, changed: false, rule, threshold: needCover };
  }
  const parts = [
    listed === null ? null : `listed ${listed} ≥ ${rules.resumeAtListed}`,
    needCover === null || cover === null ? null : `cover ${cover} d ≥ ${needCover} d`,
  ].filter((p) => p !== null);
  const rule = parts.length > 0 ? parts.join(', ') : 'back in stock';
  return {
    ...base,
    soldOut: false,
    changed: true,
    rule,
    threshold: listed === null ? needCover : rules.resumeAtListed,
  };
}

import { ok, type Result } from '../../protocol/errors';
import type { Movement } from '../../protocol/ledger';
import { LEVEL_FIELDS } from '../../protocol/stock';
import { queryMovements } from './movements';
import type { LedgerQuery } from './scope';

/** Movements read from D1 at a time. */
const PAGE = 1000;

const HEADER = [
  'movement_id',
  'sku',
  'seq',
  'at',
  'type',
  'reason',
  'ref',
  'actor',
  'location',
  ...LEVEL_FIELDS.map((f) => `${f}_delta`),
  'on_hand_after',
  'available_after',
];

const FORMULA_START = /^[=+\-@\t\r]/;

const cell = (v: string | number | null): string => {
  if (v === null) return '';
  const s = String(v);
  // A text cell starting with =, +, -, @, TAB or CR is run as a formula by spreadsheets (OWASP
  // CSV injection): a leading ' makes it text. Then quote what a CSV reader would misread.
  const safe = typeof v === 'string' && FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** One CSV line per location a movement touched, so each line is one quantity change. */
const lines = (m: Movement): string[] =>
  m.deltas.map((d) => {
    const after = m.levels.find((l) => l.location === d.location);
    return [
      m.id,
      m.sku,
      m.seq,
      m.at,
      m.type,
      m.reason,
      m.ref,
      m.actor,
      d.location,
      ...LEVEL_FIELDS.map((f) => d[f] ?? 0),
      after?.onHand ?? null,
      after?.available ?? null,
    ]
      .map(cell)
      .join(',');
  });

/**
 * Up to `limit` movements of the scoped ledger as CSV, read a page at a time, and the cursor to
 * continue from (null at the end). Bounded so one request never reads the whole ledger. The CSV
 * has no idempotency key or hold id column, so every role gets the same lines for its scope.
 */
export const exportCsv = async (
  env: Env,
  query: LedgerQuery,
  cursor: number | undefined,
  limit: number,
): Promise<Result<{ csv: string; next: number | null }>> => {
  const out = [`${HEADER.join(',')}\r\n`];
  let at = cursor;
  let sent = 0;
  for (;;) {
    const page = await queryMovements(env, query, at, Math.min(PAGE, limit - sent));
    if (!page.ok) return page;
    const { items, next } = page.value;
    for (const line of items.flatMap(lines)) out.push(`${line}\r\n`);
    sent += items.length;
    at = next ?? undefined;
    if (next === null || sent >= limit) return ok({ csv: out.join(''), next });
  }
};

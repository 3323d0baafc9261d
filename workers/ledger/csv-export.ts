import type { Movement, MovementFilter } from '../../protocol/ledger';
import { LEVEL_FIELDS } from '../../protocol/stock';
import { queryMovements } from './movements';

/** Rows one export may carry; narrow the filter (time range) for more. */
export const MAX_EXPORT_ROWS = 100_000;
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

/** Streams the filtered ledger as CSV, page by page, up to MAX_EXPORT_ROWS movements. */
export const exportCsv = (env: Env, filter: MovementFilter): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  let cursor: number | undefined;
  let sent = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${HEADER.join(',')}\r\n`));
        return;
      }
      const page = await queryMovements(
        env,
        filter,
        cursor,
        Math.min(PAGE, MAX_EXPORT_ROWS - sent),
      );
      const text = page.items
        .flatMap(lines)
        .map((l) => `${l}\r\n`)
        .join('');
      if (text) controller.enqueue(encoder.encode(text));
      sent += page.items.length;
      cursor = page.next ?? undefined;
      if (page.next === null || sent >= MAX_EXPORT_ROWS) controller.close();
    },
  });
};

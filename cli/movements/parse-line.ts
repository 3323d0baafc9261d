import type { BatchLine } from '@stockmesh/client';
import { z } from 'zod';
import {
  AdjustCommand,
  CountCommand,
  ExpectCommand,
  ReceiveCommand,
  SkuCode,
} from '../../protocol/stock.ts';

// One row of a movements file → one line of POST /v1/movements/batch. docs/cli.md "movements"
// describes the columns; `quantity` means what the op needs: units received or expected, the
// count (onHand), or the signed change of an adjustment.

/** Columns a movements file may have. */
export const MOVEMENT_COLUMNS = [
  'sku',
  'op',
  'location',
  'quantity',
  'reason',
  'ref',
  'expectedOnHand',
  'fromIncoming',
] as const;
/** Columns the error report adds: a fixed report can be fed back as it is. */
export const REPORT_COLUMNS = ['line', 'error', 'message'] as const;
const REQUIRED = ['sku', 'op', 'location', 'quantity'] as const;

const Movement = z.discriminatedUnion('op', [
  ReceiveCommand.extend({ sku: SkuCode }),
  ExpectCommand.extend({ sku: SkuCode }),
  AdjustCommand.extend({ sku: SkuCode }),
  CountCommand.extend({ sku: SkuCode }),
]);

/** The header's problem, if it has one: a missing or unknown column. */
export const checkHeader = (columns: string[]): string | undefined => {
  const known = new Set<string>([...MOVEMENT_COLUMNS, ...REPORT_COLUMNS]);
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    return `unknown column ${unknown.join(', ')} (columns: ${MOVEMENT_COLUMNS.join(',')})`;
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) return `missing column ${missing.join(', ')}`;
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (repeated.length > 0) return `repeated column ${repeated.join(', ')}`;
  return undefined;
};

const integer = (text: string): number | string => (/^[+-]?\d+$/.test(text) ? Number(text) : text);

export type Parsed = { ok: true; line: BatchLine } | { ok: false; message: string };

/** One record (cells in header order) as a batch line, or why it is not one. */
export const parseMovement = (columns: string[], cells: string[]): Parsed => {
  if (cells.length !== columns.length) {
    return { ok: false, message: `${cells.length} fields, the header has ${columns.length}` };
  }
  const row = new Map(columns.map((c, i) => [c, cells[i]?.trim() ?? '']));
  const cell = (name: string) => {
    const value = row.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const op = cell('op');
  const quantity = cell('quantity');
  const amount = quantity === undefined ? undefined : integer(quantity);
  const field = op === 'count' ? 'onHand' : op === 'adjust' ? 'delta' : 'quantity';
  const expected = cell('expectedOnHand');
  const fromIncoming = cell('fromIncoming');
  const candidate = {
    sku: cell('sku'),
    op,
    location: cell('location'),
    [field]: amount,
    ...(cell('reason') !== undefined && { reason: cell('reason') }),
    ...(cell('ref') !== undefined && { ref: cell('ref') }),
    ...(expected !== undefined && { expectedOnHand: integer(expected) }),
    ...(fromIncoming !== undefined && { fromIncoming: fromIncoming === 'true' }),
  };
  const parsed = Movement.safeParse(candidate);
  if (parsed.success) return { ok: true, line: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.map(String).join('.') ?? '';
  const path = where === field && field !== 'quantity' ? `quantity (${field})` : where;
  return { ok: false, message: `${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}` };
};

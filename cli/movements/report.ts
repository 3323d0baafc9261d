import { writeFileSync } from 'node:fs';
import { REPORT_COLUMNS } from './parse-line.ts';

/** A line that did not go through: where it is in the file, why, and its cells as they were. */
export type FailedLine = { line: number; code: string; message: string; cells: string[] };

const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * The error report: the failed lines as they were, after `line,error,message`, in file order.
 * Fix them in place and feed the report back to `stockmesh movements` (it skips those columns).
 */
export const writeReport = (path: string, header: string[], failed: FailedLine[]): void => {
  const own = header.filter((c) => !(REPORT_COLUMNS as readonly string[]).includes(c));
  const keep = own.map((c) => header.indexOf(c));
  const rows = [...failed]
    .sort((a, b) => a.line - b.line)
    .map((f) => [String(f.line), f.code, f.message, ...keep.map((i) => f.cells[i] ?? '')]);
  const text = [[...REPORT_COLUMNS, ...own], ...rows].map((r) => r.map(quote).join(',')).join('\n');
  writeFileSync(path, `${text}\n`);
};

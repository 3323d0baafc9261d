import { SkuCode } from '../../protocol/catalog';
import { MAX_MAPPING_LINES, type MappingLine } from '../../protocol/connections';
import { err, ok, type Result } from '../../protocol/errors';
import { parseCsv } from '../catalog/csv';

// A mapping import's body, line by line: NDJSON objects `{"sku": ..., <mapping fields>}`, or CSV
// with a header row `sku,<mapping fields>` (empty cells left out). Only the shape of a line is
// checked here; the mapping fields are checked by the connection's adapter (ChannelSync).

const MAX_REPORTED_ERRORS = 100;

type Problem = { line: number; message: string };

const ndjsonLines = (
  text: string,
): { lines: MappingLine[]; problems: Problem[]; count: number } => {
  const lines: MappingLine[] = [];
  const problems: Problem[] = [];
  let count = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    count++;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push({ line, message: 'not valid JSON' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ line, message: 'expected an object with sku and the mapping fields' });
      return;
    }
    const { sku, ...fields } = Object.fromEntries(Object.entries(value));
    const code = SkuCode.safeParse(sku);
    if (!code.success) problems.push({ line, message: `sku: ${code.error.issues[0]?.message}` });
    else lines.push({ line, sku: code.data, fields });
  });
  return { lines, problems, count };
};

const csvLines = (
  text: string,
): Result<{ lines: MappingLine[]; problems: Problem[]; count: number }> => {
  const parsed = parseCsv(text);
  if (!parsed.ok) {
    return err('validation_failed', `line ${parsed.line}: ${parsed.message}`, {
      errors: [{ line: parsed.line, message: parsed.message }],
    });
  }
  const [header, ...rows] = parsed.records;
  if (header === undefined) return ok({ lines: [], problems: [], count: 0 });
  const columns = header.fields.map((f) => f.trim());
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (!columns.includes('sku') || repeated.length > 0 || columns.some((c) => c === '')) {
    const message = `the header needs a sku column and unique, named columns (got ${columns.join(',')})`;
    return err('validation_failed', `line ${header.line}: ${message}`, {
      errors: [{ line: header.line, message }],
    });
  }
  const lines: MappingLine[] = [];
  const problems: Problem[] = [];
  for (const { line, fields } of rows) {
    if (fields.length !== columns.length) {
      problems.push({ line, message: `${fields.length} fields, the header has ${columns.length}` });
      continue;
    }
    const cells: Record<string, string> = {};
    columns.forEach((column, i) => {
      const value = fields[i];
      if (value !== undefined && value !== '') cells[column] = value;
    });
    const { sku, ...rest } = cells;
    const code = SkuCode.safeParse(sku);
    if (!code.success) problems.push({ line, message: `sku: ${code.error.issues[0]?.message}` });
    else lines.push({ line, sku: code.data, fields: rest });
  }
  return ok({ lines, problems, count: rows.length });
};

/** The lines of an import body, or every problem of their shape by line (nothing is imported). */
export const parseMappingImport = (
  format: 'ndjson' | 'csv',
  text: string,
): Result<MappingLine[]> => {
  let read: { lines: MappingLine[]; problems: Problem[]; count: number };
  if (format === 'ndjson') read = ndjsonLines(text);
  else {
    const csv = csvLines(text);
    if (!csv.ok) return csv;
    read = csv.value;
  }
  if (read.count > MAX_MAPPING_LINES) {
    return err(
      'too_many_lines',
      `${read.count} mappings in one import; at most ${MAX_MAPPING_LINES}: split it`,
      { lines: read.count, maxLines: MAX_MAPPING_LINES },
    );
  }
  if (read.count === 0) return err('validation_failed', 'The import holds no mappings');
  return problemsOr(read.problems, read.lines);
};

/** validation_failed listing the problems by line, or the value when there are none. */
export const problemsOr = <T>(problems: Problem[], value: T): Result<T> => {
  if (problems.length === 0) return ok(value);
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const [first] = sorted;
  const invalid = new Set(sorted.map((p) => p.line)).size;
  return err(
    'validation_failed',
    `${invalid} invalid line${invalid > 1 ? 's' : ''}, nothing imported; first: line ${first?.line}: ${first?.message}`,
    { errors: sorted.slice(0, MAX_REPORTED_ERRORS) },
  );
};

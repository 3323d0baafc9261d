import { MAX_IMPORT_LINES, SkuImportLine } from '../../protocol/catalog';
import { err, ok, type Result } from '../../protocol/errors';
import { parseCsv } from './csv';

/** A valid import line and the line of the body it came from. */
export type NumberedLine = { line: number; sku: SkuImportLine };

type Candidate = { line: number; input: unknown } | { line: number; error: string };

export const CSV_COLUMNS = ['code', 'title', 'gtin', 'backorderPolicy'] as const;
const MAX_REPORTED_ERRORS = 100;

const ndjsonCandidates = (text: string): Candidate[] =>
  text.split(/\r?\n/).flatMap((raw, index): Candidate[] => {
    if (raw.trim() === '') return [];
    try {
      return [{ line: index + 1, input: JSON.parse(raw) }];
    } catch {
      return [{ line: index + 1, error: 'not valid JSON' }];
    }
  });

// In CSV an empty cell means the field is left out, as in a JSON line without it.
const csvCandidates = (text: string): Result<Candidate[]> => {
  const parsed = parseCsv(text);
  if (!parsed.ok) {
    return err('validation_failed', `line ${parsed.line}: ${parsed.message}`, {
      errors: [{ line: parsed.line, message: parsed.message }],
    });
  }
  const [header, ...rows] = parsed.records;
  if (header === undefined) return ok([]);
  const columns = header.fields.map((f) => f.trim());
  const known: readonly string[] = CSV_COLUMNS;
  const problems = [
    ...columns.filter((c) => !known.includes(c)).map((c) => `unknown column ${JSON.stringify(c)}`),
    ...columns.filter((c, i) => columns.indexOf(c) !== i).map((c) => `column ${c} repeated`),
    ...['code', 'title'].filter((c) => !columns.includes(c)).map((c) => `missing column ${c}`),
  ];
  if (problems.length > 0) {
    const message = `${problems.join('; ')} (columns: ${CSV_COLUMNS.join(',')})`;
    return err('validation_failed', `line ${header.line}: ${message}`, {
      errors: [{ line: header.line, message }],
    });
  }
  return ok(
    rows.map(({ line, fields }): Candidate => {
      if (fields.length !== columns.length) {
        return { line, error: `${fields.length} fields, the header has ${columns.length}` };
      }
      const input: Record<string, string> = {};
      columns.forEach((column, i) => {
        const value = fields[i];
        if (value !== undefined && value !== '') input[column] = value;
      });
      return { line, input };
    }),
  );
};

/** Parses and validates a whole import body: every line valid, or every problem found. */
export const parseSkuImport = (format: 'ndjson' | 'csv', text: string): Result<NumberedLine[]> => {
  let candidates: Candidate[];
  if (format === 'ndjson') candidates = ndjsonCandidates(text);
  else {
    const csv = csvCandidates(text);
    if (!csv.ok) return csv;
    candidates = csv.value;
  }
  if (candidates.length > MAX_IMPORT_LINES) {
    return err(
      'too_many_lines',
      `${candidates.length} SKUs in one import; at most ${MAX_IMPORT_LINES}: split it`,
      { lines: candidates.length, maxLines: MAX_IMPORT_LINES },
    );
  }
  if (candidates.length === 0) return err('validation_failed', 'The import holds no SKUs');

  const errors: { line: number; message: string }[] = [];
  const lines: NumberedLine[] = [];
  const firstLineOf = new Map<string, number>();
  for (const candidate of candidates) {
    if ('error' in candidate) {
      errors.push({ line: candidate.line, message: candidate.error });
      continue;
    }
    const result = SkuImportLine.safeParse(candidate.input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = issue.path.map(String).join('.');
        errors.push({
          line: candidate.line,
          message: path ? `${path}: ${issue.message}` : issue.message,
        });
      }
      continue;
    }
    const first = firstLineOf.get(result.data.code);
    if (first !== undefined) {
      errors.push({
        line: candidate.line,
        message: `SKU ${result.data.code} repeats line ${first}`,
      });
      continue;
    }
    firstLineOf.set(result.data.code, candidate.line);
    lines.push({ line: candidate.line, sku: result.data });
  }
  if (errors.length > 0) {
    const [first] = errors;
    const invalid = new Set(errors.map((e) => e.line)).size;
    return err(
      'validation_failed',
      `${invalid} invalid line${invalid > 1 ? 's' : ''}, nothing imported; first: line ${first?.line}: ${first?.message}`,
      { errors: errors.slice(0, MAX_REPORTED_ERRORS) },
    );
  }
  return ok(lines);
};

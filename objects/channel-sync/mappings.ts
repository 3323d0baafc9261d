import type { z } from 'zod';
import { MAX_MAPPING_LINES, type MappingLine } from '../../protocol/connections';
import { err, ok, type Result } from '../../protocol/errors';

// A mapping import is all or nothing: every line is checked with the adapter's Mapping schema,
// and one bad line refuses them all, each problem named with its line.

const MAX_REPORTED_ERRORS = 100;

export type ValidMapping = { sku: string; external: unknown };

/** Every line's mapping, parsed; or every problem, by line. */
export const validateMappings = (
  lines: readonly MappingLine[],
  schema: z.ZodType,
): Result<ValidMapping[]> => {
  if (lines.length > MAX_MAPPING_LINES) {
    return err(
      'too_many_lines',
      `${lines.length} mappings in one import; at most ${MAX_MAPPING_LINES}: split it`,
      { lines: lines.length, maxLines: MAX_MAPPING_LINES },
    );
  }
  if (lines.length === 0) return err('validation_failed', 'The import holds no mappings');
  const errors: { line: number; message: string }[] = [];
  const valid: ValidMapping[] = [];
  const firstLineOf = new Map<string, number>();
  for (const line of lines) {
    const parsed = schema.safeParse(line.fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map(String).join('.');
        errors.push({
          line: line.line,
          message: path ? `${path}: ${issue.message}` : issue.message,
        });
      }
      continue;
    }
    const first = firstLineOf.get(line.sku);
    if (first !== undefined) {
      errors.push({ line: line.line, message: `SKU ${line.sku} repeats line ${first}` });
      continue;
    }
    firstLineOf.set(line.sku, line.line);
    valid.push({ sku: line.sku, external: parsed.data });
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
  return ok(valid);
};

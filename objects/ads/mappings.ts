import type { MappingLine } from '../../protocol/connections';
import { err, ok, type Result } from '../../protocol/errors';
import type { AnyAdsAdapter } from './adapter';

// An ads mapping import is all or nothing: one line per SKU × entity (a SKU repeats for each of
// its campaigns, ad groups, ad sets or offers), each checked with the adapter's Mapping schema.
// The SKUs it names get exactly the entities it lists.

export const MAX_ADS_MAPPING_LINES = 20_000;
const MAX_REPORTED_ERRORS = 100;

export type AdsMappingRow = { sku: string; entity: string; external: unknown };

export function validateAdsMappings(
  lines: readonly MappingLine[],
  adapter: AnyAdsAdapter,
  settings: unknown,
): Result<AdsMappingRow[]> {
  if (lines.length > MAX_ADS_MAPPING_LINES) {
    return err(
      'too_many_lines',
      `${lines.length} lines in one import; at most ${MAX_ADS_MAPPING_LINES}: split it`,
      {
        lines: lines.length,
        maxLines: MAX_ADS_MAPPING_LINES,
      },
    );
  }
  if (lines.length === 0) return err('validation_failed', 'The import holds no mappings');
  const errors: { line: number; message: string }[] = [];
  const rows: AdsMappingRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const line of lines) {
    const parsed = adapter.Mapping.safeParse(line.fields);
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
    const entity = adapter.entityOf(parsed.data, settings);
    const key = `${line.sku}\u0000${entity}`;
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      errors.push({
        line: line.line,
        message: `SKU ${line.sku} → ${entity} repeats line ${first}`,
      });
      continue;
    }
    firstLineOf.set(key, line.line);
    rows.push({ sku: line.sku, entity, external: parsed.data });
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
  return ok(rows);
}

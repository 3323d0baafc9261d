import { createRoute, z } from '@hono/zod-openapi';
import { inArray, sql } from 'drizzle-orm';
import { type CatalogDb, catalogDb, chunks, MAX_BOUND_PARAMS } from '../../db/client';
import { nowIso, skus } from '../../db/schema';
import { MAX_IMPORT_LINES, SkuImportResult } from '../../protocol/catalog';
import { Failure, unwrap } from '../../protocol/errors';
import { createApp } from '../app';
import { requireRole } from '../auth/policy';
import { configureSkus } from '../catalog/configure-skus';
import { CSV_COLUMNS, type NumberedLine, parseSkuImport } from '../catalog/sku-import';
import { bearer, errorResponses, json } from '../route-docs';

const FORMATS = { 'application/x-ndjson': 'ndjson', 'text/csv': 'csv' } as const;

const formatOf = (contentType: string | undefined): 'ndjson' | 'csv' => {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  if (essence === 'application/x-ndjson' || essence === 'text/csv') return FORMATS[essence];
  throw new Failure({
    code: 'validation_failed',
    message: `Content-Type ${contentType ?? '(none)'}: send application/x-ndjson or text/csv`,
  });
};

/** Existing rows of these codes, read in one round trip. */
const existingRows = async (db: CatalogDb, codes: string[]) => {
  const [first, ...rest] = chunks(codes, MAX_BOUND_PARAMS).map((chunk) =>
    db.select().from(skus).where(inArray(skus.code, chunk)),
  );
  if (first === undefined) return new Map<string, typeof skus.$inferSelect>();
  const results = await db.batch([first, ...rest]);
  return new Map(results.flat().map((row) => [row.code, row]));
};

/** Inserts new SKUs and updates existing ones in one atomic batch. */
const upsert = async (db: CatalogDb, rows: (typeof skus.$inferInsert)[]) => {
  const perStatement = Math.floor(MAX_BOUND_PARAMS / 5); // code, title, gtin, attributes, policy
  const [first, ...rest] = chunks(rows, perStatement).map((chunk) =>
    db
      .insert(skus)
      .values(chunk)
      .onConflictDoUpdate({
        target: skus.code,
        set: {
          title: sql`excluded.title`,
          gtin: sql`excluded.gtin`,
          attributes: sql`excluded.attributes`,
          backorderPolicy: sql`excluded.backorder_policy`,
          updatedAt: nowIso,
        },
        // A row that would not change keeps its updatedAt.
        setWhere: sql`${skus.title} is not excluded.title or ${skus.gtin} is not excluded.gtin
          or ${skus.attributes} is not excluded.attributes
          or ${skus.backorderPolicy} is not excluded.backorder_policy`,
      }),
  );
  if (first !== undefined) await db.batch([first, ...rest]);
};

/** The full row of each line: fields it leaves out keep their current value, or their default. */
const mergeLines = (lines: NumberedLine[], current: Map<string, typeof skus.$inferSelect>) =>
  lines.map(({ sku }) => {
    const row = current.get(sku.code);
    return {
      code: sku.code,
      title: sku.title,
      gtin: sku.gtin === undefined ? (row?.gtin ?? null) : sku.gtin,
      attributes: sku.attributes ?? row?.attributes ?? {},
      backorderPolicy: sku.backorderPolicy ?? row?.backorderPolicy ?? 'deny',
    };
  });

export const skuImportRoutes = createApp().openapi(
  createRoute({
    method: 'post',
    path: '/v1/skus/import',
    summary: 'Create or update many SKUs at once',
    description: `One SKU per line, at most ${MAX_IMPORT_LINES}. NDJSON lines are objects like POST /v1/skus; CSV has a header row of ${CSV_COLUMNS.join(',')} (code and title required). A field left out (or an empty cell) keeps its current value, or its default for a new SKU. Every line is checked first: if any is invalid, nothing is imported and every problem is listed with its line number.`,
    security: bearer,
    middleware: [requireRole('admin')],
    request: {
      body: {
        required: true,
        content: {
          'application/x-ndjson': { schema: z.string() },
          'text/csv': { schema: z.string() },
        },
      },
    },
    responses: {
      200: { description: 'Imported', ...json(SkuImportResult) },
      ...errorResponses(400, 401, 403, 413),
    },
  }),
  async (c) => {
    const format = formatOf(c.req.header('content-type'));
    // Not JSON, so no schema validator reads it: the text is parsed line by line with zod here.
    // Decoded by hand: workerd warns when .text() reads a body that is not text/*.
    const text = new TextDecoder().decode(await c.req.arrayBuffer());
    const lines = unwrap(parseSkuImport(format, text));
    const db = catalogDb(c.env);
    const current = await existingRows(
      db,
      lines.map((l) => l.sku.code),
    );
    const rows = mergeLines(lines, current);
    await upsert(db, rows);
    await configureSkus(c.env, rows);
    const updated = lines.filter((l) => current.has(l.sku.code)).length;
    return c.json({ created: lines.length - updated, updated, total: lines.length }, 200);
  },
);

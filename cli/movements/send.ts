import { type BatchLine, type StockmeshClient, StockmeshError } from '@stockmesh/client';
import type { FailedLine } from './report.ts';

/** A parsed line on its way: its place in the file, its cells, and the batch line with its key. */
export type Pending = { line: number; cells: string[]; batchLine: BatchLine };

export type Tally = { applied: number; replayed: number; failed: FailedLine[] };

const refusal = (error: StockmeshError) => ({ code: error.code, message: error.message });

/**
 * Lines the gateway named when it refused a whole batch (an unknown SKU or location, a line the
 * key may not send): `details.line` is an index into the batch, `details.skus` every unknown SKU.
 */
const namedLines = (error: StockmeshError, batch: Pending[]): Set<number> => {
  const details = error.error.details ?? {};
  const named = new Set<number>();
  const index = details.line;
  if (typeof index === 'number' && index >= 0 && index < batch.length) named.add(index);
  const skus = details.skus;
  if (Array.isArray(skus)) {
    const unknown = new Set(skus.filter((s) => typeof s === 'string'));
    batch.forEach((p, i) => {
      if (unknown.has(p.batchLine.sku)) named.add(i);
    });
  }
  return named;
};

/**
 * Sends one batch; when the gateway refuses it because of some lines, those lines fail and the
 * rest is sent again (their keys make a resend safe). A refusal that names no line fails them all;
 * an auth or server failure is thrown.
 */
export const sendBatch = async (
  client: StockmeshClient,
  batch: Pending[],
  tally: Tally,
): Promise<void> => {
  let rest = batch;
  while (rest.length > 0) {
    try {
      const answer = await client.batch(rest.map((p) => p.batchLine));
      for (const result of answer.results) {
        const pending = rest[result.index];
        if (pending === undefined) continue;
        if (!result.ok) {
          tally.failed.push({ line: pending.line, cells: pending.cells, ...result.error });
        } else if (result.replayed) tally.replayed++;
        else tally.applied++;
      }
      return;
    } catch (error) {
      if (
        !(error instanceof StockmeshError) ||
        error.status >= 500 ||
        error.code === 'unauthorized'
      ) {
        throw error;
      }
      const named = namedLines(error, rest);
      // A key that may not send batches at all is an auth failure, not a bad line.
      if (named.size === 0 && error.code === 'forbidden') throw error;
      const refused = named.size === 0 ? new Set(rest.keys()) : named;
      const problem = refusal(error);
      rest.forEach((p, i) => {
        if (!refused.has(i)) return;
        // Every unknown SKU is named at once; tell each line about its own.
        const own =
          error.code === 'unknown_sku'
            ? { code: 'unknown_sku', message: `SKU ${p.batchLine.sku} is not in the catalog` }
            : { ...problem, message: problem.message.replace(/^Line \d+ \(SKU [^)]*\): /, '') };
        tally.failed.push({ line: p.line, cells: p.cells, ...own });
      });
      rest = rest.filter((_, i) => !refused.has(i));
    }
  }
};

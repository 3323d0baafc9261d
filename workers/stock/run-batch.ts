import type { Context } from 'hono';
import { Failure } from '../../protocol/errors';
import { type Command, type LineOutcome, MAX_COMMANDS_PER_CALL } from '../../protocol/stock';
import { refuseKitHold } from '../../shared/catalog/kits';
import { unknownSkus } from '../../shared/catalog/known-skus';
import { mapLimited } from '../../shared/concurrency';
import { skuStock } from '../../shared/stubs';
import type { AppEnv } from '../app';
import type { Scope } from './authorize';
import { prepareCommand } from './prepare';

type Line = Command & { sku: string; key?: string };
type Item = { index: number; command: Command; key?: string };

/** SKU objects called at once; each SKU's lines go in calls of MAX_COMMANDS_PER_CALL, in order. */
const PARALLEL_SKUS = 32;

/**
 * Checks every line (and every SKU against the catalog), then applies each SKU's lines in order
 * on its object, SKUs in parallel.
 */
export const runBatch = async (c: Context<AppEnv>, lines: readonly Line[], batchKey?: string) => {
  const principal = c.get('principal');
  const bySku = new Map<string, Item[]>();
  let scope: Scope | undefined;
  // Every line is checked before any is applied: a refused line refuses the batch, unchanged.
  for (const [index, line] of lines.entries()) {
    const { sku, key, ...raw } = line;
    let prepared: Awaited<ReturnType<typeof prepareCommand>>;
    try {
      prepared = await prepareCommand(c.env, principal, raw);
      if (raw.op === 'hold') await refuseKitHold(c.env, sku);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      throw new Failure({
        ...e.error,
        message: `Line ${index} (SKU ${sku}): ${e.error.message}`,
        details: { ...e.error.details, line: index, sku },
      });
    }
    scope = prepared.scope;
    const items = bySku.get(sku) ?? [];
    const lineKey = key ?? (batchKey === undefined ? undefined : `${batchKey}:${index}`);
    items.push({
      index,
      command: prepared.command,
      ...(lineKey !== undefined && { key: lineKey }),
    });
    bySku.set(sku, items);
  }

  // One catalog lookup for the whole batch, before any line reaches an object.
  const unknown = new Set(await unknownSkus(c.env, bySku.keys()));
  const first = lines.findIndex((l) => unknown.has(l.sku));
  if (first !== -1) {
    const sku = lines[first]?.sku ?? '';
    const more = unknown.size > 1 ? ` (and ${unknown.size - 1} more unknown SKUs)` : '';
    throw new Failure({
      code: 'unknown_sku',
      message: `Line ${first} (SKU ${sku}): SKU ${sku} is not in the catalog${more}`,
      details: { line: first, sku, skus: [...unknown] },
    });
  }

  const results: ({ index: number; sku: string } & LineOutcome)[] = new Array(lines.length);
  const actor = principal.keyId;
  await mapLimited([...bySku], PARALLEL_SKUS, async ([sku, items]) => {
    const stub = skuStock(c.env, sku);
    // One call at a time per SKU, in order: the object serves other requests between calls.
    for (let from = 0; from < items.length; from += MAX_COMMANDS_PER_CALL) {
      const chunk = items.slice(from, from + MAX_COMMANDS_PER_CALL);
      const outcomes: LineOutcome[] = await stub.applyBatch(
        chunk.map(({ command, key }) => ({ command, key })),
        { actor, ...(scope && { scope }) },
      );
      outcomes.forEach((outcome, i) => {
        const item = chunk[i];
        if (item) results[item.index] = { index: item.index, sku, ...outcome };
      });
    }
  });

  const applied = results.filter((r) => r.ok && !r.replayed).length;
  const replayed = results.filter((r) => r.replayed).length;
  const failed = results.filter((r) => !r.ok && !r.replayed).length;
  return c.json({ applied, replayed, failed, results }, 200);
};

import { baselines } from './scenarios/baselines.ts';
import { carts } from './scenarios/carts.ts';
import { connectors } from './scenarios/connectors.ts';
import { counts } from './scenarios/counts.ts';
import { hotSku } from './scenarios/hot-sku.ts';
import { ingest } from './scenarios/ingest.ts';
import { ledger } from './scenarios/ledger.ts';
import { memory } from './scenarios/memory.ts';
import { orders } from './scenarios/orders.ts';
import { policy } from './scenarios/policy.ts';
import { propagation } from './scenarios/propagation.ts';
import { replay } from './scenarios/replay.ts';
import { signals } from './scenarios/signals.ts';
import type { Scenario } from './types.ts';

/**
 * Every scenario of `npm run bench`, in the order they run and print: each a module exporting a
 * Scenario (types.ts). Adding one is one line here.
 */
export const registry: Scenario[] = [
  hotSku,
  baselines,
  carts,
  propagation,
  connectors,
  orders,
  signals,
  ingest,
  ledger,
  replay,
  memory,
  policy,
  counts,
];

import type { Command } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { table } from '../table.ts';

type Flags = ConnectionFlags & { json?: boolean };

const COLUMNS = [
  'onHand',
  'reserved',
  'committed',
  'unavailable',
  'safetyStock',
  'incoming',
  'available',
  'backordered',
] as const;

/** `stockmesh stock SKU` */
export const stockCommand = (program: Command, ctx: Context) =>
  program
    .command('stock')
    .description("A SKU's quantities at every location and in total (GET /v1/skus/{sku}/stock)")
    .argument('<sku>', 'the SKU code')
    .option('--json', 'print the answer as JSON')
    .action(async (sku: string, _: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const stock = await (await connect(flags)).stock(sku);
      if (flags.json) {
        ctx.io.out(`${JSON.stringify(stock)}\n`);
        return;
      }
      ctx.io.out(`${stock.sku}  seq ${stock.seq}  policy ${stock.policy}\n`);
      const rows = [
        ...stock.locations.map((l) => [l.location, ...COLUMNS.map((c) => String(l[c]))]),
        ['total', ...COLUMNS.map((c) => String(stock.totals[c]))],
      ];
      ctx.io.out(table(['location', ...COLUMNS], rows));
    });

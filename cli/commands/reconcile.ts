import type { Command } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { list } from '../list.ts';

type Flags = ConnectionFlags & { skus?: string[]; json?: boolean };

/** `stockmesh reconcile` */
export const reconcileCommand = (program: Command, ctx: Context) =>
  program
    .command('reconcile')
    .description(
      'Folds the ledger and compares it with every live counter (POST /v1/admin/reconcile): ' +
        'events D1 does not have yet are lag, anything else is drift. Exits 1 when there is ' +
        'drift. Admin key.',
    )
    .option('--skus <codes>', 'only these SKUs (comma-separated)', list)
    .option('--json', 'print the report as JSON')
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const report = await (await connect(flags)).reconcile(flags.skus);
      if (flags.json) ctx.io.out(`${JSON.stringify(report)}\n`);
      else {
        const { lag, drift } = report;
        ctx.io.out(
          `${report.checkedSkus} SKUs checked: lag ${lag.skus} SKUs (${lag.events} events), ` +
            `drift ${drift.skus} SKUs\n`,
        );
        for (const item of drift.items) ctx.io.out(`drift ${JSON.stringify(item)}\n`);
      }
      if (report.drift.skus > 0) ctx.exit(ExitCode.dataFailures);
    });

import type { Command } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { list } from '../list.ts';

type Flags = ConnectionFlags & { skus?: string[]; json?: boolean };

/** Items a report lists per section, as the API's own reports do. */
const MAX_ITEMS = 200;

/** Every page of the catalog, one after another, summed into one report. */
const wholeCatalog = async (client: Awaited<ReturnType<typeof connect>>) => {
  let report = await client.reconcile({});
  while (report.next !== null) {
    const page = await client.reconcile({ after: report.next });
    report = {
      startedAt: report.startedAt,
      finishedAt: page.finishedAt,
      checkedSkus: report.checkedSkus + page.checkedSkus,
      lag: {
        skus: report.lag.skus + page.lag.skus,
        events: report.lag.events + page.lag.events,
        items: [...report.lag.items, ...page.lag.items].slice(0, MAX_ITEMS),
      },
      drift: {
        skus: report.drift.skus + page.drift.skus,
        items: [...report.drift.items, ...page.drift.items].slice(0, MAX_ITEMS),
      },
      next: page.next,
    };
  }
  return report;
};

/** `stockmesh reconcile` */
export const reconcileCommand = (program: Command, ctx: Context) =>
  program
    .command('reconcile')
    .description(
      'Folds the ledger and compares it with every live counter (POST /v1/admin/reconcile, ' +
        'page after page of the catalog): ' +
        'events D1 does not have yet are lag, anything else is drift. Exits 1 when there is ' +
        'drift. Admin key.',
    )
    .option('--skus <codes>', 'only these SKUs (comma-separated)', list)
    .option('--json', 'print the report as JSON')
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const client = await connect(flags);
      const report =
        flags.skus !== undefined ? await client.reconcile(flags.skus) : await wholeCatalog(client);
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

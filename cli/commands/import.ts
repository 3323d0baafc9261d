import { type ImportFormat, StockmeshError } from '@stockmesh/client';
import { type Command, Option } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { readInput } from './read-input.ts';

type Flags = ConnectionFlags & { channel?: string; format?: ImportFormat; json?: boolean };

const formatOf = (file: string, flags: Flags): ImportFormat =>
  flags.format ?? (/\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv');

/** Each problem of a refused import, one a line: `line 3: gtin: …`. */
const problems = (error: StockmeshError): string[] => {
  const errors = error.error.details?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: unknown) =>
    typeof e === 'object' && e !== null && 'line' in e && 'message' in e
      ? `line ${String(e.line)}: ${String(e.message)}`
      : JSON.stringify(e),
  );
};

/** `stockmesh import skus|mappings FILE` */
export const importCommand = (program: Command, ctx: Context) => {
  const what = program
    .command('import')
    .summary('import SKUs or channel mappings from a CSV or NDJSON file')
    .description(
      'Imports a whole file in one request, all or nothing: if any line is invalid nothing is ' +
        'imported and every problem is printed with its line number (exit 1).',
    );
  const format = new Option(
    '--format <format>',
    'csv or ndjson (default: from the extension)',
  ).choices(['csv', 'ndjson']);
  const run = async (
    file: string,
    command: Command,
    send: (
      flags: Flags,
      text: string,
    ) => Promise<{ created: number; updated: number; total: number }>,
  ) => {
    const flags = command.optsWithGlobals<Flags>();
    const text = readInput(file).toString('utf8');
    try {
      const result = await send(flags, text);
      ctx.io.out(
        flags.json
          ? `${JSON.stringify(result)}\n`
          : `${result.total} lines: ${result.created} created, ${result.updated} updated\n`,
      );
    } catch (error) {
      if (!(error instanceof StockmeshError) || error.code !== 'validation_failed') throw error;
      const lines = problems(error);
      ctx.io.err(`stockmesh: ${file} not imported: ${error.message}\n`);
      for (const line of lines) ctx.io.err(`  ${line}\n`);
      ctx.exit(ExitCode.dataFailures);
    }
  };
  what
    .command('skus')
    .description(
      'Creates or updates SKUs (POST /v1/skus/import): CSV with a header row ' +
        'code,title,gtin,backorderPolicy (code and title required), or NDJSON objects like ' +
        'POST /v1/skus. An empty cell keeps the current value. Admin key.',
    )
    .argument('<file>', 'the CSV or NDJSON file')
    .addOption(format)
    .option('--json', 'print the result as JSON')
    .action(async (file: string, _: Flags, command: Command) =>
      run(file, command, async (flags, text) =>
        (await connect(flags)).importSkus(text, formatOf(file, flags)),
      ),
    );
  what
    .command('mappings')
    .description(
      "Maps SKUs to a channel's marketplace items (POST /v1/channels/{code}/mappings/import): " +
        'CSV with a header row sku,<the mapping fields of the connection kind> (docs/connectors.md), ' +
        'or NDJSON objects with sku and those fields. Admin key.',
    )
    .argument('<file>', 'the CSV or NDJSON file')
    .requiredOption('--channel <code>', 'the connected channel')
    .addOption(format)
    .option('--json', 'print the result as JSON')
    .action(async (file: string, _: Flags, command: Command) =>
      run(file, command, async (flags, text) => {
        if (flags.channel === undefined)
          throw new CliError('--channel is required', ExitCode.usage);
        return (await connect(flags)).importMappings(flags.channel, text, formatOf(file, flags));
      }),
    );
};

import { createHash } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { parse } from 'csv-parse';
import { MAX_BATCH_LINES } from '../../protocol/batch.ts';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { Io } from '../io.ts';
import { checkHeader, parseMovement } from '../movements/parse-line.ts';
import { type FailedLine, writeReport } from '../movements/report.ts';
import { type Pending, sendBatch, type Tally } from '../movements/send.ts';
import { readInput } from './read-input.ts';

type Flags = ConnectionFlags & { errors?: string; batchSize: number; json?: boolean };

const batchSize = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_LINES) {
    throw new InvalidArgumentError(`1 to ${MAX_BATCH_LINES}`);
  }
  return n;
};

/** Where the error report goes by default: counts.csv → counts.errors.csv, beside it. */
const defaultReport = (file: string) => `${file.replace(/\.csv$/i, '')}.errors.csv`;

/** A progress bar on a terminal (lines, lines/s, ETA); nothing when stderr is a pipe or file. */
const progress = (io: Io, total: number) => {
  if (!io.errIsTty || io.errStream === undefined) return undefined;
  const bar = new SingleBar({
    stream: io.errStream,
    format: '{bar} {percentage}% | {value}/{total} lines | {rate} lines/s | ETA {eta_formatted}',
    etaBuffer: 20,
    hideCursor: true,
  });
  bar.start(total, 0, { rate: 0 });
  return bar;
};

/** `stockmesh movements FILE.csv` */
export const movementsCommand = (program: Command, ctx: Context) =>
  program
    .command('movements')
    .summary('apply counts, receipts and adjustments from a CSV file')
    .description(
      'Applies a CSV file of stock movements (columns sku,op,location,quantity and optionally ' +
        'reason,ref,expectedOnHand,fromIncoming; op is count, receive, expect or adjust) through ' +
        `POST /v1/movements/batch, at most ${MAX_BATCH_LINES} lines a request. Every line carries ` +
        "an idempotency key made of the file's SHA-256 and its line number, so running the same " +
        'file again (after an interruption, say) applies nothing twice: lines already applied ' +
        'are replayed. Failed lines go to the error report with the reason; fix them there and ' +
        'run the report. Exits 1 when any line failed.',
    )
    .argument('<file>', 'the CSV file, with a header row')
    .option('--errors <file>', 'the error report (default: FILE.errors.csv beside the file)')
    .option(
      '--batch-size <n>',
      `lines per request (at most ${MAX_BATCH_LINES})`,
      batchSize,
      MAX_BATCH_LINES,
    )
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, _: Flags, command: Command) => {
      ctx.exit(await applyMovements(ctx.io, file, command.optsWithGlobals<Flags>()));
    });

const applyMovements = async (io: Io, file: string, flags: Flags): Promise<ExitCode> => {
  const content = readInput(file);
  const client = await connect(flags);
  const fileId = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const total = Math.max(
    0,
    content
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length - 1,
  );
  const known = new Set((await client.locations()).items.map((l) => l.code));

  const tally: Tally = { applied: 0, replayed: 0, failed: [] };
  const fail = (f: FailedLine) => tally.failed.push(f);
  let header: string[] | undefined;
  let batch: Pending[] = [];
  let lines = 0;
  const bar = progress(io, total);
  const started = Date.now();
  const flush = async () => {
    if (batch.length === 0) return;
    await sendBatch(client, batch, tally);
    batch = [];
    bar?.update(lines, {
      rate: Math.round(lines / Math.max((Date.now() - started) / 1000, 0.001)),
    });
  };

  const records = parse(content, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  try {
    for await (const { record, info } of records as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (header === undefined) {
        header = record.map((c) => c.trim());
        const problem = checkHeader(header);
        if (problem !== undefined) throw new CliError(`${file}: ${problem}`, ExitCode.usage);
        continue;
      }
      lines++;
      const parsed = parseMovement(header, record);
      if (!parsed.ok) {
        fail({
          line: info.lines,
          code: 'validation_failed',
          message: parsed.message,
          cells: record,
        });
        continue;
      }
      const location = 'location' in parsed.line ? parsed.line.location : '';
      if (!known.has(location)) {
        fail({
          line: info.lines,
          code: 'unknown_location',
          message: `Unknown location ${location}`,
          cells: record,
        });
        continue;
      }
      batch.push({
        line: info.lines,
        cells: record,
        batchLine: { ...parsed.line, key: `mv:${fileId}:${info.lines}` },
      });
      if (batch.length >= flags.batchSize) await flush();
    }
    await flush();
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')) {
      throw new CliError(`${file}: ${error.message}`, ExitCode.usage);
    }
    throw error;
  } finally {
    bar?.update(lines);
    bar?.stop();
  }

  const report = flags.errors ?? defaultReport(file);
  if (tally.failed.length > 0) writeReport(report, header ?? [], tally.failed);
  const summary = {
    file,
    lines,
    applied: tally.applied,
    replayed: tally.replayed,
    failed: tally.failed.length,
    ...(tally.failed.length > 0 && { errors: report }),
  };
  if (flags.json) io.out(`${JSON.stringify(summary)}\n`);
  else {
    io.out(
      `${lines} lines: ${summary.applied} applied, ${summary.replayed} replayed, ${summary.failed} failed\n`,
    );
    if (tally.failed.length > 0) io.out(`failed lines: ${report}\n`);
  }
  return tally.failed.length > 0 ? ExitCode.dataFailures : ExitCode.ok;
};

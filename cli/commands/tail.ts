import type { UpdateEvent } from '@stockmesh/client';
import { type Command, InvalidArgumentError } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { list } from '../list.ts';

type Flags = ConnectionFlags & {
  channel?: string;
  locations?: string[];
  skus?: string[];
  prefix?: string;
  json?: boolean;
  once?: boolean;
  count?: number;
};

const count = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number, 1 or more');
  return n;
};

/** One update as a line: when, SKU, seq, then each location's on hand and available. */
export const humanLine = (e: UpdateEvent): string => {
  const places = e.locations
    .map((l) => `${l.location} onHand=${l.onHand} available=${l.available}`)
    .join(' ');
  const listed = e.listed === undefined ? '' : ` listed ${e.listed.channel}=${e.listed.quantity}`;
  return `${e.at} ${e.sku} seq=${e.seq} ${places}${listed}`.trimEnd();
};

/** `stockmesh tail` */
export const tailCommand = (program: Command, ctx: Context) =>
  program
    .command('tail')
    .description(
      'Follows the live stream (GET /v1/stream on every shard, through the typed client): ' +
        'the current state of every matching SKU, then each change as it happens. Runs until ' +
        'interrupted, or --once / --count. Reconnects and resumes by itself.',
    )
    .option('--channel <code>', 'add the listed quantity for this channel to every line')
    .option('--locations <codes>', 'only these locations (comma-separated)', list)
    .option('--skus <codes>', 'only these SKUs (comma-separated)', list)
    .option('--prefix <prefix>', 'only SKUs whose code starts with this')
    .option('--json', 'one JSON object a line (the stream row) instead of text')
    .option('--once', 'print the current state and stop (no live changes)')
    .option('--count <n>', 'stop after n lines', count)
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const client = await connect(flags);
      // Asked here so an unreachable mesh or a bad key ends with its own exit code.
      await client.streamInfo();
      const stream = client.stream({
        ...(flags.channel !== undefined && { channel: flags.channel }),
        ...(flags.locations !== undefined && { locations: flags.locations }),
        ...(flags.skus !== undefined && { skus: flags.skus }),
        ...(flags.prefix !== undefined && { prefix: flags.prefix }),
      });
      const stop = () => stream.close();
      process.once('SIGINT', stop);
      let printed = 0;
      try {
        for await (const e of stream) {
          if (e.type === 'caught-up' && e.all && flags.once) break;
          if (e.type === 'reconnecting' && !flags.json) {
            ctx.io.err(`reconnecting shard ${e.shard} (${e.code} ${e.reason})\n`);
          }
          if (e.type !== 'update') continue;
          const { type: _type, ...row } = e;
          ctx.io.out(flags.json ? `${JSON.stringify(row)}\n` : `${humanLine(e)}\n`);
          printed++;
          if (flags.count !== undefined && printed >= flags.count) break;
        }
      } finally {
        process.off('SIGINT', stop);
        stream.close();
      }
    });

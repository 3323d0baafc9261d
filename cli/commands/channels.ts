import { type StockmeshClient, StockmeshError } from '@stockmesh/client';
import type { Command } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { table } from '../table.ts';

type Flags = ConnectionFlags & { json?: boolean };

/** A channel's sync status, or null when it has no marketplace connection. */
const syncOf = async (client: StockmeshClient, code: string) => {
  try {
    return await client.channelSync(code);
  } catch (error) {
    if (error instanceof StockmeshError && error.code === 'not_connected') return null;
    throw error;
  }
};

/** `stockmesh channels` */
export const channelsCommand = (program: Command, ctx: Context) =>
  program
    .command('channels')
    .description(
      'Every channel with its rules and how its marketplace sync stands ' +
        '(GET /v1/channels, GET /v1/channels/{code}/sync): state, queue, lag, pushes/s, last error',
    )
    .option('--json', 'print channels and sync status as JSON')
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const client = await connect(flags);
      const { items } = await client.channels();
      const rows = await Promise.all(
        items.map(async (channel) => ({ channel, sync: await syncOf(client, channel.code) })),
      );
      if (flags.json) {
        ctx.io.out(`${JSON.stringify(rows)}\n`);
        return;
      }
      const lines = rows.map(({ channel, sync }) => [
        channel.code,
        channel.kind,
        channel.locations.join(','),
        sync === null ? 'not connected' : `${sync.kind} ${sync.state}`,
        sync === null ? '-' : String(sync.queue.depth),
        sync === null ? '-' : `${sync.lagSeconds.toFixed(1)}s`,
        sync === null ? '-' : sync.pushesPerSecond.toFixed(1),
        sync?.lastError == null ? '-' : `${sync.lastError.code}: ${sync.lastError.message}`,
      ]);
      ctx.io.out(
        table(
          ['channel', 'kind', 'locations', 'sync', 'queue', 'lag', 'pushes/s', 'last error'],
          lines,
        ),
      );
    });

import type { Command } from 'commander';
import { Option } from 'commander';
import { type ConnectionFlags, connect } from '../connection.ts';
import type { Context } from '../context.ts';
import { list } from '../list.ts';
import { table } from '../table.ts';

type Flags = ConnectionFlags & {
  name: string;
  role: 'admin' | 'storefront' | 'warehouse' | 'connector' | 'viewer';
  channels?: string[];
  locations?: string[];
  json?: boolean;
};

/** `stockmesh keys create|list|revoke` (admin key) */
export const keysCommand = (program: Command, ctx: Context) => {
  const keys = program.command('keys').description('Create, list and revoke API keys (admin key)');
  keys
    .command('create')
    .description(
      'Creates a key (POST /v1/keys) and prints its id and secret: the secret is shown only ' +
        'now. Storefront and connector keys need --channels, warehouse keys --locations.',
    )
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(
      new Option('--role <role>', 'what it may do (README "Keys and roles")')
        .choices(['admin', 'storefront', 'warehouse', 'connector', 'viewer'])
        .makeOptionMandatory(),
    )
    .option('--channels <codes>', 'channels it acts for (comma-separated)', list)
    .option('--locations <codes>', 'locations it acts at (comma-separated)', list)
    .option('--json', 'print the key as JSON')
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const created = await (await connect(flags)).createKey({
        name: flags.name,
        role: flags.role,
        ...(flags.channels && { channels: flags.channels }),
        ...(flags.locations && { locations: flags.locations }),
      });
      ctx.io.out(flags.json ? `${JSON.stringify(created)}\n` : `${created.id} ${created.key}\n`);
    });
  keys
    .command('list')
    .description('Every key, oldest first, without secrets (GET /v1/keys)')
    .option('--json', 'print the keys as JSON')
    .action(async (_: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const { items } = await (await connect(flags)).keys();
      if (flags.json) {
        ctx.io.out(`${JSON.stringify(items)}\n`);
        return;
      }
      const rows = items.map((k) => [
        k.id,
        k.name,
        k.role,
        [...k.channels, ...k.locations].join(',') || '-',
        k.createdAt,
        k.revokedAt === null ? 'active' : `revoked ${k.revokedAt}`,
      ]);
      ctx.io.out(table(['id', 'name', 'role', 'scope', 'created', 'state'], rows));
    });
  keys
    .command('revoke')
    .description('Revokes a key (DELETE /v1/keys/{id}); its stream sockets close at once')
    .argument('<id>', 'the key id, key_ and 16 hex digits')
    .action(async (id: string, _: Flags, command: Command) => {
      const revoked = await (await connect(command.optsWithGlobals<Flags>())).revokeKey(id);
      ctx.io.out(`${revoked.id} revoked ${revoked.revokedAt ?? ''}\n`);
    });
};

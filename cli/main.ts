import { Command, CommanderError } from 'commander';
import { channelsCommand } from './commands/channels.ts';
import { importCommand } from './commands/import.ts';
import { keysCommand } from './commands/keys.ts';
import { movementsCommand } from './commands/movements.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { stockCommand } from './commands/stock.ts';
import { tailCommand } from './commands/tail.ts';
import { connectionOptions } from './connection.ts';
import type { Context } from './context.ts';
import { describeFailure, ExitCode } from './exit-codes.ts';
import { type Io, processIo } from './io.ts';

const EXIT_CODES = `
Exit codes:
  0  done
  1  some lines or items failed, or the mesh refused the data (unknown SKU, drift found…)
  2  usage: unknown command or option, missing argument, unreadable file, no --url or --key
  3  auth: the key is missing, unknown or revoked, or may not do this
  4  the mesh is unreachable at --url
  5  the mesh failed (5xx) or answered something unexpected`;

/** The program: one subcommand per task, --url and --key on each (docs/cli.md). */
const program = (ctx: Context) => {
  const root = new Command('stockmesh')
    .description(
      'Operate a Stockmesh inventory mesh: imports, movements, the live stream, stock, keys',
    )
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: ctx.io.out, writeErr: ctx.io.err })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES);
  for (const option of connectionOptions()) root.addOption(option);
  for (const add of [
    importCommand,
    movementsCommand,
    tailCommand,
    stockCommand,
    reconcileCommand,
    keysCommand,
    channelsCommand,
  ]) {
    add(root, ctx);
  }
  // Subcommands inherit the output, the exit override and the after-error hint.
  for (const command of root.commands) {
    command.copyInheritedSettings(root);
    for (const sub of command.commands) sub.copyInheritedSettings(root);
  }
  return root;
};

/** Runs one command line (without `node stockmesh`) and answers its exit code. */
export const run = async (argv: string[], io: Io = processIo()): Promise<number> => {
  let code: ExitCode = ExitCode.ok;
  const ctx: Context = { io, exit: (c) => (code = c) };
  try {
    await program(ctx).parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.version'];
      return shown.includes(error.code) ? ExitCode.ok : ExitCode.usage;
    }
    const failure = describeFailure(error);
    io.err(`stockmesh: ${failure.message}\n`);
    return failure.code;
  }
};

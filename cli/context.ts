import type { ExitCode } from './exit-codes.ts';
import type { Io } from './io.ts';

/** What every command gets: where to write, and how to set the exit code. */
export type Context = { io: Io; exit: (code: ExitCode) => void };

import { StockmeshError } from '@stockmesh/client';
import { ZodError } from 'zod';

/** What `stockmesh` exits with; README "Command line" and docs/cli.md list the same. */
export const ExitCode = {
  ok: 0,
  /** Some lines or items were refused (the rest went through), or the data was refused. */
  dataFailures: 1,
  /** Bad command line: unknown command or option, missing argument, unreadable file. */
  usage: 2,
  /** The key is missing, unknown or revoked (401), or may not do this (403). */
  auth: 3,
  /** The mesh could not be reached at --url. */
  unreachable: 4,
  /** The mesh failed (5xx, overloaded) or answered something this CLI does not understand. */
  server: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure this CLI diagnosed itself, with the exit code it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The mesh could not be reached: fetch itself failed, before any answer. */
export class Unreachable extends CliError {
  constructor(url: string, cause: unknown) {
    const why = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : '';
    super(`cannot reach ${url}${why === '' ? '' : ` (${why})`}`, ExitCode.unreachable);
  }
}

/** The exit code and the one line to print for an error that ended a command. */
export const describeFailure = (error: unknown): { code: ExitCode; message: string } => {
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (error instanceof StockmeshError) {
    const message = `${error.code}: ${error.message}`;
    if (error.code === 'unauthorized' || error.code === 'forbidden') {
      return { code: ExitCode.auth, message };
    }
    if (error.code === 'internal' || error.code === 'overloaded' || error.status >= 500) {
      return { code: ExitCode.server, message };
    }
    return { code: ExitCode.dataFailures, message };
  }
  if (error instanceof ZodError) {
    return { code: ExitCode.server, message: `unexpected answer from the mesh: ${error.message}` };
  }
  return { code: ExitCode.server, message: error instanceof Error ? error.message : String(error) };
};

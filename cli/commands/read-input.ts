import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from '../exit-codes.ts';

/** The file's bytes; a missing or unreadable file is a usage error (exit 2). */
export const readInput = (file: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read ${file}: ${why}`, ExitCode.usage);
  }
};

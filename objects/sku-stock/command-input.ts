import { err, ok, type Result } from '../../protocol/errors';
import { Command } from '../../protocol/stock';

// What a command must pass before it is decided: its shape, and the version it expects.

/** The command parsed, or validation_failed naming the first issue and listing them all. */
export const parseCommand = (raw: unknown): Result<Command> => {
  const parsed = Command.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  return err(
    'validation_failed',
    issue ? `${issue.path.join('.')}: ${issue.message}` : 'Invalid command',
    { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  );
};

/** version_conflict when the command names a seq (`ifSeq`) other than the counter's. */
export const checkVersion = (
  state: { sku: string; seq: number },
  ifSeq: number | undefined,
): Result<void> =>
  ifSeq === undefined || ifSeq === state.seq
    ? ok(undefined)
    : err('version_conflict', `SKU ${state.sku}: expected seq ${ifSeq}, current seq ${state.seq}`, {
        sku: state.sku,
        expectedSeq: ifSeq,
        seq: state.seq,
      });

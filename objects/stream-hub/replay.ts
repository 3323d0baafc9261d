import { z } from 'zod';
import type { HubRow } from './view';

/**
 * Where a socket is in catching up; null once it is live. The subscriber holds every row up to
 * `from`; rows up to `at` have been scanned. Rows after `from` are always sent. Rows at or before
 * `from` are skipped (`none`), sent when a rules change altered their view (`rules`, comparing
 * with the version in force at `rulesFrom`), or all sent again (`all`).
 */
export const Replay = z.object({
  from: z.number().int().min(0),
  at: z.number().int().min(0),
  redo: z.enum(['none', 'rules', 'all']),
  rulesFrom: z.number().int().min(0).nullable(),
});
export type Replay = z.infer<typeof Replay>;

/**
 * The replay of a socket resuming after `from`. `rulesNow` and `rulesThen` are the cursors at
 * which the channel's current rules and the rules in force at `from` took effect (null: no
 * channel, or none known): when they differ, the listed quantities already sent may be stale.
 */
export const beginReplay = (
  from: number,
  rulesNow: number | null,
  rulesThen: number | null,
): Replay => {
  if (from === 0 || rulesNow === null || rulesNow === rulesThen) {
    return { from, at: from, redo: 'none', rulesFrom: null };
  }
  if (rulesThen === null) return { from, at: 0, redo: 'all', rulesFrom: null };
  return { from, at: 0, redo: 'rules', rulesFrom: rulesThen };
};

/**
 * The replay of a socket whose channel's rules just changed. A live socket holds every row up to
 * `head` under the previous rules (taking effect at `previousRules`); so does a socket replaying
 * without redo, up to where it has scanned. One already redoing holds a mix: send it everything.
 */
export const replayAfterRulesChange = (
  replay: Replay | null,
  head: number,
  previousRules: number,
): Replay => {
  if (replay === null) return { from: head, at: 0, redo: 'rules', rulesFrom: previousRules };
  const from = Math.max(replay.from, replay.at);
  if (replay.redo === 'none') return { from, at: 0, redo: 'rules', rulesFrom: previousRules };
  return { from, at: 0, redo: 'all', rulesFrom: null };
};

/** The rows of a scanned batch this socket must be sent. */
export const rowsToSend = (
  batch: readonly HubRow[],
  replay: Replay,
  wants: (row: HubRow) => boolean,
  viewChanged: (row: HubRow) => boolean,
): HubRow[] =>
  batch.filter(
    (row) =>
      wants(row) &&
      (row.cursor > replay.from ||
        replay.redo === 'all' ||
        (replay.redo === 'rules' && viewChanged(row))),
  );

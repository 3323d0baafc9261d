import { z } from 'zod';
import type { ThresholdsRollout } from '../../protocol/threshold-rollout';
import type { Jobs } from './jobs';

// A location's thresholds reach every SKU's object a page at a time (docs/signals.md): the
// rollout keeps a cursor (the last SKU code pushed) in the Webhooks object's jobs table and its
// alarm pushes one page per run, so no request or alarm run needs more subrequests than a page
// (and a few D1 reads), whatever the catalog's size, and a restart resumes from the cursor.

/** SKUs pushed per alarm run: inside the 1,000 subrequests of an invocation beside the deliveries. */
export const ROLLOUT_PAGE = 250;
export const ROLLOUT_JOB = 'thresholds-rollout';

const State = z.object({
  /** Bumped by every start: a page finishing after a restart must not move the new cursor. */
  generation: z.number().int(),
  cursor: z.string(),
  skus: z.number().int(),
  pushed: z.number().int(),
  pageSize: z.number().int().min(1),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
});
type State = z.infer<typeof State>;

export type RolloutPorts = {
  countSkus: () => Promise<number>;
  page: (after: string, limit: number) => Promise<string[]>;
  push: (codes: string[]) => Promise<void>;
  now: () => number;
};

/** Retry delay after `failures` failed pages in a row: 0.5 s doubling to 60 s. */
const backoffMs = (failures: number): number =>
  Math.min(60_000, 500 * 2 ** Math.max(0, failures - 1));

/** The part of the jobs table a rollout uses (a map stands in for it in unit tests). */
export type RolloutJobs = Pick<Jobs, 'state' | 'dueAt' | 'save'>;

export class ThresholdRollout {
  constructor(
    private readonly jobs: RolloutJobs,
    private readonly ports: RolloutPorts,
  ) {}

  /** Starts pushing every SKU from the first (again, if one was under way); answers the plan. */
  async start(pageSize: number): Promise<ThresholdsRollout> {
    const skus = await this.ports.countSkus();
    const now = this.ports.now();
    const state: State = {
      generation: (this.state()?.generation ?? 0) + 1,
      cursor: '',
      skus,
      pushed: 0,
      pageSize,
      startedAt: now,
      finishedAt: null,
      failures: 0,
      lastError: null,
    };
    this.jobs.save(ROLLOUT_JOB, now, state);
    return view(state);
  }

  /** How the last rollout stands, or null if none ever started. */
  progress(): ThresholdsRollout | null {
    const s = this.state();
    return s === undefined ? null : view(s);
  }

  /** Whether a page is due at `now`; if so it is leased until `until` (a crash redoes it then). */
  take(now: number, until: number): boolean {
    const due = this.jobs.dueAt(ROLLOUT_JOB);
    const s = this.state();
    if (due === null || due > now || s === undefined) return false;
    this.jobs.save(ROLLOUT_JOB, until, s);
    return true;
  }

  /** Pushes the next page; sets when the next one is due (null once every SKU has it). */
  async run(): Promise<void> {
    const s = this.state();
    if (s === undefined || s.finishedAt !== null) return;
    let codes: string[];
    try {
      codes = await this.ports.page(s.cursor, s.pageSize);
      await this.ports.push(codes);
    } catch (error) {
      const now = this.ports.now();
      const current = this.state();
      if (current?.generation !== s.generation) return;
      const failures = s.failures + 1;
      const message = error instanceof Error ? error.message : String(error);
      console.warn(
        `thresholds rollout: page after '${s.cursor}' failed (${failures}x): ${message}`,
      );
      this.jobs.save(ROLLOUT_JOB, now + backoffMs(failures), {
        ...current,
        failures,
        lastError: message.slice(0, 300),
      });
      return;
    }
    const current = this.state();
    // A new change restarted the rollout meanwhile: its cursor stands.
    if (current?.generation !== s.generation) return;
    const now = this.ports.now();
    const last = codes.at(-1);
    const done = last === undefined || codes.length < s.pageSize;
    const next: State = {
      ...s,
      cursor: last ?? s.cursor,
      pushed: s.pushed + codes.length,
      finishedAt: done ? now : null,
      failures: 0,
      lastError: null,
    };
    this.jobs.save(ROLLOUT_JOB, done ? null : now, next);
  }

  private state(): State | undefined {
    return this.jobs.state(ROLLOUT_JOB, State);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const view = (s: State): ThresholdsRollout => ({
  skus: s.skus,
  pushed: s.pushed,
  pageSize: s.pageSize,
  startedAt: new Date(s.startedAt).toISOString(),
  finishedAt: iso(s.finishedAt),
  lastError: s.lastError,
});

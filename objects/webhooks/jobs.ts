import { eq, min } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { z } from 'zod';
import * as t from './schema';

// The Webhooks object's background jobs besides its deliveries (the ads relay, threshold
// rollouts): each one row with its state and the time it is next due, so a restart resumes it
// and the one alarm is set to the earliest of them.

type Db = DrizzleSqliteDODatabase<typeof t>;

export class Jobs {
  constructor(private readonly db: Db) {}

  /** The job's state, parsed; undefined when it never ran. */
  state<S extends z.ZodType>(name: string, schema: S): z.infer<S> | undefined {
    const row = this.db.select().from(t.jobs).where(eq(t.jobs.name, name)).get();
    return row === undefined ? undefined : schema.parse(JSON.parse(row.state));
  }

  dueAt(name: string): number | null {
    const row = this.db
      .select({ dueAt: t.jobs.dueAt })
      .from(t.jobs)
      .where(eq(t.jobs.name, name))
      .get();
    return row?.dueAt ?? null;
  }

  /** Saves the job's state and when it is next due (null: nothing to do). */
  save(name: string, dueAt: number | null, state: unknown): void {
    const row = { name, dueAt, state: JSON.stringify(state) };
    this.db
      .insert(t.jobs)
      .values(row)
      .onConflictDoUpdate({ target: t.jobs.name, set: { dueAt, state: row.state } })
      .run();
  }

  /** Makes the job due at `at` unless it is due sooner already. */
  wake(name: string, at: number): void {
    const due = this.dueAt(name);
    if (due !== null && due <= at) return;
    this.db
      .insert(t.jobs)
      .values({ name, dueAt: at, state: '{}' })
      .onConflictDoUpdate({ target: t.jobs.name, set: { dueAt: at } })
      .run();
  }

  /** The earliest time any job is due, or null. */
  next(): number | null {
    const [r] = this.db
      .select({ at: min(t.jobs.dueAt) })
      .from(t.jobs)
      .all();
    return r?.at ?? null;
  }
}

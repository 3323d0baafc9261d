import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

/** The catalog database, built per request (it is a thin wrapper over the binding). */
export const catalogDb = (env: Env) => drizzle(env.DB, { schema });
export type CatalogDb = ReturnType<typeof catalogDb>;

/** D1 refuses statements with more than 100 bound parameters. */
export const MAX_BOUND_PARAMS = 100;

/** Splits items into chunks of at most `size`. */
export const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

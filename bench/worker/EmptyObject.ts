import { DurableObject } from 'cloudflare:workers';

/**
 * A SQLite-backed Durable Object that keeps nothing and runs one query: what workerd itself
 * spends on an open object, the floor under any object of ours (the memory scenario).
 */
export class EmptyObject extends DurableObject {
  async wake(): Promise<number> {
    return this.ctx.storage.sql.exec<{ one: number }>('SELECT 1 AS one').one().one;
  }
}

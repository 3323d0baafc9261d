import { defineConfig } from 'drizzle-kit';

// Migrations of each AdsSync object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/ads/schema.ts',
  out: './objects/ads/migrations',
});

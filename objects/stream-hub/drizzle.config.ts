import { defineConfig } from 'drizzle-kit';

// Migrations of each StreamHub object's own SQLite, run in its constructor.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './objects/stream-hub/schema.ts',
  out: './objects/stream-hub/migrations',
});
